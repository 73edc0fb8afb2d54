"""The Migrants Office's opening hours: whether a mediator can be expected now, and if not, when.

Written the way staff would say it in `OFFICE_HOURS`: "mon-thu 08:30-17:30; fri 08:30-16:30"
(days mon..sun, ranges or single days), in the office's time zone (`OFFICE_TIMEZONE`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_PART = re.compile(r"^(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")


@dataclass(frozen=True)
class Opening:
    weekday: int  # 0 = Monday
    start: time
    end: time


@dataclass(frozen=True)
class OfficeHours:
    openings: tuple[Opening, ...]
    zone: str = "America/Santiago"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.tz)
        return any(o.weekday == local.weekday() and o.start <= local.time() < o.end for o in self.openings)

    def next_opening(self, now: datetime) -> datetime | None:
        """When the office next opens after `now` (local time), None if it never does."""
        local = now.astimezone(self.tz)
        for days_ahead in range(8):
            day = (local + timedelta(days=days_ahead)).date()
            for opening in sorted(self.openings, key=lambda o: o.start):
                start = datetime.combine(day, opening.start, tzinfo=self.tz)
                if opening.weekday == day.weekday() and start > local:
                    return start
        return None


def parse(spec: str, zone: str = "America/Santiago") -> OfficeHours:
    """`mon-thu 08:30-17:30; fri 08:30-16:30` -> OfficeHours; refuses what it cannot read."""
    try:
        ZoneInfo(zone)
    except (KeyError, ValueError) as error:
        raise SystemExit(f"OFFICE_TIMEZONE: unknown time zone {zone!r}") from error
    openings: list[Opening] = []
    for part in filter(None, (p.strip().lower() for p in spec.split(";"))):
        match = _PART.match(part)
        if not match or match.group(1) not in DAYS or (match.group(2) or match.group(1)) not in DAYS:
            raise SystemExit(f"OFFICE_HOURS: cannot read {part!r}; write e.g. 'mon-thu 08:30-17:30; fri 08:30-16:30'")
        first, last = DAYS.index(match.group(1)), DAYS.index(match.group(2) or match.group(1))
        h1, m1, h2, m2 = (int(match.group(i)) for i in range(3, 7))
        try:
            start = time(h1, m1)
            end = time.max if (h2, m2) == (24, 0) else time(h2, m2)  # "24:00": to the end of the day
        except ValueError as error:
            raise SystemExit(f"OFFICE_HOURS: {part!r} is not a time of day") from error
        if end <= start:
            raise SystemExit(f"OFFICE_HOURS: {part!r} closes before it opens")
        openings += [Opening(day, start, end) for day in range(first, last + 1)]
    return OfficeHours(tuple(openings), zone)

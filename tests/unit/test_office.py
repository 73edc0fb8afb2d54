"""Office hours as staff write them, in Chile's time zone."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from puente import office

HOURS = office.parse("mon-thu 08:30-17:30; fri 08:30-16:30")


def santiago(*args: int) -> datetime:
    return datetime(*args, tzinfo=HOURS.tz)


def test_open_and_closed_by_the_local_clock() -> None:
    assert HOURS.is_open(santiago(2026, 11, 25, 10, 0))  # a Wednesday morning
    assert not HOURS.is_open(santiago(2026, 11, 25, 17, 30))  # closing time
    assert not HOURS.is_open(santiago(2026, 11, 27, 16, 45))  # Friday closes earlier
    assert not HOURS.is_open(santiago(2026, 11, 28, 11, 0))  # Saturday
    # 12:00 UTC is 09:00 in Santiago (UTC-3 in summer): open.
    assert HOURS.is_open(datetime(2026, 11, 25, 12, 0, tzinfo=timezone.utc))


def test_next_opening_skips_the_weekend() -> None:
    assert HOURS.next_opening(santiago(2026, 11, 27, 18, 0)) == santiago(2026, 11, 30, 8, 30)  # Fri -> Mon
    assert HOURS.next_opening(santiago(2026, 11, 25, 7, 0)) == santiago(2026, 11, 25, 8, 30)  # later today
    assert office.parse("").next_opening(santiago(2026, 11, 25, 7, 0)) is None


def test_a_whole_day() -> None:
    always = office.parse("mon-sun 00:00-24:00")
    assert always.is_open(santiago(2026, 11, 29, 23, 59, 59))


@pytest.mark.parametrize("spec", ["weekdays 9-5", "mon-fri 17:00-09:00", "xyz 08:00-10:00", "mon 25:00-26:00"])
def test_what_cannot_be_read_is_refused_with_an_example(spec: str) -> None:
    with pytest.raises(SystemExit, match="OFFICE_HOURS"):
        office.parse(spec)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(SystemExit, match="OFFICE_TIMEZONE"):
        office.parse("mon 08:00-10:00", "America/Quilicura")


def test_the_default_hours_are_the_office_hours_in_the_records() -> None:
    """The hand-off says when mediators answer; the office card says when it is open: the same hours."""
    import re

    import yaml

    from puente import settings

    seed = yaml.safe_load((settings.ROOT / "records" / "seed" / "quilicura.yml").read_text(encoding="utf-8"))
    card = next(s for s in seed["services"] if s["key"] == "migrant_office")["texts"]["es"]["hours"]
    ranges = {(int(a), int(b), int(c), int(d)) for a, b, c, d in re.findall(r"(\d{1,2}):(\d\d)-(\d{1,2}):(\d\d)", card)}
    default = office.parse(settings.Handoff.office_hours)
    opened = {(o.start.hour, o.start.minute, o.end.hour, o.end.minute) for o in default.openings}
    assert ranges == opened, (card, settings.Handoff.office_hours)

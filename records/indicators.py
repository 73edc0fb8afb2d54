"""The month's figures the office reports (Migrant Seal: process and result indicators with a gender
focus). Every figure is counted in the month, in Chile's time, when its event happened: an enrolment
when it was made, a completion when it was recorded, a decision when it was taken.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from records.models import (
    Enrolment,
    EnrolmentProgress,
    EnrolmentStatus,
    Handoff,
    LeaseGuaranteeApplication,
    LeaseStatus,
    LeaseStatusChange,
    Resident,
    ResidentGender,
)

OFFICE_TZ = ZoneInfo("America/Santiago")
NOT_ASKED = "not_asked"  # no gender recorded: the flow did not ask, or the person was not asked yet


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str | None, today: date | None = None) -> Month:
        """ "2026-11" -> Month(2026, 11); empty or unreadable: the current month."""
        try:
            year, month = (int(part) for part in (value or "").split("-", 1))
            if 2000 <= year <= 2100 and 1 <= month <= 12:
                return cls(year, month)
        except ValueError:
            pass
        today = today or datetime.now(OFFICE_TZ).date()
        return cls(today.year, today.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def bounds(self) -> tuple[datetime, datetime]:
        """Start and end of the month in Chile, in UTC (how the records store times)."""
        start = datetime(self.year, self.month, 1, tzinfo=OFFICE_TZ)
        nxt = datetime(self.year + self.month // 12, self.month % 12 + 1, 1, tzinfo=OFFICE_TZ)
        return start.astimezone(timezone.utc), nxt.astimezone(timezone.utc)


@dataclass
class Breakdown:
    """Counts per (language, gender), and their totals."""

    rows: dict[tuple[str, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))

    def totals(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for counts in self.rows.values():
            total.update(counts)
        return total


class Workshops(Breakdown):
    """Enrolments made, waitlisted, cancelled; completions; certificates."""


class Lease(Breakdown):
    """Applications requested, granted (approved), refused (rejected)."""


@dataclass
class Handoffs:
    requested: int = 0
    claimed: int = 0
    median_wait_minutes: float | None = None  # claimed_at - requested_at, over the claimed ones
    by_language: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)  # "open" while not ended


def workshops(session: Session, month: Month) -> Workshops:
    start, end = month.bounds()
    result = Workshops()
    made = session.execute(
        select(Resident.language, ResidentGender.gender, Enrolment.status, func.count())
        .join(Resident, Resident.id == Enrolment.resident_id)
        .outerjoin(ResidentGender, ResidentGender.resident_id == Resident.id)
        .where(Enrolment.created_at >= start, Enrolment.created_at < end)
        .group_by(Resident.language, ResidentGender.gender, Enrolment.status)
    )
    names = {
        EnrolmentStatus.enrolled: "enrolled",
        EnrolmentStatus.waitlisted: "waitlisted",
        EnrolmentStatus.cancelled: "cancelled",
    }
    for language, gender, status, count in made:
        result.rows[(language, _gender(gender))][names[EnrolmentStatus(status)]] += count
    for column, name in (
        (EnrolmentProgress.completed_at, "completed"),
        (EnrolmentProgress.certificate_at, "certified"),
    ):
        done = session.execute(
            select(Resident.language, ResidentGender.gender, func.count())
            .select_from(EnrolmentProgress)
            .join(Enrolment, Enrolment.id == EnrolmentProgress.enrolment_id)
            .join(Resident, Resident.id == Enrolment.resident_id)
            .outerjoin(ResidentGender, ResidentGender.resident_id == Resident.id)
            .where(column >= start, column < end)
            .group_by(Resident.language, ResidentGender.gender)
        )
        for language, gender, count in done:
            result.rows[(language, _gender(gender))][name] += count
    return result


def lease(session: Session, month: Month) -> Lease:
    start, end = month.bounds()
    result = Lease()
    requested = session.execute(
        select(Resident.language, ResidentGender.gender, func.count())
        .select_from(LeaseGuaranteeApplication)
        .join(Resident, Resident.id == LeaseGuaranteeApplication.resident_id)
        .outerjoin(ResidentGender, ResidentGender.resident_id == Resident.id)
        .where(LeaseGuaranteeApplication.created_at >= start, LeaseGuaranteeApplication.created_at < end)
        .group_by(Resident.language, ResidentGender.gender)
    )
    for language, gender, count in requested:
        result.rows[(language, _gender(gender))]["requested"] += count
    # A decision counts once per application, in the month it was (last) taken.
    decided = session.execute(
        select(
            Resident.language,
            ResidentGender.gender,
            LeaseStatusChange.status,
            func.count(func.distinct(LeaseGuaranteeApplication.id)),
        )
        .select_from(LeaseStatusChange)
        .join(LeaseGuaranteeApplication, LeaseGuaranteeApplication.id == LeaseStatusChange.application_id)
        .join(Resident, Resident.id == LeaseGuaranteeApplication.resident_id)
        .outerjoin(ResidentGender, ResidentGender.resident_id == Resident.id)
        .where(LeaseStatusChange.at >= start, LeaseStatusChange.at < end)
        .where(LeaseStatusChange.status.in_((LeaseStatus.approved, LeaseStatus.rejected)))
        .where(LeaseGuaranteeApplication.status == LeaseStatusChange.status)
        .group_by(Resident.language, ResidentGender.gender, LeaseStatusChange.status)
    )
    for language, gender, status, count in decided:
        name = "granted" if LeaseStatus(status) is LeaseStatus.approved else "refused"
        result.rows[(language, _gender(gender))][name] += count
    return result


def handoffs(session: Session, month: Month) -> Handoffs:
    start, end = month.bounds()
    rows = session.execute(
        select(Handoff.language, Handoff.requested_at, Handoff.claimed_at, Handoff.outcome).where(
            Handoff.requested_at >= start, Handoff.requested_at < end
        )
    ).all()
    result = Handoffs(requested=len(rows))
    waits = []
    for language, requested_at, claimed_at, outcome in rows:
        result.by_language[language] += 1
        result.outcomes[_value(outcome) if outcome else "open"] += 1
        if claimed_at is not None:
            waits.append((claimed_at - requested_at).total_seconds() / 60)
    result.claimed = len(waits)
    result.median_wait_minutes = round(statistics.median(waits), 1) if waits else None
    return result


# -- conversations, from Rasa's tracker store (read only) --------------------------------------------

# The topic of a message, by its intent (the names fixed in nlu/CONTRACT.md).
TOPICS = {
    "ask_service_info": "services",
    "workshop_list": "workshops",
    "workshop_enrol": "workshops",
    "workshop_cancel": "workshops",
    "workshop_status": "workshops",
    "lease_guarantee_info": "lease",
    "lease_guarantee_apply": "lease",
    "lease_guarantee_status": "lease",
    "request_human": "person",
    "forget_me": "privacy",
    "faq": "faq",
    "report_gender": "workshops",
    "out_of_scope": "out_of_scope",
    "nlu_fallback": "not_understood",
}
UNANSWERED_ACTIONS = ("action_default_fallback", "action_two_stage_fallback")


@dataclass
class Conversations:
    messages: Counter[tuple[str, str]] = field(default_factory=Counter)  # (topic, language) -> messages
    conversations: Counter[tuple[str, str]] = field(default_factory=Counter)  # -> distinct senders
    unanswered: list[tuple[datetime, str, str]] = field(default_factory=list)  # (when, language, text)


def tracker_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened read-only; PostgreSQL in read-only transactions."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        return create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    return create_engine(url, execution_options={"postgresql_readonly": True}, pool_pre_ping=True)


def _topic(intent: str | None) -> str | None:
    if not intent:
        return None
    base = intent.split("/", 1)[0]
    return TOPICS.get(base, "other")


def _events(engine: Engine, start: datetime, end: datetime) -> Iterator[tuple[str, str, float, str, str, str]]:
    query = text(
        "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
        "WHERE timestamp >= :start AND timestamp < :end AND type_name IN ('user', 'slot', 'action') "
        "ORDER BY sender_id, id"
    )
    with engine.connect() as conn:
        yield from conn.execute(query, {"start": start.timestamp(), "end": end.timestamp()})


def conversations(engine: Engine, month: Month, default_language: str = "es") -> Conversations:
    """Messages per topic and language, and the messages the bot did not understand, with their text.

    A message's language is the `language` slot the bot set after reading it (it identifies every
    message), else the conversation's language so far.
    """
    start, end = month.bounds()
    result = Conversations()
    seen: set[tuple[str, str, str]] = set()
    sender: str | None = None
    language = default_language
    pending: list[dict[str, object]] = []

    def settle() -> None:
        for item in pending:
            topic, lang = str(item["topic"]), str(item.get("language") or language)
            result.messages[(topic, lang)] += 1
            if (str(item["sender"]), topic, lang) not in seen:
                seen.add((str(item["sender"]), topic, lang))
                result.conversations[(topic, lang)] += 1
            if item["unanswered"]:
                result.unanswered.append((item["when"], lang, str(item["text"])))  # type: ignore[arg-type]
        pending.clear()

    for sender_id, type_name, stamp, intent, action, data in _events(engine, start, end):
        if sender_id != sender:
            settle()
            sender, language = sender_id, default_language
        if type_name == "user":
            settle()
            payload = _json(data)
            topic = _topic(intent)
            if topic is None or str(payload.get("text") or "").startswith("/"):
                continue  # a button press carries an intent the bot chose, not the person's words
            pending.append(
                {
                    "sender": sender_id,
                    "topic": topic,
                    "text": payload.get("text") or "",
                    "when": datetime.fromtimestamp(stamp, timezone.utc),
                    "unanswered": intent == "nlu_fallback",
                }
            )
        elif type_name == "slot":
            payload = _json(data)
            if payload.get("name") == "language" and isinstance(payload.get("value"), str):
                language = payload["value"]
                for item in pending:
                    item["language"] = language
        elif type_name == "action" and action in UNANSWERED_ACTIONS:
            for item in pending:
                item["unanswered"] = True
    settle()
    result.unanswered.sort()
    return result


def _json(data: str | None) -> dict[str, object]:
    try:
        value = json.loads(data or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _gender(gender: object) -> str:
    return NOT_ASKED if gender is None else _value(gender)


def _value(item: object) -> str:
    return str(getattr(item, "value", item))


# -- export ------------------------------------------------------------------------------------------


def csv_rows(
    month: Month, work: Workshops, guarantees: Lease, relayed: Handoffs, talks: Conversations | None
) -> Iterable[list[str]]:
    """One long table (section, language, breakdown, figure, value): easy to pivot in a spreadsheet."""
    yield ["mes", "seccion", "idioma", "desglose", "indicador", "valor"]
    m = str(month)
    for (language, gender), counts in sorted(work.rows.items()):
        for name in ("enrolled", "waitlisted", "cancelled", "completed", "certified"):
            yield [m, "talleres", language, gender, name, str(counts[name])]
    for (language, gender), counts in sorted(guarantees.rows.items()):
        for name in ("requested", "granted", "refused"):
            yield [m, "aval", language, gender, name, str(counts[name])]
    for language, count in sorted(relayed.by_language.items()):
        yield [m, "derivaciones", language, "", "requested", str(count)]
    for outcome, count in sorted(relayed.outcomes.items()):
        yield [m, "derivaciones", "", outcome, "outcome", str(count)]
    yield [m, "derivaciones", "", "", "claimed", str(relayed.claimed)]
    wait = "" if relayed.median_wait_minutes is None else f"{relayed.median_wait_minutes:.1f}"
    yield [m, "derivaciones", "", "", "median_wait_minutes", wait]
    if talks is not None:
        for (topic, language), count in sorted(talks.messages.items()):
            yield [m, "conversaciones", language, topic, "messages", str(count)]
            yield [m, "conversaciones", language, topic, "conversations", str(talks.conversations[(topic, language)])]
        for _when, language, said in talks.unanswered:
            yield [m, "sin_respuesta", language, said, "message", "1"]


def to_csv(rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        # A cell starting with = + - @ would run as a formula in a spreadsheet (people's texts are in here).
        writer.writerow([("'" + cell) if cell[:1] in ("=", "+", "-", "@") else cell for cell in row])
    return out.getvalue()

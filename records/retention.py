"""Retention: what we keep about people goes once the period is over.

`python -m records retention [--days N] [--dry-run]`, daily from cron (README, "Retention"). The period
is RETENTION_MONTHS (12), the one the consent text promises ("deleted N months after the procedure
ends"); --days replaces it for one run. Safe to run again and from several machines: each run
removes only what has expired by then, in one transaction per database.

- Residents (name, phone, their answers): a person is expired when nothing of theirs happened within
  the period: no message, no consent, no enrolment change, no attendance recorded, no lease decision,
  and nothing still running (an enrolment in a session that has not ended, an application not yet
  decided). Someone with nothing the office counts is erased completely (records.residents.erase).
  Someone with enrolments or applications is anonymised instead: name, phone and channel identity go,
  with their conversation, messages and hand-off texts; what the monthly indicators count stays
  (language, gender, enrolment status and dates, application status history without notes, household
  size and income band blanked), so past months' figures do not change.
- Conversations (Rasa's tracker store, the `events` table): a conversation silent for the period goes
  whole; in a live one, the events older than the period and than its current session (Rasa never
  reads those again, and counts only the current session's events when it saves).
  The indicators' conversation figures and "not understood" texts exist only for the period.
- The gateway's tables: conversations (`chats`) silent for the period, answered messages after two
  days, undelivered notices older than the period, delivered ones after two days; hand-off texts and
  cached translations after HANDOFF_KEEP_DAYS (as the gateway's worker also does), hand-offs older
  than the period stop naming the person (times and outcomes stay for the indicators).
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, and_, create_engine, delete, exists, func, inspect, or_, select, text, update
from sqlalchemy.orm import Session

from records import chats, handoffs, outbox, residents
from records.models import (
    ButtonPayload,
    Chat,
    Enrolment,
    EnrolmentProgress,
    Handoff,
    HandoffMessage,
    HandoffState,
    InboundMessage,
    InboundState,
    LeaseGuaranteeApplication,
    LeaseStatus,
    LeaseStatusChange,
    OutboxMessage,
    Resident,
    WorkshopSession,
    utcnow,
)

ANONYMOUS_PREFIX = "expired:"  # sender_id of an anonymised resident: unique, and names no channel
ANSWERED_KEEP = timedelta(days=2)  # as the gateway: long enough to recognise a channel's redelivery
IN_PROGRESS = (LeaseStatus.received, LeaseStatus.in_review, LeaseStatus.documents_needed)
ACTIVE_ENROLMENT = ("enrolled", "waitlisted")


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the 31st becomes the month's last day)."""
    years, month_index = divmod(moment.month - 1 - months, 12)
    year, month = moment.year + years, month_index + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def cutoff(months: int, days: int | None = None, now: datetime | None = None) -> datetime:
    now = now or utcnow()
    return now - timedelta(days=days) if days is not None else months_before(now, months)


# -- records -----------------------------------------------------------------------------------------


def expired_residents(session: Session, before: datetime) -> list[Resident]:
    """Residents with nothing running and nothing of theirs since `before`."""
    enrolment_live = exists().where(
        Enrolment.resident_id == Resident.id,
        or_(
            Enrolment.updated_at >= before,
            and_(
                Enrolment.status.in_(ACTIVE_ENROLMENT),
                Enrolment.session_id.in_(select(WorkshopSession.id).where(WorkshopSession.ends_on >= before.date())),
            ),
        ),
    )
    progress_recent = exists().where(
        EnrolmentProgress.enrolment_id == Enrolment.id,
        Enrolment.resident_id == Resident.id,
        EnrolmentProgress.updated_at >= before,
    )
    application_live = exists().where(
        LeaseGuaranteeApplication.resident_id == Resident.id,
        or_(LeaseGuaranteeApplication.status.in_(IN_PROGRESS), LeaseGuaranteeApplication.created_at >= before),
    )
    decision_recent = exists().where(
        LeaseStatusChange.application_id == LeaseGuaranteeApplication.id,
        LeaseGuaranteeApplication.resident_id == Resident.id,
        LeaseStatusChange.at >= before,
    )
    wrote_recently = exists().where(Chat.sender_id == Resident.sender_id, Chat.last_inbound_at >= before)
    return list(
        session.scalars(
            select(Resident)
            .where(~Resident.sender_id.startswith(ANONYMOUS_PREFIX))
            .where(Resident.created_at < before, or_(Resident.consent_at.is_(None), Resident.consent_at < before))
            .where(~enrolment_live, ~progress_recent, ~application_live, ~decision_recent, ~wrote_recently)
            .order_by(Resident.id)
        )
    )


def _counted(session: Session, resident_id: int) -> bool:
    """Whether the indicators count something of this resident (an enrolment or an application)."""
    return bool(
        session.scalar(select(exists().where(Enrolment.resident_id == resident_id)))
        or session.scalar(select(exists().where(LeaseGuaranteeApplication.resident_id == resident_id)))
    )


def anonymise(session: Session, resident: Resident) -> None:
    """Keeps what the indicators count about a resident and nothing that points to the person."""
    chats.forget(session, resident.sender_id)
    handoffs.forget(session, resident.sender_id)
    session.execute(delete(OutboxMessage).where(OutboxMessage.resident_id == resident.id))
    applications = select(LeaseGuaranteeApplication.id).where(LeaseGuaranteeApplication.resident_id == resident.id)
    session.execute(
        update(LeaseGuaranteeApplication)
        .where(LeaseGuaranteeApplication.resident_id == resident.id)
        .values(household_size=0, income_band="")
    )
    session.execute(update(LeaseStatusChange).where(LeaseStatusChange.application_id.in_(applications)).values(note=""))
    resident.sender_id = f"{ANONYMOUS_PREFIX}{resident.id}"
    resident.name = None
    resident.phone = None


def expire_records(session: Session, before: datetime, handoff_keep_days: int) -> dict[str, int]:
    """Everything of the records database, in the caller's transaction; counts per table."""
    counts: dict[str, int] = {}
    erased = anonymised = 0
    for resident in expired_residents(session, before):
        if _counted(session, resident.id):
            anonymise(session, resident)
            anonymised += 1
        else:
            residents.erase(session, resident.sender_id)
            erased += 1
    counts["residents_erased"] = erased
    counts["residents_anonymised"] = anonymised
    counts["inbound_messages"] = (
        chats.purge_done(session, ANSWERED_KEEP)
        + session.execute(
            # Stuck for the whole period (a channel whose gateway is gone): they will never be answered.
            delete(InboundMessage).where(
                InboundMessage.state == InboundState.pending, InboundMessage.received_at < before
            )
        ).rowcount
    )
    counts["outbox"] = (
        outbox.purge_delivered(session, ANSWERED_KEEP)
        + session.execute(
            delete(OutboxMessage).where(OutboxMessage.delivered_at.is_(None), OutboxMessage.created_at < before)
        ).rowcount
    )
    counts["chats"] = session.execute(  # their remaining messages go with them (cascade)
        delete(Chat).where(
            or_(Chat.last_inbound_at < before, and_(Chat.last_inbound_at.is_(None), Chat.created_at < before))
        )
    ).rowcount
    texts_end = utcnow() - timedelta(days=handoff_keep_days)
    counts["handoff_messages"] = (
        session.scalar(
            select(func.count())
            .select_from(HandoffMessage)
            .join(Handoff, Handoff.id == HandoffMessage.handoff_id)
            .where(Handoff.state == HandoffState.ended, Handoff.ended_at < texts_end)
        )
        or 0
    )
    handoffs.purge(session, handoff_keep_days)  # those texts, and the transcripts shown to mediators
    counts["handoffs_anonymised"] = session.execute(
        update(Handoff)
        .where(Handoff.state == HandoffState.ended, Handoff.ended_at < before, Handoff.sender_id != "erased")
        .values(sender_id="erased", transcript=None)
    ).rowcount
    counts["button_payloads"] = session.execute(delete(ButtonPayload).where(ButtonPayload.created_at < before)).rowcount
    from bot.translation import purge_cache  # the cache's owner; imported here, the CLI needs it only now

    counts["translation_cache"] = purge_cache(session, handoff_keep_days)
    return counts


# -- Rasa's tracker store ----------------------------------------------------------------------------

# Events before `:before` of a conversation with nothing since, or before the start of its current
# session (Rasa loads, and counts when saving, only the events from the latest `session_started`).
EXPIRED_EVENTS = """
DELETE FROM events WHERE timestamp < :before AND (
    NOT EXISTS (SELECT 1 FROM events AS recent
                WHERE recent.sender_id = events.sender_id AND recent.timestamp >= :before)
    OR timestamp < (SELECT max(started.timestamp) FROM events AS started
                    WHERE started.sender_id = events.sender_id AND started.type_name = 'session_started'))
"""


def tracker_engine(url: str) -> Engine | None:
    """Our own engine on Rasa's tracker database (SQLAlchemy 2, never Rasa's code); None when there
    is no tracker database yet (a SQLite file Rasa has not created)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if not path or not Path(path).is_file():
            return None
        return create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]  # psycopg 3, our environment's driver
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def expire_conversations(engine: Engine, before: datetime, dry_run: bool = False) -> int:
    if not inspect(engine).has_table("events"):
        return 0  # Rasa creates the table on its first start
    with engine.connect() as conn, conn.begin() as transaction:
        deleted = conn.execute(text(EXPIRED_EVENTS), {"before": before.timestamp()}).rowcount
        if dry_run:
            transaction.rollback()
    return deleted


@contextmanager
def _transaction(engine: Engine, dry_run: bool) -> Iterator[Session]:
    with Session(engine) as session:
        session.begin()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        if dry_run:
            session.rollback()
        else:
            session.commit()


def run(
    records: Engine, tracker_url: str, before: datetime, handoff_keep_days: int, dry_run: bool = False
) -> dict[str, int]:
    """The whole job: the records in one transaction, then the tracker store in another."""
    with _transaction(records, dry_run) as session:
        counts = expire_records(session, before, handoff_keep_days)
    engine = tracker_engine(tracker_url)
    if engine is None:
        counts["events"] = 0
    else:
        try:
            counts["events"] = expire_conversations(engine, before, dry_run)
        finally:
            engine.dispose()
    return counts

"""The retention job on SQLite and PostgreSQL, tracker store included: what ended longer ago than the
period goes (or stays only anonymous, where the office's monthly figures count it); what is still
running or recent stays untouched; a second run finds nothing to do."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from puente.settings import app_database_url
from records import chats, indicators, retention
from records.db import unit_of_work
from records.indicators import OFFICE_TZ, Month
from records.models import (
    ButtonPayload,
    Chat,
    Enrolment,
    EnrolmentProgress,
    EnrolmentStatus,
    Gender,
    Handoff,
    HandoffMessage,
    HandoffOutcome,
    HandoffState,
    InboundMessage,
    LeaseGuaranteeApplication,
    LeaseStatus,
    LeaseStatusChange,
    OutboxMessage,
    Resident,
    ResidentGender,
    TranslationCacheEntry,
    Workshop,
    WorkshopSession,
    utcnow,
)
from tests.records.helpers import small_session

NOW = utcnow()
OLD = NOW - timedelta(days=400)  # beyond the 12 months
RECENT = NOW - timedelta(days=5)
BEFORE = retention.cutoff(12, now=NOW)
KEEP_DAYS = 30  # HANDOFF_KEEP_DAYS


def month_of(moment: datetime) -> Month:
    local = moment.astimezone(OFFICE_TZ)
    return Month(local.year, local.month)


@dataclass
class People:
    quiet: int  # consented long ago, nothing else: erased
    old_course: int  # a course that ended long ago: anonymised
    future_course: int  # enrolled long ago in a session that has not ended: kept
    applying: int  # an application still in review: kept
    old_decision: int  # an application decided long ago: anonymised
    chatting: int  # consented long ago, but wrote this week: kept
    new: int  # consented this week: kept


def person(session: Session, sender: str, when: datetime, name: str = "Rosa Quispe") -> Resident:
    resident = Resident(sender_id=sender, language="ht", name=name, phone="+56911112222",
                        consent_at=when, consent_version="2026-11", created_at=when)  # fmt: skip
    session.add(resident)
    session.flush()
    return resident


def build(session: Session) -> People:
    workshop = session.scalars(select(Workshop).where(Workshop.key == "spanish_course")).one()
    ended = WorkshopSession(code="OLD-ES", workshop_id=workshop.id, starts_on=(OLD - timedelta(days=30)).date(),
                            ends_on=(OLD + timedelta(days=20)).date(), weekdays=[1], start_time=time(18),
                            end_time=time(20), place="Sala 1", capacity=10)  # fmt: skip
    session.add(ended)
    session.flush()
    upcoming = small_session(session, 10)

    quiet = person(session, "telegram:1001", OLD)
    session.add(Chat(sender_id="telegram:1001", channel="telegram", last_inbound_at=OLD, created_at=OLD))

    old_course = person(session, "telegram:1002", OLD)
    session.add(ResidentGender(resident_id=old_course.id, gender=Gender.female, recorded_at=OLD))
    done = Enrolment(code="ESP-OLD001", session_id=ended.id, resident_id=old_course.id,
                     status=EnrolmentStatus.enrolled, position=1, created_at=OLD, updated_at=OLD)  # fmt: skip
    session.add(done)
    session.flush()
    session.add(EnrolmentProgress(enrolment_id=done.id, sessions_attended=8, completed_at=OLD, updated_at=OLD))

    future_course = person(session, "telegram:1003", OLD)
    session.add(Enrolment(code="ESP-FUT001", session_id=upcoming.id, resident_id=future_course.id,
                          status=EnrolmentStatus.enrolled, position=1, created_at=OLD, updated_at=OLD))  # fmt: skip

    applying = person(session, "whatsapp:56911110004", OLD)
    pending = LeaseGuaranteeApplication(reference="GA-PEND01", resident_id=applying.id, household_size=4,
                                        income_band="under_500k", status=LeaseStatus.in_review,
                                        created_at=OLD)  # fmt: skip
    pending.history.append(LeaseStatusChange(status=LeaseStatus.in_review, at=OLD))
    session.add(pending)

    old_decision = person(session, "whatsapp:56911110005", OLD)
    decided = LeaseGuaranteeApplication(reference="GA-DONE01", resident_id=old_decision.id, household_size=5,
                                        income_band="500k_800k", status=LeaseStatus.approved,
                                        created_at=OLD)  # fmt: skip
    decided.history.append(LeaseStatusChange(status=LeaseStatus.approved, note="llamó su hija Carla", at=OLD))
    session.add(decided)

    chatting = person(session, "telegram:1006", OLD)
    session.add(Chat(sender_id="telegram:1006", channel="telegram", last_inbound_at=RECENT, created_at=OLD))
    new = person(session, "telegram:1007", RECENT)

    # The gateway's tables: a stranger's silent chat with a message never answered, notices.
    stranger = Chat(sender_id="telegram:2001", channel="telegram", last_inbound_at=OLD, created_at=OLD)
    session.add(stranger)
    session.flush()
    session.add(InboundMessage(chat_id=stranger.id, channel="telegram", external_id="9", text="hola?",
                               received_at=OLD))  # fmt: skip
    session.add_all([
        OutboxMessage(sender_id="telegram:2002", language="es", kind="handoff", text="old", created_at=OLD),
        OutboxMessage(sender_id="telegram:2002", language="es", kind="handoff", text="sent", created_at=RECENT,
                      delivered_at=NOW - timedelta(days=3)),
        OutboxMessage(sender_id="telegram:2002", language="es", kind="handoff", text="waiting", created_at=RECENT),
    ])  # fmt: skip
    # Hand-offs: one that ended long ago, one last week.
    for sender, ended_at in (("telegram:2003", OLD), ("telegram:2004", RECENT)):
        handoff = Handoff(sender_id=sender, language="es", state=HandoffState.ended, outcome=HandoffOutcome.resolved,
                          requested_at=ended_at, ended_at=ended_at, last_activity_at=ended_at,
                          transcript=[{"who": "person", "text": "necesito ayuda"}])  # fmt: skip
        session.add(handoff)
        session.flush()
        session.add(HandoffMessage(handoff_id=handoff.id, from_mediator=False, text="gracias", created_at=ended_at))
    session.add_all([
        TranslationCacheEntry(key="a" * 64, source="ht", target="es", backend="google", text_out="x",
                              created_at=NOW - timedelta(days=40)),
        TranslationCacheEntry(key="b" * 64, source="ht", target="es", backend="google", text_out="y", created_at=NOW),
    ])  # fmt: skip
    session.flush()
    return People(quiet.id, old_course.id, future_course.id, applying.id, old_decision.id, chatting.id, new.id)


# -- Rasa's tracker store, with the columns of its `events` table -------------------------------------

EVENTS = """CREATE TABLE events (id {pk}, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
  timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def conversations(url: str) -> None:
    engine = create_engine(app_database_url(url))
    pk = "SERIAL PRIMARY KEY" if engine.dialect.name == "postgresql" else "INTEGER PRIMARY KEY"
    rows = []

    def add(sender: str, kind: str, when: datetime, **data: object) -> None:
        rows.append({"s": sender, "k": kind, "t": when.timestamp(), "d": json.dumps({"event": kind, **data})})

    for kind in ("session_started", "user", "slot"):  # silent for more than the period: all goes
        add("telegram:old", kind, OLD, text="hola") if kind == "user" else add("telegram:old", kind, OLD)
    for when in (OLD, RECENT):  # a live one: its old sessions go, the current one stays
        add("telegram:live", "session_started", when)
        add("telegram:live", "slot", when, name="language", value="ht")
        add("telegram:live", "user", when, text="bonjou")
    add("telegram:long", "session_started", OLD)  # one session running since long ago: kept whole
    add("telegram:long", "user", OLD, text="hola")
    add("telegram:long", "user", RECENT, text="sigo aqui")
    with engine.begin() as conn:
        conn.execute(text(EVENTS.format(pk=pk)))
        conn.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :k, :t, :d)"), rows)
    engine.dispose()


def events_left(url: str) -> list[tuple[str, str]]:
    engine = create_engine(app_database_url(url))
    with engine.connect() as conn:
        found = conn.execute(text("SELECT sender_id, type_name FROM events ORDER BY id")).all()
    engine.dispose()
    return [tuple(row) for row in found]


@pytest.fixture
def tracker_url(database_url: str, tmp_path: Path) -> str:
    """Where Rasa keeps conversations: beside the records on PostgreSQL, a file of its own with SQLite."""
    if database_url.startswith("postgresql"):  # as settings.tracker_database_url() gives it (Rasa's driver)
        url = "postgresql://" + database_url.split("://", 1)[1]
    else:
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
    conversations(url)
    return url


def figures(engine: Engine, moment: datetime) -> tuple[dict, dict]:
    with unit_of_work(engine) as session:
        month = month_of(moment)
        return (
            {k: dict(v) for k, v in indicators.workshops(session, month).rows.items()},
            {k: dict(v) for k, v in indicators.lease(session, month).rows.items()},
        )


def test_what_ended_before_the_period_goes_and_what_runs_stays(engine: Engine, tracker_url: str) -> None:
    with unit_of_work(engine) as session:
        people = build(session)
    workshops_before, lease_before = figures(engine, OLD)
    assert workshops_before[("ht", "female")]["completed"] == 1

    counts = retention.run(engine, tracker_url, BEFORE, KEEP_DAYS)

    assert counts == {
        "residents_erased": 1,  # quiet
        "residents_anonymised": 2,  # old_course, old_decision
        "chats": 1,  # the stranger's (the quiet one's went with the resident)
        "inbound_messages": 1,  # the stranger's unanswered one
        "outbox": 2,  # never deliverable for a year; delivered three days ago
        "handoff_messages": 1,
        "handoffs_anonymised": 1,
        "button_payloads": 0,
        "translation_cache": 1,
        "events": 6,  # telegram:old whole, telegram:live's first session
    }
    with unit_of_work(engine) as session:
        assert session.get(Resident, people.quiet) is None
        for kept in (people.future_course, people.applying, people.chatting, people.new):
            resident = session.get_one(Resident, kept)
            assert resident.name == "Rosa Quispe" and not resident.sender_id.startswith("expired:")
        for anonymous in (people.old_course, people.old_decision):
            resident = session.get_one(Resident, anonymous)
            assert (resident.sender_id, resident.name, resident.phone) == (f"expired:{anonymous}", None, None)
            assert resident.language == "ht"
        applications = {a.reference: a for a in session.scalars(select(LeaseGuaranteeApplication))}
        pending, decided = applications["GA-PEND01"], applications["GA-DONE01"]
        assert (pending.household_size, pending.income_band) == (4, "under_500k")
        assert (decided.household_size, decided.income_band, decided.status) == (0, "", LeaseStatus.approved)
        assert [change.note for change in decided.history] == [""]
        assert session.scalars(select(Enrolment.code).where(Enrolment.resident_id == people.future_course)).all()
        assert {c.sender_id for c in session.scalars(select(Chat))} == {"telegram:1006"}
        assert [m.text for m in session.scalars(select(OutboxMessage))] == ["waiting"]
        old_handoff = session.scalars(select(Handoff).where(Handoff.sender_id == "erased")).one()
        assert old_handoff.transcript is None and old_handoff.outcome == HandoffOutcome.resolved
        assert session.scalar(select(func.count()).select_from(HandoffMessage)) == 1  # last week's
        assert session.scalar(select(func.count()).select_from(TranslationCacheEntry)) == 1
    assert events_left(tracker_url) == [
        ("telegram:live", "session_started"),
        ("telegram:live", "slot"),
        ("telegram:live", "user"),
        ("telegram:long", "session_started"),
        ("telegram:long", "user"),
        ("telegram:long", "user"),
    ]
    # The office's figures for that old month did not change: only who they were is gone.
    assert figures(engine, OLD) == (workshops_before, lease_before)

    again = retention.run(engine, tracker_url, BEFORE, KEEP_DAYS)
    assert set(again.values()) == {0}  # idempotent: a second run (or a second machine) finds nothing


def test_long_button_payloads_go_with_the_retention_unless_issued_again(engine: Engine, tracker_url: str) -> None:
    """They may hold words the person typed ("/ask_service_info{"service": "…"}")."""
    with unit_of_work(engine) as session:
        old = chats.payload_key(session, '/ask_service_info{"service": "lo que escribió la persona"}')
        again = chats.payload_key(session, '/workshop_enrol{"workshop": "spanish_course", "n": 1}')
        fresh = chats.payload_key(session, '/workshop_enrol{"workshop": "job_training", "n": 2}')
        for key in (old, again):
            session.get_one(ButtonPayload, key).created_at = NOW - timedelta(days=400)
        chats.payload_key(session, '/workshop_enrol{"workshop": "spanish_course", "n": 1}')  # shown again today
    counts = retention.run(engine, tracker_url, BEFORE, KEEP_DAYS)
    assert counts["button_payloads"] == 1
    with unit_of_work(engine) as session:
        assert chats.payload_for(session, old) is None
        assert chats.payload_for(session, again) and chats.payload_for(session, fresh)


def test_a_dry_run_counts_and_deletes_nothing(engine: Engine, tracker_url: str) -> None:
    with unit_of_work(engine) as session:
        people = build(session)
    counts = retention.run(engine, tracker_url, BEFORE, KEEP_DAYS, dry_run=True)
    assert counts["residents_erased"] == 1 and counts["events"] == 6
    with unit_of_work(engine) as session:
        assert session.get_one(Resident, people.quiet).name == "Rosa Quispe"
    assert len(events_left(tracker_url)) == 12


def test_without_a_tracker_database_yet_only_the_records_are_done(engine: Engine, tmp_path: Path) -> None:
    counts = retention.run(engine, f"sqlite:///{tmp_path / 'not-created-by-rasa-yet.db'}", BEFORE, KEEP_DAYS)
    assert counts["events"] == 0
    assert not (tmp_path / "not-created-by-rasa-yet.db").exists()  # the job does not create Rasa's file


def test_the_period_is_counted_in_calendar_months() -> None:
    assert retention.months_before(datetime(2026, 3, 31, 12), 1) == datetime(2026, 2, 28, 12)
    assert retention.months_before(datetime(2026, 1, 15), 12) == datetime(2025, 1, 15)
    assert retention.months_before(datetime(2026, 1, 15), 13) == datetime(2024, 12, 15)
    assert retention.cutoff(12, days=30, now=datetime(2026, 3, 31)) == datetime(2026, 3, 1)

"""The month's figures: counted in the month (Chile's time) their event happened, by language and
gender; hand-off waits; conversations and unanswered questions from Rasa's tracker store."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import DBAPIError, OperationalError

from puente.settings import app_database_url
from records import indicators
from records.db import unit_of_work
from records.indicators import Month
from records.models import (
    Enrolment,
    EnrolmentProgress,
    EnrolmentStatus,
    Gender,
    Handoff,
    HandoffOutcome,
    HandoffState,
    LeaseGuaranteeApplication,
    LeaseStatus,
    LeaseStatusChange,
    ResidentGender,
)
from tests.conftest import create_pg_database, drop_pg_database, require_postgres
from tests.console.conftest import Browser
from tests.records.helpers import resident, small_session

NOV = Month(2026, 11)


def utc(day: str, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=timezone.utc)


def build_month(engine: Engine) -> None:
    """Four people (es woman, ht man, ht not asked, ar prefers not to say) and their month."""
    with unit_of_work(engine) as s:
        group = small_session(s, 10)
        people = {
            key: resident(s, f"telegram:{key}", lang)
            for key, lang in (("rosa", "es"), ("jean", "ht"), ("marie", "ht"), ("layla", "ar"))
        }
        s.add_all([ResidentGender(resident_id=people["rosa"].id, gender=Gender.female),
                   ResidentGender(resident_id=people["jean"].id, gender=Gender.male),
                   ResidentGender(resident_id=people["layla"].id, gender=Gender.undisclosed)])  # fmt: skip
        made = [
            ("rosa", EnrolmentStatus.enrolled, utc("2026-11-05")),
            ("jean", EnrolmentStatus.enrolled, utc("2026-11-10")),
            ("marie", EnrolmentStatus.waitlisted, utc("2026-11-12")),
            ("layla", EnrolmentStatus.cancelled, utc("2026-11-20")),
            ("rosa", EnrolmentStatus.enrolled, utc("2026-11-01", 2)),  # 31 October, 23:00 in Chile
        ]
        rows = []
        for n, (who, status, at) in enumerate(made):
            row = Enrolment(code=f"T{n}", session_id=group.id, resident_id=people[who].id, status=status,
                            position=n + 1, created_at=at)  # fmt: skip
            s.add(row)
            rows.append(row)
        s.flush()
        s.add_all([
            EnrolmentProgress(enrolment_id=rows[0].id, sessions_attended=10, completed_at=utc("2026-11-28"),
                              certificate_at=utc("2026-12-02")),
            EnrolmentProgress(enrolment_id=rows[1].id, sessions_attended=9, completed_at=utc("2026-11-29")),
        ])  # fmt: skip
        for who, created, changes in (
            ("jean", "2026-11-03", [(LeaseStatus.approved, "2026-11-15")]),
            ("layla", "2026-10-20", [(LeaseStatus.rejected, "2026-11-02")]),
            ("rosa", "2026-11-25", [(LeaseStatus.in_review, "2026-11-26")]),
        ):
            application = LeaseGuaranteeApplication(reference=f"GA-{who}", resident_id=people[who].id,
                household_size=2, income_band="under_500k", status=changes[-1][0], created_at=utc(created))  # fmt: skip
            application.history.append(LeaseStatusChange(status=LeaseStatus.received, at=utc(created)))
            for status, day in changes:
                application.history.append(LeaseStatusChange(status=status, at=utc(day)))
            s.add(application)
        for day, lang, wait, outcome, state in (
            ("2026-11-05", "ht", 4, HandoffOutcome.resolved, HandoffState.ended),
            ("2026-11-06", "es", 10, HandoffOutcome.referred, HandoffState.ended),
            ("2026-11-07", "ar", None, HandoffOutcome.timed_out, HandoffState.ended),
            ("2026-11-08", "es", 20, None, HandoffState.held),
            ("2026-10-08", "es", 90, HandoffOutcome.resolved, HandoffState.ended),
        ):
            asked = utc(day, 10)
            claimed = asked + timedelta(minutes=wait) if wait else None
            s.add(Handoff(sender_id=f"telegram:h{day}", language=lang, state=state, outcome=outcome,
                          requested_at=asked, claimed_at=claimed))  # fmt: skip


def test_workshop_figures_by_language_and_gender_in_the_month_they_happened(engine: Engine) -> None:
    build_month(engine)
    with unit_of_work(engine) as s:
        nov, octo, dec = (indicators.workshops(s, m) for m in (NOV, Month(2026, 10), Month(2026, 12)))
    assert {k: dict(v) for k, v in nov.rows.items()} == {
        ("es", "female"): {"enrolled": 1, "completed": 1},
        ("ht", "male"): {"enrolled": 1, "completed": 1},
        ("ht", "not_asked"): {"waitlisted": 1},
        ("ar", "undisclosed"): {"cancelled": 1},
    }
    assert nov.totals()["enrolled"] == 2 and nov.totals()["certified"] == 0
    assert {k: dict(v) for k, v in octo.rows.items()} == {("es", "female"): {"enrolled": 1}}
    assert {k: dict(v) for k, v in dec.rows.items()} == {("es", "female"): {"certified": 1}}


def test_lease_guarantees_requested_granted_refused(engine: Engine) -> None:
    build_month(engine)
    with unit_of_work(engine) as s:
        nov = indicators.lease(s, NOV)
    assert {k: dict(v) for k, v in nov.rows.items()} == {
        ("ht", "male"): {"requested": 1, "granted": 1},
        ("ar", "undisclosed"): {"refused": 1},
        ("es", "female"): {"requested": 1},
    }


def test_handoffs_count_median_wait_and_outcomes(engine: Engine) -> None:
    build_month(engine)
    with unit_of_work(engine) as s:
        nov = indicators.handoffs(s, NOV)
        empty = indicators.handoffs(s, Month(2026, 9))
    assert (nov.requested, nov.claimed, nov.median_wait_minutes) == (4, 3, 10.0)
    assert dict(nov.by_language) == {"ht": 1, "es": 2, "ar": 1}
    assert dict(nov.outcomes) == {"resolved": 1, "referred": 1, "timed_out": 1, "open": 1}
    assert (empty.requested, empty.median_wait_minutes) == (0, None)


def test_a_month_is_read_from_the_page_or_is_the_current_one() -> None:
    assert Month.parse("2026-02") == Month(2026, 2)
    assert Month.parse("2026-13", today=datetime(2027, 1, 5).date()) == Month(2027, 1)
    assert Month.parse("'; drop table", today=datetime(2027, 1, 5).date()) == Month(2027, 1)
    start, end = Month(2026, 12).bounds()
    assert (start.isoformat(), end.isoformat()) == ("2026-12-01T03:00:00+00:00", "2027-01-01T03:00:00+00:00")


# -- the tracker store ----------------------------------------------------------------------------

EVENTS = """CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255) NOT NULL,
  type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"""


def make_tracker(path: Path) -> str:
    """Rasa's `events` table, with the events a few conversations leave in it."""
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    t0 = utc("2026-11-03").timestamp()
    rows: list[tuple[str, str, float, str | None, str | None, dict[str, object]]] = []

    def user(sender: str, intent: str, said: str) -> None:
        rows.append((sender, "user", t0 + len(rows), intent, None, {"text": said, "parse_data": {}}))

    def slot(sender: str, value: str) -> None:
        rows.append((sender, "slot", t0 + len(rows), None, None, {"name": "language", "value": value}))

    def action(sender: str, name: str) -> None:
        rows.append((sender, "action", t0 + len(rows), None, name, {"name": name}))

    user("a", "greet", "hola")
    slot("a", "es")
    user("a", "ask_service_info", "donde esta el cesfam")
    action("a", "action_service_info")
    user("a", "ask_service_info", "y el registro civil")
    user("b", "nlu_fallback", "ki kote m ka jwenn manje")
    slot("b", "ht")
    action("b", "action_two_stage_fallback")
    user("b", "workshop_list", "/workshop_list")  # a button press
    user("b", "workshop_enrol", "m vle enskri nan kou panyol")
    user("c", "lease_guarantee_info", "شو هو الكفيل")
    slot("c", "ar")
    user("c", "out_of_scope", "=cmd|' /C calc'!A0")  # someone typing a spreadsheet formula
    action("c", "action_default_fallback")
    with engine.begin() as conn:
        conn.execute(text(EVENTS))
        for sender, kind, stamp, intent, action_name, data in rows:
            conn.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                     "VALUES (:s, :k, :t, :i, :a, :d)"),
                {"s": sender, "k": kind, "t": stamp, "i": intent, "a": action_name, "d": json.dumps(data)},
            )  # fmt: skip
        conn.execute(
            text("INSERT INTO events (sender_id, type_name, timestamp, intent_name, data) VALUES "
                 "('d', 'user', :t, 'ask_service_info', '{\"text\": \"octubre\"}')"),
            {"t": utc("2026-10-30").timestamp()},
        )  # fmt: skip
    engine.dispose()
    return url


def test_conversations_by_topic_and_language_and_what_was_not_understood(tmp_path: Path) -> None:
    engine = indicators.tracker_engine(make_tracker(tmp_path / "tracker.db"))
    talks = indicators.conversations(engine, NOV)
    assert dict(talks.messages) == {
        ("other", "es"): 1,
        ("services", "es"): 2,
        ("not_understood", "ht"): 1,
        ("workshops", "ht"): 1,
        ("lease", "ar"): 1,
        ("out_of_scope", "ar"): 1,
    }
    assert talks.conversations[("services", "es")] == 1
    assert [(lang, said) for _, lang, said in talks.unanswered] == [
        ("ht", "ki kote m ka jwenn manje"),
        ("ar", "=cmd|' /C calc'!A0"),
    ]
    assert sum(indicators.conversations(engine, Month(2026, 10)).messages.values()) == 1


def test_the_tracker_store_is_opened_read_only(tmp_path: Path) -> None:
    engine = indicators.tracker_engine(make_tracker(tmp_path / "tracker.db"))
    with pytest.raises(OperationalError, match="readonly"), engine.begin() as conn:
        conn.execute(text("DELETE FROM events"))


def test_the_page_and_the_csv_show_the_months_figures(
    engine: Engine, clerk: Browser, tracker_url: str, tmp_path: Path
) -> None:
    make_tracker(Path(tracker_url.split("///", 1)[1]))
    build_month(engine)
    page = clerk.client.get("/indicadores?mes=2026-11")
    assert page.status_code == 200
    assert "Indicadores de 2026-11" in page.text and "10.0 min" in page.text
    assert "ki kote m ka jwenn manje" in page.text and "<svg" in page.text
    exported = clerk.client.get("/indicadores.csv?mes=2026-11")
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="indicadores-2026-11.csv"' in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["mes", "seccion", "idioma", "desglose", "indicador", "valor"]
    assert ["2026-11", "talleres", "ht", "male", "completed", "1"] in rows
    assert ["2026-11", "aval", "ar", "undisclosed", "refused", "1"] in rows
    assert ["2026-11", "derivaciones", "", "", "median_wait_minutes", "10.0"] in rows
    assert ["2026-11", "conversaciones", "es", "services", "messages", "2"] in rows
    assert ["2026-11", "sin_respuesta", "ar", "'=cmd|' /C calc'!A0", "message", "1"] in rows  # not a formula


def test_the_page_works_before_any_conversation_was_stored(engine: Engine, clerk: Browser) -> None:
    page = clerk.client.get("/indicadores?mes=2026-11")
    assert page.status_code == 200 and "Aún no hay conversaciones guardadas" in page.text


@pytest.mark.postgres
def test_the_conversations_are_read_from_a_postgresql_tracker_store_without_writing(tmp_path: Path) -> None:
    require_postgres()
    name, raw = create_pg_database()
    try:
        rows = create_engine(make_tracker(tmp_path / "copy.db")).connect()
        events = rows.execute(text("SELECT sender_id, type_name, timestamp, intent_name, action_name, data "
                                   "FROM events ORDER BY id")).all()  # fmt: skip
        rows.close()
        writer = create_engine(app_database_url(raw))
        with writer.begin() as conn:
            conn.execute(text(EVENTS.replace("INTEGER PRIMARY KEY", "SERIAL PRIMARY KEY")))
            for event in events:
                conn.execute(
                    text("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                         "VALUES (:s, :k, :t, :i, :a, :d)"),
                    dict(zip("sktiad", event, strict=True)),
                )  # fmt: skip
        writer.dispose()
        engine = indicators.tracker_engine(raw)  # the plain postgresql:// URL Rasa's settings give
        talks = indicators.conversations(engine, NOV)
        assert talks.messages[("services", "es")] == 2
        assert [said for _, _, said in talks.unanswered] == ["ki kote m ka jwenn manje", "=cmd|' /C calc'!A0"]
        with pytest.raises(DBAPIError, match="read-only"), engine.begin() as conn:
            conn.execute(text("DELETE FROM events"))
        engine.dispose()
    finally:
        drop_pg_database(name)

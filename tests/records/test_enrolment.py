"""Seats, waitlist and promotion, on SQLite and on PostgreSQL."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from records import enrolment as seats
from records import residents, seed
from records.db import unit_of_work
from records.models import Enrolment, EnrolmentStatus, OutboxMessage, Resident, Service, WorkshopSession
from tests.records.helpers import resident, small_session


def test_seed_is_idempotent(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        before = (
            session.scalar(select(func.count(Service.id))),
            session.scalar(select(func.count(WorkshopSession.id))),
        )
        seed.load(session)
    with unit_of_work(engine) as session:
        after = (session.scalar(select(func.count(Service.id))), session.scalar(select(func.count(WorkshopSession.id))))
    assert before == after and before[0] >= 9 and before[1] >= 10


def test_a_full_session_puts_the_next_person_on_the_waitlist(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        ws = small_session(session, capacity=1)
        first = seats.enrol(session, resident(session, "t:1"), ws.id)
        second = seats.enrol(session, resident(session, "t:2"), ws.id)
        assert first.status == EnrolmentStatus.enrolled
        assert second.status == EnrolmentStatus.waitlisted
        assert seats.waitlist_place(session, second) == 1
        assert seats.seats_left(session, ws) == 0


def test_enrolling_twice_keeps_one_enrolment(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        ws = small_session(session, capacity=5)
        person = resident(session, "t:twice")
        assert seats.enrol(session, person, ws.id).code == seats.enrol(session, person, ws.id).code
        assert session.scalar(select(func.count(Enrolment.id)).where(Enrolment.session_id == ws.id)) == 1


def test_cancelling_gives_the_seat_to_the_first_on_the_waitlist_and_tells_them(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        ws = small_session(session, capacity=1)
        holder = seats.enrol(session, resident(session, "t:holder"), ws.id)
        waiting_ht = seats.enrol(session, resident(session, "telegram:77", "ht"), ws.id)
        waiting_later = seats.enrol(session, resident(session, "t:later"), ws.id)
        promoted = seats.cancel(session, holder)
        assert promoted is not None and promoted.id == waiting_ht.id
        assert promoted.status == EnrolmentStatus.enrolled
        assert seats.waitlist_place(session, waiting_later) == 1
        note = session.scalars(select(OutboxMessage).where(OutboxMessage.sender_id == "telegram:77")).one()
        assert note.language == "ht" and promoted.code in note.text and note.delivered_at is None


def test_cancelling_a_waitlist_place_promotes_nobody(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        ws = small_session(session, capacity=1)
        seats.enrol(session, resident(session, "t:a"), ws.id)
        waiting = seats.enrol(session, resident(session, "t:b"), ws.id)
        assert seats.cancel(session, waiting) is None
        assert session.scalar(select(func.count(OutboxMessage.id))) == 0


def test_forgetting_a_person_erases_their_records_and_frees_their_seat(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        ws = small_session(session, capacity=1)
        seats.enrol(session, resident(session, "whatsapp:56911"), ws.id)
        waiting = seats.enrol(session, resident(session, "t:next"), ws.id)
        waiting_id = waiting.id
    with unit_of_work(engine) as session:
        assert residents.erase(session, "whatsapp:56911")
    with unit_of_work(engine) as session:
        assert residents.find(session, "whatsapp:56911") is None
        assert session.get(Enrolment, waiting_id).status == EnrolmentStatus.enrolled
        owners = {r.sender_id for r in session.scalars(select(Resident))}
        assert "whatsapp:56911" not in owners
        assert (
            session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.sender_id == "whatsapp:56911")) == 0
        )


def test_a_failed_unit_of_work_writes_nothing(engine: Engine) -> None:
    try:
        with unit_of_work(engine) as session:
            ws = small_session(session, capacity=3)
            seats.enrol(session, resident(session, "t:half"), ws.id)
            raise RuntimeError("the database went away half-way")
    except RuntimeError:
        pass
    with unit_of_work(engine) as session:
        assert residents.find(session, "t:half") is None

"""Fifty people press "enrol" at the same moment for a session with ten seats."""

from __future__ import annotations

import threading

from sqlalchemy import Engine, select

from records import enrolment as seats
from records.db import unit_of_work
from records.models import Enrolment, EnrolmentStatus
from tests.records.helpers import resident, small_session

PEOPLE, SEATS = 50, 10


def test_fifty_concurrent_enrolments_never_overfill_ten_seats(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        session_id = small_session(session, capacity=SEATS).id
        for n in range(PEOPLE):
            resident(session, f"race:{n}")
    start = threading.Barrier(PEOPLE)
    errors: list[BaseException] = []

    def press_enrol(n: int) -> None:
        try:
            start.wait()
            with unit_of_work(engine) as session:
                person = next(
                    iter(session.scalars(select(seats.Resident).where(seats.Resident.sender_id == f"race:{n}")))
                )
                seats.enrol(session, person, session_id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=press_enrol, args=(n,)) for n in range(PEOPLE)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors

    with unit_of_work(engine) as session:
        rows = list(
            session.scalars(select(Enrolment).where(Enrolment.session_id == session_id).order_by(Enrolment.position))
        )
    assert len(rows) == PEOPLE
    assert [r.position for r in rows] == list(range(1, PEOPLE + 1))
    # Arrival order: the first ten to get the lock hold the seats, the rest wait in the order they came.
    assert [r.status for r in rows] == [EnrolmentStatus.enrolled] * SEATS + [EnrolmentStatus.waitlisted] * (
        PEOPLE - SEATS
    )
    assert [r.created_at for r in rows] == sorted(r.created_at for r in rows)

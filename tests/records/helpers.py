"""Small builders for records tests."""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from records import residents
from records.models import Workshop, WorkshopSession


def resident(session: Session, sender: str, language: str = "es"):  # type: ignore[no-untyped-def]
    person = residents.record_consent(session, sender, language)
    residents.update_contact(session, person, f"Persona {sender}", "+56911112222")
    return person


def small_session(session: Session, capacity: int, workshop_key: str = "spanish_course") -> WorkshopSession:
    workshop = session.scalars(select(Workshop).where(Workshop.key == workshop_key)).one()
    start = date.today() + timedelta(days=10)
    ws = WorkshopSession(
        code=f"TEST-{capacity}-{start:%j}-{workshop_key}",
        workshop_id=workshop.id,
        starts_on=start,
        ends_on=start + timedelta(days=30),
        weekdays=[1, 3],
        start_time=time(18, 30),
        end_time=time(20, 30),
        place="Sala de prueba",
        capacity=capacity,
    )
    session.add(ws)
    session.flush()
    return ws

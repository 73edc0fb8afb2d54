"""Enrolment in workshop sessions: seats, waitlist, cancellation and promotion.

Every change to a session's seats runs with the session row locked (FOR UPDATE on PostgreSQL,
BEGIN IMMEDIATE on SQLite), so concurrent enrolments never overfill it and the waitlist keeps
the order of arrival.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from puente import i18n
from records import outbox
from records.codes import new_code
from records.models import Enrolment, EnrolmentStatus, Resident, Workshop, WorkshopSession
from records.texts import localized

ACTIVE = (EnrolmentStatus.enrolled, EnrolmentStatus.waitlisted)


def upcoming_sessions(
    session: Session, workshop_key: str | None = None, today: date | None = None
) -> list[WorkshopSession]:
    query = (
        select(WorkshopSession)
        .join(Workshop)
        .where(WorkshopSession.ends_on >= (today or date.today()))
        .order_by(WorkshopSession.starts_on, WorkshopSession.id)
    )
    if workshop_key:
        query = query.where(Workshop.key == workshop_key)
    return list(session.scalars(query))


def seats_taken(session: Session, session_id: int) -> int:
    return (
        session.scalar(
            select(func.count()).where(Enrolment.session_id == session_id, Enrolment.status == EnrolmentStatus.enrolled)
        )
        or 0
    )


def seats_left(session: Session, ws: WorkshopSession) -> int:
    return max(ws.capacity - seats_taken(session, ws.id), 0)


def _lock(session: Session, session_id: int) -> WorkshopSession:
    return session.scalars(
        select(WorkshopSession).where(WorkshopSession.id == session_id).with_for_update(of=WorkshopSession)
    ).one()


def active_enrolments(session: Session, resident_id: int) -> list[Enrolment]:
    return list(
        session.scalars(
            select(Enrolment)
            .where(Enrolment.resident_id == resident_id, Enrolment.status.in_(ACTIVE))
            .order_by(Enrolment.created_at)
        )
    )


def enrol(session: Session, resident: Resident, session_id: int) -> Enrolment:
    """A seat if one is free, else a place on the waitlist; enrolling twice returns the first."""
    ws = _lock(session, session_id)
    existing = session.scalars(
        select(Enrolment).where(
            Enrolment.session_id == ws.id,
            Enrolment.resident_id == resident.id,
            Enrolment.status.in_(ACTIVE),
        )
    ).first()
    if existing is not None:
        return existing
    last = session.scalar(select(func.max(Enrolment.position)).where(Enrolment.session_id == ws.id)) or 0
    status = EnrolmentStatus.enrolled if seats_taken(session, ws.id) < ws.capacity else EnrolmentStatus.waitlisted
    enrolment = Enrolment(
        code=new_code(ws.workshop.key[:3].upper()),
        session_id=ws.id,
        resident_id=resident.id,
        status=status,
        position=last + 1,
    )
    session.add(enrolment)
    session.flush()
    return enrolment


def waitlist_place(session: Session, enrolment: Enrolment) -> int | None:
    if enrolment.status != EnrolmentStatus.waitlisted:
        return None
    ahead = session.scalar(
        select(func.count()).where(
            Enrolment.session_id == enrolment.session_id,
            Enrolment.status == EnrolmentStatus.waitlisted,
            Enrolment.position < enrolment.position,
        )
    )
    return (ahead or 0) + 1


def cancel(session: Session, enrolment: Enrolment) -> Enrolment | None:
    """Cancels; a freed seat goes to the first on the waitlist, who gets a message in the outbox."""
    _lock(session, enrolment.session_id)
    session.refresh(enrolment)
    if enrolment.status == EnrolmentStatus.cancelled:
        return None
    freed = enrolment.status == EnrolmentStatus.enrolled
    enrolment.status = EnrolmentStatus.cancelled
    session.flush()
    if not freed:
        return None
    promoted = promote_waitlist(session, enrolment.session_id)
    return promoted[0] if promoted else None


def promote_waitlist(session: Session, session_id: int) -> list[Enrolment]:
    """Gives every free seat to the waitlist in order (after a cancellation, or when staff add
    seats); each person promoted gets a message in the outbox, in their language."""
    ws = _lock(session, session_id)
    free = ws.capacity - seats_taken(session, session_id)
    if free <= 0:
        return []
    waiting = session.scalars(
        select(Enrolment)
        .where(Enrolment.session_id == session_id, Enrolment.status == EnrolmentStatus.waitlisted)
        .order_by(Enrolment.position)
        .limit(free)
    ).all()
    for first in waiting:
        first.status = EnrolmentStatus.enrolled
        outbox.notify(session, first.resident_id, "waitlist_promoted", _promoted_text(first))
    session.flush()
    return list(waiting)


def _promoted_text(enrolment: Enrolment) -> Callable[[str], str]:
    workshop = enrolment.session.workshop

    def render(lang: str) -> str:
        text, _ = localized(workshop.texts, lang)
        return i18n.t(
            lang,
            "workshops.promoted",
            workshop=text.name if text else workshop.key,
            start=i18n.isolate(enrolment.session.starts_on.strftime("%d/%m/%Y"), lang),
            code=i18n.isolate(enrolment.code, lang),
        )

    return render

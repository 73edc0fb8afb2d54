"""Residents, their consent, and erasing everything we keep about one of them."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from records import chats, handoffs
from records.enrolment import active_enrolments, cancel
from records.models import Gender, Resident, ResidentGender, utcnow

CONSENT_VERSION = "2026-11"


def find(session: Session, sender_id: str) -> Resident | None:
    return session.scalars(select(Resident).where(Resident.sender_id == sender_id)).first()


def has_consented(session: Session, sender_id: str) -> bool:
    resident = find(session, sender_id)
    return resident is not None and resident.consent_at is not None


def record_consent(session: Session, sender_id: str, language: str) -> Resident:
    """Creates the resident (only the channel identity and language) with the time of consent."""
    resident = find(session, sender_id)
    if resident is None:
        resident = Resident(sender_id=sender_id, language=language)
        session.add(resident)
    resident.language = language
    resident.consent_at = utcnow()
    resident.consent_version = CONSENT_VERSION
    session.flush()
    return resident


def update_contact(session: Session, resident: Resident, name: str | None, phone: str | None) -> None:
    if name:
        resident.name = name
    if phone:
        resident.phone = phone


def gender_of(session: Session, resident: Resident) -> Gender | None:
    row = session.get(ResidentGender, resident.id)
    return row.gender if row else None


def set_gender(session: Session, resident: Resident, gender: Gender) -> None:
    """As the person said it (self-reported, optional); saying it again replaces it."""
    row = session.get(ResidentGender, resident.id)
    if row is None:
        session.add(ResidentGender(resident_id=resident.id, gender=gender))
    else:
        row.gender, row.recorded_at = gender, utcnow()
    session.flush()


def erase(session: Session, sender_id: str) -> bool:
    """Deletes the resident and, by cascade, enrolments, applications and pending messages.

    A seat they held goes to the first person on the waitlist first, so erasing never strands a seat.
    """
    chats.forget(session, sender_id)  # the gateway's record of the conversation too
    handoffs.forget(session, sender_id)
    resident = find(session, sender_id)
    if resident is None:
        return False
    for enrolment in active_enrolments(session, resident.id):
        cancel(session, enrolment)
    session.execute(delete(Resident).where(Resident.id == resident.id))
    return True

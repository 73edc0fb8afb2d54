"""Mediators and the conversations handed to them. Every state change is one conditional update,
so of several mediators (and several gateway processes) exactly one wins a claim."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from records.models import Handoff, HandoffOutcome, HandoffState, Mediator, utcnow

OPEN = (HandoffState.requested, HandoffState.held)


def register_mediator(
    session: Session, telegram_user_id: int, name: str, languages: Iterable[str], active: bool = True
) -> Mediator:
    """Adds a mediator, or updates the one with that Telegram identity."""
    mediator = session.scalars(select(Mediator).where(Mediator.telegram_user_id == telegram_user_id)).first()
    if mediator is None:
        mediator = Mediator(telegram_user_id=telegram_user_id)
        session.add(mediator)
    mediator.name = name
    mediator.languages = sorted({code.strip().lower() for code in languages if code.strip()})
    mediator.active = active
    session.flush()
    return mediator


def mediator_for(session: Session, telegram_user_id: int) -> Mediator | None:
    """The active mediator with this Telegram identity; nobody else may act as one."""
    return session.scalars(
        select(Mediator).where(Mediator.telegram_user_id == telegram_user_id, Mediator.active.is_(True))
    ).first()


def speakers_of(session: Session, language: str) -> list[Mediator]:
    """Active mediators, those who speak `language` first."""
    everyone = session.scalars(select(Mediator).where(Mediator.active.is_(True)).order_by(Mediator.name)).all()
    return sorted(everyone, key=lambda m: language not in m.languages)


def open_for(session: Session, sender_id: str) -> Handoff | None:
    return session.scalars(
        select(Handoff).where(Handoff.sender_id == sender_id, Handoff.state.in_(OPEN)).order_by(Handoff.id.desc())
    ).first()


def request(session: Session, sender_id: str, language: str, topic: str = "") -> tuple[Handoff, bool]:
    """Opens a request unless one is open already; (the request, whether it is new)."""
    existing = open_for(session, sender_id)
    if existing is not None:
        return existing, False
    handoff = Handoff(sender_id=sender_id, language=language, topic=topic[:60])
    session.add(handoff)
    session.flush()
    return handoff, True


def claim(session: Session, handoff_id: int, mediator: Mediator) -> bool:
    """True for the one mediator who takes the request; False when it was taken or closed already."""
    now = utcnow()
    won = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.state == HandoffState.requested)
        .values(state=HandoffState.held, mediator_id=mediator.id, claimed_at=now, last_activity_at=now)
    ).rowcount
    return won == 1


def end(session: Session, handoff_id: int, outcome: HandoffOutcome) -> bool:
    """Closes an open hand-off with its outcome; False if it was closed already."""
    now = utcnow()
    closed = session.execute(
        update(Handoff)
        .where(Handoff.id == handoff_id, Handoff.state.in_(OPEN))
        .values(state=HandoffState.ended, outcome=outcome, ended_at=now, last_activity_at=now)
    ).rowcount
    return closed == 1


def touch(session: Session, handoff_id: int) -> None:
    session.execute(update(Handoff).where(Handoff.id == handoff_id).values(last_activity_at=utcnow()))


def held_by(session: Session, mediator_id: int) -> list[Handoff]:
    return list(
        session.scalars(
            select(Handoff)
            .where(Handoff.mediator_id == mediator_id, Handoff.state == HandoffState.held)
            .order_by(Handoff.last_activity_at.desc())
        )
    )


def unclaimed_since(session: Session, minutes: float) -> list[Handoff]:
    """Requests nobody has claimed, not reminded about for `minutes` (to remind the group)."""
    cutoff = utcnow() - timedelta(minutes=minutes)
    return list(
        session.scalars(
            select(Handoff)
            .where(Handoff.state == HandoffState.requested, Handoff.requested_at < cutoff)
            .where((Handoff.reminded_at.is_(None)) | (Handoff.reminded_at < cutoff))
        )
    )


def idle_since(session: Session, minutes: float) -> list[Handoff]:
    """Open hand-offs without a message for `minutes`: abandoned, back to the bot."""
    cutoff = utcnow() - timedelta(minutes=minutes)
    return list(session.scalars(select(Handoff).where(Handoff.state.in_(OPEN), Handoff.last_activity_at < cutoff)))

"""Messages the bot starts (a freed seat, a status change), queued for the channels to deliver."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from records.models import OutboxMessage, Resident, utcnow


def notify(session: Session, resident_id: int, kind: str, render: Callable[[str], str]) -> OutboxMessage:
    """Queues `render(language)`, written in the resident's own language, in the same transaction."""
    resident = session.get(Resident, resident_id)
    if resident is None:
        raise LookupError(f"no resident {resident_id}")
    message = OutboxMessage(
        resident_id=resident.id,
        sender_id=resident.sender_id,
        language=resident.language,
        kind=kind,
        text=render(resident.language),
    )
    session.add(message)
    session.flush()
    return message


def queue(session: Session, sender_id: str, language: str, kind: str, text: str) -> OutboxMessage:
    """Queues a text already written for the person (a mediator's reply), who need not be a resident."""
    message = OutboxMessage(resident_id=None, sender_id=sender_id, language=language, kind=kind, text=text)
    session.add(message)
    session.flush()
    return message


def purge_delivered(session: Session, older_than: timedelta) -> int:
    """Delivered messages are not kept: what was said lives in the records it came from."""
    cutoff = utcnow() - older_than
    return session.execute(
        delete(OutboxMessage).where(OutboxMessage.delivered_at.is_not(None), OutboxMessage.delivered_at < cutoff)
    ).rowcount


def claim(session: Session, prefixes: tuple[str, ...], seconds: float, limit: int = 50) -> list[OutboxMessage]:
    """Claims undelivered messages for the channels this gateway serves (`telegram:`, `whatsapp:`).

    A claim is an atomic conditional update, so of several gateways exactly one sends each message.
    """
    now = utcnow()
    candidates = session.scalars(
        select(OutboxMessage.id)
        .where(OutboxMessage.delivered_at.is_(None))
        .where(or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .where(or_(*(OutboxMessage.sender_id.startswith(p) for p in prefixes)))
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    claimed: list[OutboxMessage] = []
    for message_id in candidates:
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.delivered_at.is_(None))
            .where(or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
            .values(claimed_until=now + timedelta(seconds=seconds))
        ).rowcount
        if taken:
            claimed.append(session.get_one(OutboxMessage, message_id))
    return claimed


def delivered(session: Session, message_id: int) -> None:
    session.execute(
        update(OutboxMessage).where(OutboxMessage.id == message_id).values(delivered_at=utcnow(), last_error="")
    )


# Why a notification waits without counting as a failure: WhatsApp lets a business write first only
# within 24 hours of the person's last message (or with an approved template).
WINDOW = "waiting for the person to write (24-hour window)"


def held(session: Session, message_id: int, retry_after: float, reason: str) -> None:
    """Not sent this time (a channel error, or the 24-hour window): try again later."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(
            claimed_until=utcnow() + timedelta(seconds=retry_after),
            attempts=OutboxMessage.attempts + (0 if reason == WINDOW else 1),
            last_error=reason[:200],
        )
    )


def release_for(session: Session, sender_id: str) -> int:
    """The person just wrote: messages held for the 24-hour window can go now. (Messages another
    gateway is sending right now keep their claim, or they could go out twice.)"""
    return session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.sender_id == sender_id, OutboxMessage.delivered_at.is_(None))
        .where(OutboxMessage.last_error == WINDOW)
        .values(claimed_until=None)
    ).rowcount

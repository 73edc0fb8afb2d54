"""Messages the bot starts (a freed seat, a status change), queued for the channels to deliver."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from records.models import OutboxMessage, Resident


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

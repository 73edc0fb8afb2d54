"""The gateway's durable state: conversations, received messages, and who is talking to Rasa.

Everything here is a short transaction, so several gateway processes can share one database.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from records.models import ButtonPayload, Chat, InboundMessage, InboundState, Resident, utcnow


def as_utc(moment: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=timezone.utc)


def find(session: Session, sender_id: str) -> Chat | None:
    return session.scalars(select(Chat).where(Chat.sender_id == sender_id)).first()


def ensure(session: Session, sender_id: str, channel: str) -> Chat:
    chat = find(session, sender_id)
    if chat is not None:
        return chat
    try:
        with session.begin_nested():  # another gateway may create it at the same moment
            chat = Chat(sender_id=sender_id, channel=channel)
            session.add(chat)
    except IntegrityError:
        chat = find(session, sender_id)
        assert chat is not None
    return chat


def receive(
    session: Session,
    sender_id: str,
    channel: str,
    external_id: str,
    text: str | None,
    metadata: dict,
    hint: str | None,
    state: InboundState = InboundState.pending,
) -> InboundMessage | None:
    """Stores a received message; None when the channel already delivered it (a retry)."""
    chat = ensure(session, sender_id, channel)
    chat.last_inbound_at = utcnow()
    if hint:
        chat.language_hint = hint[:16]
    message = InboundMessage(
        chat_id=chat.id,
        channel=channel,
        external_id=external_id[:120],
        text=text if state == InboundState.pending else None,
        metadata_=metadata,
        state=state,
        done_at=None if state == InboundState.pending else utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    return message


def acquire(session: Session, chat_id: int, owner: str, seconds: float) -> bool:
    """Takes the chat's lease if it is free, expired, or already ours."""
    now = utcnow()
    result = session.execute(
        update(Chat)
        .where(Chat.id == chat_id)
        .where((Chat.lease_owner.is_(None)) | (Chat.lease_until < now) | (Chat.lease_owner == owner))
        .values(lease_owner=owner, lease_until=now + timedelta(seconds=seconds))
    )
    return result.rowcount == 1


def release(session: Session, chat_id: int, owner: str) -> None:
    session.execute(
        update(Chat).where(Chat.id == chat_id, Chat.lease_owner == owner).values(lease_owner=None, lease_until=None)
    )


def next_pending(session: Session, chat_id: int) -> InboundMessage | None:
    return session.scalars(
        select(InboundMessage)
        .where(InboundMessage.chat_id == chat_id, InboundMessage.state == InboundState.pending)
        .order_by(InboundMessage.id)
        .limit(1)
    ).first()


def finish(session: Session, message_id: int, state: InboundState = InboundState.done) -> None:
    """Marks a message answered and forgets its words (personal data we no longer need)."""
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.id == message_id)
        .values(state=state, text=None, metadata_={}, done_at=utcnow())
    )


def count_attempt(session: Session, message_id: int) -> None:
    session.execute(
        update(InboundMessage).where(InboundMessage.id == message_id).values(attempts=InboundMessage.attempts + 1)
    )


def waiting_senders(session: Session, limit: int = 100) -> list[str]:
    """Conversations with messages still to answer and nobody working on them."""
    now = utcnow()
    return list(
        session.scalars(
            select(Chat.sender_id)
            .where(Chat.id.in_(select(InboundMessage.chat_id).where(InboundMessage.state == InboundState.pending)))
            .where((Chat.lease_owner.is_(None)) | (Chat.lease_until < now))
            .limit(limit)
        )
    )


def set_waiting_notice(session: Session, chat_id: int, when: datetime | None) -> None:
    session.execute(update(Chat).where(Chat.id == chat_id).values(waiting_notice_at=when))


def remember_language(session: Session, sender_id: str, language: str) -> None:
    """Called by the action server when a conversation's language changes, so the gateway's own
    messages (a sticker reply, a notification) use it too."""
    channel = sender_id.split(":", 1)[0] if ":" in sender_id else ""
    ensure(session, sender_id, channel).language = language
    session.execute(update(Resident).where(Resident.sender_id == sender_id).values(language=language))


def await_answer(session: Session, sender_id: str, question: str | None) -> None:
    """Called by the action server when the bot asks a yes/no question (or it is answered).
    Only an existing chat is updated: after an erasure nothing is written back."""
    session.execute(update(Chat).where(Chat.sender_id == sender_id).values(awaiting_answer=question))


def forget(session: Session, sender_id: str) -> None:
    """Part of erasing a person: the conversation and its received messages (by cascade)."""
    session.execute(delete(Chat).where(Chat.sender_id == sender_id))


def purge_done(session: Session, older_than: timedelta) -> int:
    """Answered messages are kept (without text) only long enough to spot a channel's redelivery."""
    cutoff = utcnow() - older_than
    result = session.execute(
        delete(InboundMessage).where(InboundMessage.state != InboundState.pending, InboundMessage.done_at < cutoff)
    )
    return result.rowcount


def payload_key(session: Session, payload: str) -> str:
    """A short, stable id for a long button payload."""
    key = "h:" + hashlib.sha256(payload.encode()).hexdigest()[:24]
    row = session.get(ButtonPayload, key)
    if row is not None:
        row.created_at = utcnow()  # issued again: kept as long as a fresh one
        return key
    try:
        with session.begin_nested():
            session.add(ButtonPayload(key=key, payload=payload))
    except IntegrityError:
        pass
    return key


def payload_for(session: Session, key: str) -> str | None:
    row = session.get(ButtonPayload, key)
    return row.payload if row else None

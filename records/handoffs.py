"""Mediators and the conversations handed to them. Every state change is one conditional update,
so of several mediators (and several gateway processes) exactly one wins a claim."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from puente import i18n
from records import chats, outbox
from records.chats import as_utc
from records.models import Handoff, HandoffMessage, HandoffOutcome, HandoffState, Mediator, OutboxMessage, utcnow

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
    session.flush()
    if mediator.active and not active:
        deactivate(session, mediator)
    mediator.active = active
    return mediator


def deactivate(session: Session, mediator: Mediator) -> list[Handoff]:
    """The mediator stops: the conversations they held go back to the queue for another one, and
    each person is told (nothing more of theirs reaches the former mediator's Telegram)."""
    mediator.active = False
    requeued = held_by(session, mediator.id)
    for handoff in requeued:
        handoff.state, handoff.mediator_id, handoff.claimed_at = HandoffState.requested, None, None
        text = i18n.t(handoff.language, "handoff.mediator_left")
        outbox.queue(session, handoff.sender_id, handoff.language, "handoff", text)
    session.flush()
    return requeued


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


def request(
    session: Session, sender_id: str, language: str, topic: str = "", transcript: list[dict[str, str]] | None = None
) -> tuple[Handoff, bool]:
    """Opens a request unless one is open already; (the request, whether it is new)."""
    existing = open_for(session, sender_id)
    if existing is not None:
        return existing, False
    handoff = Handoff(sender_id=sender_id, language=language, topic=topic[:60], transcript=transcript or [])
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
    if won == 1:  # a question the bot asked before is no longer open: the person now talks to a person
        sender = session.scalars(select(Handoff.sender_id).where(Handoff.id == handoff_id)).one()
        chats.await_answer(session, sender, None)
    return won == 1


def unclaim(session: Session, handoff_id: int, mediator_id: int) -> bool:
    """Gives a claimed request back (the bot could not reach the mediator's private chat)."""
    return (
        session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.state == HandoffState.held, Handoff.mediator_id == mediator_id)
            .values(state=HandoffState.requested, mediator_id=None, claimed_at=None)
        ).rowcount
        == 1
    )


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


def waiting(session: Session) -> list[Handoff]:
    """Requests nobody has claimed yet, oldest first."""
    return list(
        session.scalars(select(Handoff).where(Handoff.state == HandoffState.requested).order_by(Handoff.requested_at))
    )


def position(session: Session, handoff: Handoff) -> int:
    """1 for the oldest waiting request."""
    ahead = session.scalar(
        select(func.count())
        .select_from(Handoff)
        .where(Handoff.state == HandoffState.requested, Handoff.id < handoff.id)
    )
    return int(ahead or 0) + 1


def to_announce(session: Session) -> list[Handoff]:
    """New requests to post to the mediators' group, each taken by one gateway (a conditional update)."""
    ids = session.scalars(
        select(Handoff.id).where(Handoff.state == HandoffState.requested, Handoff.announced_at.is_(None))
    ).all()
    now = utcnow()
    taken = [
        handoff_id
        for handoff_id in ids
        if session.execute(
            update(Handoff).where(Handoff.id == handoff_id, Handoff.announced_at.is_(None)).values(announced_at=now)
        ).rowcount
    ]
    return [session.get_one(Handoff, handoff_id) for handoff_id in taken]


def unannounce(session: Session, handoff_id: int) -> None:
    """Posting failed: the next round posts it again."""
    session.execute(update(Handoff).where(Handoff.id == handoff_id).values(announced_at=None))


def mark_reminded(session: Session, handoff: Handoff, minutes: float) -> bool:
    """Takes the reminder of an unclaimed request, so of several gateways one sends it."""
    cutoff = utcnow() - timedelta(minutes=minutes)
    return (
        session.execute(
            update(Handoff)
            .where(Handoff.id == handoff.id, Handoff.state == HandoffState.requested)
            .where((Handoff.reminded_at.is_(None)) | (Handoff.reminded_at < cutoff))
            .values(reminded_at=utcnow())
            # Not evaluated against loaded objects: SQLite hands back naive datetimes.
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def unclaimed_for(session: Session, hours: float) -> list[Handoff]:
    """Requests nobody claimed in `hours`: closed, and the person told."""
    cutoff = utcnow() - timedelta(hours=hours)
    return list(
        session.scalars(select(Handoff).where(Handoff.state == HandoffState.requested, Handoff.requested_at < cutoff))
    )


def add_message(
    session: Session,
    handoff_id: int,
    *,
    from_mediator: bool,
    text: str,
    translation: str | None = None,
    translated_by: str = "",
    mediator_message_id: int | None = None,
    relayed: bool = True,
) -> HandoffMessage:
    message = HandoffMessage(
        handoff_id=handoff_id, from_mediator=from_mediator, text=text, translation=translation,
        translated_by=translated_by, mediator_message_id=mediator_message_id, relayed=relayed,
    )  # fmt: skip
    session.add(message)
    session.flush()
    return message


def unrelayed(session: Session, handoff_id: int) -> list[HandoffMessage]:
    """What the person wrote while waiting, to show the mediator who claims it."""
    return list(
        session.scalars(
            select(HandoffMessage)
            .where(HandoffMessage.handoff_id == handoff_id, HandoffMessage.relayed.is_(False))
            .order_by(HandoffMessage.id)
        )
    )


def mark_relayed(session: Session, handoff_id: int) -> None:
    session.execute(
        update(HandoffMessage)
        .where(HandoffMessage.handoff_id == handoff_id, HandoffMessage.relayed.is_(False))
        .values(relayed=True)
    )


def replied_to(session: Session, mediator: Mediator, mediator_message_id: int) -> Handoff | None:
    """The conversation a mediator answers by replying to one of its messages in their chat."""
    return session.scalars(
        select(Handoff)
        .join(HandoffMessage, HandoffMessage.handoff_id == Handoff.id)
        .where(HandoffMessage.mediator_message_id == mediator_message_id, Handoff.mediator_id == mediator.id)
        .where(Handoff.state == HandoffState.held)
    ).first()


def usual_wait_minutes(session: Session, default: int, days: int = 30, enough: int = 5) -> int:
    """The median wait before a claim over the last `days`, once there are `enough` claims to say so."""
    since = utcnow() - timedelta(days=days)
    rows = session.execute(
        select(Handoff.requested_at, Handoff.claimed_at).where(
            Handoff.claimed_at.is_not(None), Handoff.requested_at >= since
        )
    ).all()
    waits = [(as_utc(claimed) - as_utc(requested)).total_seconds() / 60 for requested, claimed in rows]
    if len(waits) < enough:
        return default
    return max(1, round(statistics.median(waits)))


def purge(session: Session, keep_days: int) -> int:
    """Erases what was said in hand-offs that ended `keep_days` ago; their times and outcome stay
    for the indicators. Returns how many hand-offs were emptied."""
    cutoff = utcnow() - timedelta(days=keep_days)
    ended = session.scalars(
        select(Handoff.id).where(Handoff.state == HandoffState.ended, Handoff.ended_at < cutoff)
    ).all()
    if not ended:
        return 0
    session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(ended)))
    session.execute(
        update(Handoff).where(Handoff.id.in_(ended), Handoff.transcript.is_not(None)).values(transcript=None)
    )
    return len(ended)


def forget(session: Session, sender_id: str) -> None:
    """The person asked to be forgotten: their words go, and their hand-offs stop naming them
    (language, times and outcome stay, anonymous, for the indicators)."""
    ids = session.scalars(select(Handoff.id).where(Handoff.sender_id == sender_id)).all()
    if not ids:
        return
    for handoff_id in ids:
        end(session, handoff_id, HandoffOutcome.no_answer)  # an open one ends here (no-op if ended)
    session.execute(delete(HandoffMessage).where(HandoffMessage.handoff_id.in_(ids)))
    session.execute(update(Handoff).where(Handoff.id.in_(ids)).values(sender_id="erased", transcript=None))
    session.execute(  # relayed replies not yet delivered (a resident's own notices go with the resident)
        delete(OutboxMessage).where(OutboxMessage.sender_id == sender_id, OutboxMessage.resident_id.is_(None))
    )

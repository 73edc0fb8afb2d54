"""The channel-independent core of the gateway: every received message is stored first, then
answered through Rasa in arrival order, one conversation at a time, by whichever gateway process
holds the conversation's lease. Nothing is lost when Rasa is down; nothing is answered twice.

Channels (bot/telegram.py, bot/whatsapp.py) turn their updates into `Incoming` and implement
`Channel` for what goes out.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.channel import Channel, Incoming, Kind, Notice
from bot.rasa_client import Button, RasaClient, RasaUnavailable, Reply
from bot.ratelimit import RateLimiter
from puente import i18n, langid, settings
from records import chats, outbox
from records.db import unit_of_work
from records.models import InboundState, utcnow

if TYPE_CHECKING:
    from bot.desk import Desk

log = logging.getLogger("puente.gateway")
T = TypeVar("T")

# Commands people type (Telegram's menu, or by habit on WhatsApp) and what they mean to Rasa.
# Anything else starting with "/" would be read by Rasa as an intent name, so it is never passed on.
COMMANDS = {"start": "/greet", "language": "/greet", "help": "/help", "menu": "/help", "forget": "/forget_me"}
# The mediators' commands (bot/desk.py), kept as typed: the desk acts on them or refuses them.
DESK_COMMANDS = ("end", "fin", "queue", "claim", "outcome")
MAX_TEXT = 2000  # longer messages are cut: nobody types more, and it keeps Rasa fast
LEASE_SECONDS = 120.0  # longer than a Rasa turn may take (the client's timeout is 60 s)
OUTBOX_CLAIM_SECONDS = 120.0
WINDOW_RETRY_SECONDS = 600.0


class DatabaseUnavailable(Exception):
    """The records database did not answer: the message could not be stored."""


@dataclass(frozen=True)
class Pending:
    id: int
    text: str
    metadata: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class ChatView:
    id: int
    sender_id: str
    channel: str
    language: str | None
    hint: str | None
    waiting_notice: bool
    awaiting_answer: bool = False  # a yes/no question of the bot is open (records.chats.await_answer)

    @property
    def address(self) -> str:
        return self.sender_id.split(":", 1)[1]


def clean(text: str) -> str:
    """Without control characters (PostgreSQL refuses NUL in text), line breaks and tabs kept."""
    return "".join(ch for ch in text if ch >= " " or ch in "\n\t")


def command_of(text: str) -> str:
    """ "/end@puente_bot 12" -> "end"; "" when the text is no command."""
    if not text.startswith("/") or len(text) < 2:
        return ""
    return text[1:].split(maxsplit=1)[0].split("@")[0].lower()


def rasa_text(incoming: Incoming) -> str:
    """What Rasa reads: a pressed button's payload as is; typed commands mapped; text trimmed."""
    text = clean(incoming.text).strip()
    if incoming.metadata.get("button"):
        return text
    if text.startswith("/"):
        command = command_of(text)
        return text[:MAX_TEXT] if command in DESK_COMMANDS else COMMANDS.get(command, "/help")
    return text[:MAX_TEXT]


class Gateway:
    def __init__(self, engine: Engine, rasa: RasaClient, config: settings.Gateway, owner: str | None = None) -> None:
        self.engine = engine
        self.rasa = rasa
        self.config = config
        self.channels: dict[str, Channel] = {}
        self.limiter = RateLimiter(config.rate_burst, config.rate_interval)
        self.rasa_slots = asyncio.Semaphore(config.rasa_concurrency)
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.tasks: set[asyncio.Task[Any]] = set()
        self.drains = itertools.count(1)
        self.outcomes: Counter[str] = Counter()  # what happened to each update, for tests and the health page
        self.desk: Desk | None = None  # mediators taking conversations over (bot/desk.py), when set up

    def add_channel(self, channel: Channel) -> None:
        self.channels[channel.name] = channel

    # -- the database, off the event loop -------------------------------------------------------

    async def db(self, work: Callable[[Session], T]) -> T:
        def run() -> T:
            with unit_of_work(self.engine) as session:
                return work(session)

        try:
            return await asyncio.to_thread(run)
        except SQLAlchemyError as error:
            raise DatabaseUnavailable(str(error)[:200]) from error

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coroutine)
        self.tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.outcomes["error"] += 1
            log.error("gateway task failed", exc_info=task.exception())

    # -- receiving --------------------------------------------------------------------------------

    async def receive(self, incoming: Incoming) -> str:
        """Stores the update and starts answering it; returns what happened to it.

        Raises DatabaseUnavailable when it could not be stored: the channel should have it
        delivered again (WhatsApp) or tell the person to write again (Telegram).
        """
        outcome = await self._receive(incoming)
        self.outcomes[outcome.split(":")[0]] += 1
        return outcome

    async def _receive(self, incoming: Incoming) -> str:
        if incoming.kind == Kind.silent:
            return "ignored"
        allowed, tell = self.limiter.allow(incoming.sender_id)
        answer_here = incoming.kind != Kind.text or not allowed
        text = rasa_text(incoming) if incoming.kind == Kind.text else ""
        metadata = {"channel": incoming.channel, **({"language_hint": incoming.hint} if incoming.hint else {})}
        if "reply_to" in incoming.metadata:
            metadata["reply_to"] = incoming.metadata["reply_to"]

        def store(session: Session) -> tuple[bool, int]:
            stored = chats.receive(
                session, incoming.sender_id, incoming.channel, incoming.external_id, text or None, metadata,
                incoming.hint, InboundState.ignored if answer_here else InboundState.pending,
            )  # fmt: skip
            if stored is None:
                return False, 0
            return True, outbox.release_for(session, incoming.sender_id)  # the person is here: held notices go

        stored, released = await self.db(store)
        if not stored:
            return "duplicate"
        if released:
            self.spawn(self.deliver_outbox(incoming.sender_id))
        # Replies go out in the background: a webhook is acknowledged without waiting for them.
        if not allowed:
            if tell:
                self.spawn(self.say(incoming.sender_id, "channels.too_many", text=text))
            return "limited"
        if incoming.kind != Kind.text and self.desk is not None and await self.desk.take_media(incoming):
            return f"relayed:{incoming.kind.value}"
        if incoming.kind != Kind.text:
            buttons = [Button("topics.request_human", "/request_human")] if incoming.kind == Kind.voice else []
            self.spawn(self.say(incoming.sender_id, f"channels.{incoming.kind.value}", buttons))
            return f"replied:{incoming.kind.value}"
        self.spawn(self.drain(incoming.sender_id))
        return "queued"

    # -- answering --------------------------------------------------------------------------------

    async def drain(self, sender_id: str) -> None:
        """Answers the conversation's waiting messages in order, if no other process is doing so."""
        first = await self._chat(sender_id)
        if first is None:
            return
        chat_id = first.id
        owner = f"{self.owner}:{next(self.drains)}"  # each drain its own owner, even within one process
        while True:
            if not await self.db(lambda s: chats.acquire(s, chat_id, owner, LEASE_SECONDS)):
                return  # another gateway process holds it; it will see the new message
            try:
                while (message := await self.db(lambda s: _pending(s, chat_id))) is not None:
                    chat = await self._chat(sender_id)
                    if chat is None or not await self._answer(chat, message):
                        return  # Rasa is down: the message stays and the retry loop comes back for it
                    await self.db(lambda s: chats.acquire(s, chat_id, owner, LEASE_SECONDS))  # renew
            finally:
                await self.db(lambda s: chats.release(s, chat_id, owner))
            # A message stored after our last look but before the release is ours to answer too.
            if await self.db(lambda s: _pending(s, chat_id)) is None:
                return

    async def _answer(self, chat: ChatView, message: Pending) -> bool:
        if self.desk is not None:
            taken = await self.desk.take(chat, message)  # a mediator, or a conversation a mediator holds
            if taken is not None:
                if taken:
                    await self.db(lambda s: chats.finish(s, message.id))
                    self.outcomes["relayed"] += 1
                else:
                    await self.db(lambda s: chats.count_attempt(s, message.id))
                return taken
        if command_of(message.text) in DESK_COMMANDS:  # no desk here: Rasa must not read it as an intent
            message = dataclasses.replace(message, text="/help")
        channel = self.channels.get(chat.channel)
        done = asyncio.Event()
        if channel is not None and message.attempts == 0:
            self.spawn(self._keep_typing(channel, chat.address, done))
        try:
            async with self.rasa_slots:
                replies = await self.rasa.send(chat.sender_id, message.text, message.metadata)
        except RasaUnavailable as error:
            log.warning("rasa unavailable for a message (attempt %d): %s", message.attempts + 1, error)
            await self.db(lambda s: chats.count_attempt(s, message.id))
            if not chat.waiting_notice:
                await self.say(chat.sender_id, "channels.waiting", text=message.text)
                await self.db(lambda s: chats.set_waiting_notice(s, chat.id, utcnow()))
            return False
        finally:
            done.set()
        # Done as soon as Rasa has it: a crash from here on must not feed it to Rasa twice.
        await self.db(lambda s: (chats.finish(s, message.id), chats.set_waiting_notice(s, chat.id, None)))
        self.outcomes["answered"] += 1
        if channel is None:
            return True
        language = (await self._chat(chat.sender_id) or chat).language or i18n.DEFAULT
        try:
            await channel.send(chat.address, outgoing(replies), language)
        except Exception:  # the channel's own retries are spent; Rasa already moved on
            log.exception("could not deliver a reply on %s", chat.channel)
            self.outcomes["send_failed"] += 1
        return True

    async def _keep_typing(self, channel: Channel, address: str, done: asyncio.Event) -> None:
        # Ends by the event, not by cancelling: a cancel landing inside the HTTP client can be lost.
        while not done.is_set():
            try:
                await channel.typing(address)
            except Exception:  # a typing indicator is a nicety, never a reason to fail
                log.debug("typing indicator failed", exc_info=True)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(done.wait(), 4.5)  # Telegram shows it for 5 s

    async def say(self, sender_id: str, key: str, buttons: list[Button] | None = None, text: str = "") -> None:
        """A gateway's own message (catalog `key`): in the conversation's language when one is
        known, else in the language of the person's message `text`, else in the phone's language
        (Telegram) or a foreign number's; a first contact with nothing to go by gets it in every
        language (a Chilean number says nothing: most migrants in Quilicura have one)."""
        channel_name, address = sender_id.split(":", 1)
        channel = self.channels.get(channel_name)
        if channel is None:
            return
        try:
            chat = await self._chat(sender_id)
        except DatabaseUnavailable:
            chat = None
        language = notice_language(chat.language if chat else None, text, chat.hint if chat else None)
        reply = notice(key, language, buttons)
        try:
            await channel.send(address, outgoing([reply]), language or i18n.DEFAULT)
        except Exception:
            log.exception("could not send %s on %s", key, channel_name)

    async def _chat(self, sender_id: str) -> ChatView | None:
        def read(session: Session) -> ChatView | None:
            chat = chats.find(session, sender_id)
            if chat is None:
                return None
            return ChatView(
                chat.id, chat.sender_id, chat.channel, chat.language, chat.language_hint,
                chat.waiting_notice_at is not None, chat.awaiting_answer is not None,
            )  # fmt: skip

        return await self.db(read)

    async def button_id(self, payload: str, limit: int) -> str:
        """The payload itself when the channel's button id can hold it, else a short stored key."""
        if len(payload.encode()) <= limit:
            return payload
        return await self.db(lambda s: chats.payload_key(s, payload))

    async def payload(self, button_id: str) -> str:
        if button_id.startswith("h:"):
            return await self.db(lambda s: chats.payload_for(s, button_id)) or "/help"
        return button_id

    # -- notifications the bot starts (the outbox) -------------------------------------------------

    async def deliver_outbox(self, only_sender: str | None = None) -> int:
        """Sends waiting notifications on their channel; each is claimed first, so of several
        gateway processes exactly one sends it. Returns how many were sent."""
        prefixes = (only_sender,) if only_sender else tuple(f"{name}:" for name in self.channels)
        if not prefixes or (only_sender and only_sender.split(":", 1)[0] not in self.channels):
            return 0
        claimed = await self.db(
            lambda s: [(m.id, m.sender_id, m.language, m.text) for m in outbox.claim(s, prefixes, OUTBOX_CLAIM_SECONDS)]
        )
        sent = 0
        for message_id, sender_id, language, text in claimed:
            channel_name, address = sender_id.split(":", 1)
            age = await self.db(lambda s, sid=sender_id: _seconds_since_last_message(s, sid))
            try:
                result = await self.channels[channel_name].notify(address, i18n.display(text), language, age)
            except Exception as error:
                log.warning("notification %d not delivered: %s", message_id, error)
                await self.db(lambda s, mid=message_id, e=error: outbox.held(s, mid, 60, f"{type(e).__name__}: {e}"))
                continue
            if result == Notice.sent:
                await self.db(lambda s, mid=message_id: outbox.delivered(s, mid))
                sent += 1
            else:
                await self.db(lambda s, mid=message_id: outbox.held(s, mid, WINDOW_RETRY_SECONDS, outbox.WINDOW))
        self.outcomes["notified"] += sent
        return sent

    # -- background loops ---------------------------------------------------------------------------

    async def run_workers(self, stop: asyncio.Event) -> None:
        """Retries waiting messages (Rasa was down, or a gateway crashed) and delivers the outbox."""
        while not stop.is_set():
            try:
                for sender_id in await self.db(chats.waiting_senders):
                    if sender_id.split(":", 1)[0] in self.channels:
                        self.spawn(self.drain(sender_id))
                await self.deliver_outbox()
                if self.desk is not None:
                    await self.desk.tick()
                await self.db(
                    lambda s: (chats.purge_done(s, timedelta(days=2)), outbox.purge_delivered(s, timedelta(days=2)))
                )
            except DatabaseUnavailable as error:
                log.warning("database unavailable: %s", error)
            except Exception:  # one bad round must not end the loop that retries everything else
                log.exception("gateway worker round failed")
                self.outcomes["error"] += 1
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), self.config.retry_interval)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _pending(session: Session, chat_id: int) -> Pending | None:
    message = chats.next_pending(session, chat_id)
    if message is None:
        return None
    return Pending(message.id, message.text or "", dict(message.metadata_ or {}), message.attempts)


def _seconds_since_last_message(session: Session, sender_id: str) -> float | None:
    chat = chats.find(session, sender_id)
    last = chats.as_utc(chat.last_inbound_at) if chat else None
    return (utcnow() - last).total_seconds() if last else None


# Where Puente runs: most migrants have a local number, so it says nothing of their language.
LOCAL_PHONE_PREFIXES = ("56",)


def notice_language(known: str | None, text: str, hint: str | None) -> str | None:
    """The language of a gateway notice, or None when nothing says it (then: every language)."""
    if known in i18n.languages():
        return known
    if text and not text.startswith("/") and langid.identify(text).language:
        return langid.choose(text, None)
    if hint and not hint.lstrip("+").startswith(LOCAL_PHONE_PREFIXES):
        return i18n.from_hint(hint)  # a phone's language, or a number from abroad ("+509...")
    return None


def notice(key: str, language: str | None, buttons: list[Button] | None = None) -> Reply:
    """A catalog text with its buttons in `language`, or every language's text one under another."""
    if language:
        return Reply(i18n.t(language, key), [Button(i18n.t(language, b.title), b.payload) for b in buttons or []])
    text = "\n\n".join(i18n.t(code, key) for code in i18n.languages())
    titles = [" / ".join(dict.fromkeys(i18n.t(code, b.title) for code in i18n.languages())) for b in buttons or []]
    return Reply(text, [Button(title, b.payload) for title, b in zip(titles, buttons or [], strict=True)])


def outgoing(replies: list[Reply]) -> list[Reply]:
    """Replies as they leave for a person: right-to-left texts made to display right (i18n.display)."""
    return [
        dataclasses.replace(
            r, text=i18n.display(r.text), buttons=[Button(i18n.display(b.title), b.payload) for b in r.buttons]
        )
        for r in replies
    ]

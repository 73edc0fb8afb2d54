"""The mediators' desk: a conversation handed from the bot to an intercultural mediator and back.

- A request (made by `action_request_human` in the records) is posted to the mediators' Telegram
  group with a Claim button, those who speak the person's language mentioned first.
- The first claim wins (a conditional update); the mediator gets the recent conversation in their
  private chat with the bot, translated to Spanish where they do not speak the language.
- While held, the person's messages skip Rasa and go to the mediator (original, and a machine
  translation marked as such), and the mediator's go to the person, translated into their language.
  A failed translation never stops a message: the original goes with a short notice.
- /end and an outcome give the conversation back to the bot. Unclaimed requests are reminded in
  office hours; a held conversation left idle, or a request nobody took, is closed with a message.

All state is in the records database, so any gateway process can handle any step.
"""

from __future__ import annotations

import asyncio
import html
import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session
from telegram import CallbackQuery
from telegram.error import BadRequest, Forbidden, TelegramError

from bot import translation
from bot.channel import Incoming, Kind
from bot.gateway import DESK_COMMANDS, ChatView, Gateway, Pending, command_of
from bot.telegram import TelegramChannel, to_html
from puente import i18n, langid, settings
from records import chats, handoffs, outbox
from records.chats import as_utc
from records.models import Handoff, HandoffOutcome, HandoffState, Mediator, utcnow

log = logging.getLogger("puente.desk")
DESK_LANGUAGE = "es"  # mediators all read Spanish; their texts are `desk.*` in es.yml
LANGUAGE_NAMES = {"es": "español", "ht": "creole haitiano", "ar": "árabe"}
CLEANUP_EVERY = 60  # ticks between purges of old hand-off texts and cached translations
OUTCOMES = (HandoffOutcome.resolved, HandoffOutcome.referred, HandoffOutcome.no_answer)


def d(key: str, **values: object) -> str:
    """A desk text, as Telegram HTML (values escaped, *bold* kept)."""
    return to_html(i18n.t(DESK_LANGUAGE, f"desk.{key}", **values))


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code) or str(i18n.lookup(code, "meta.name") or code)


def topic_name(topic: str) -> str:
    label = i18n.lookup(DESK_LANGUAGE, f"topics.{topic}") if topic else None
    return str(label or i18n.t(DESK_LANGUAGE, "desk.no_topic"))


def first_name(name: str) -> str:
    return (name.split() or ["?"])[0]


@dataclass(frozen=True)
class MediatorView:
    id: int
    user_id: int
    name: str
    languages: tuple[str, ...]

    @classmethod
    def of(cls, mediator: Mediator) -> MediatorView:
        return cls(mediator.id, mediator.telegram_user_id, mediator.name, tuple(mediator.languages or ()))

    def reads(self, language: str) -> bool:
        return language == DESK_LANGUAGE or language in self.languages


@dataclass(frozen=True)
class HandoffView:
    id: int
    sender_id: str
    language: str
    topic: str
    state: HandoffState
    requested_at: datetime
    mediator: MediatorView | None
    transcript: tuple[dict[str, str], ...] = ()
    waiting: tuple[str, ...] = ()  # written while nobody held it yet

    @classmethod
    def of(cls, handoff: Handoff, session: Session | None = None) -> HandoffView:
        waiting = tuple(m.text for m in handoffs.unrelayed(session, handoff.id)) if session is not None else ()
        return cls(
            handoff.id, handoff.sender_id, handoff.language, handoff.topic, handoff.state,
            as_utc(handoff.requested_at) or utcnow(),
            MediatorView.of(handoff.mediator) if handoff.mediator else None,
            tuple(handoff.transcript or ()), waiting,
        )  # fmt: skip

    @property
    def channel(self) -> str:
        return self.sender_id.split(":", 1)[0]

    @property
    def address(self) -> str:
        return self.sender_id.split(":", 1)[1]


@dataclass
class Situation:
    """Who wrote: a mediator, or a person with an open hand-off (or neither)."""

    mediator: MediatorView | None = None
    handoff: HandoffView | None = None
    held: list[HandoffView] = field(default_factory=list)  # a mediator's conversations


def _situation(session: Session, chat: ChatView) -> Situation:
    if chat.channel == "telegram" and chat.address.lstrip("-").isdigit():
        mediator = handoffs.mediator_for(session, int(chat.address))
        if mediator is not None:
            return Situation(
                MediatorView.of(mediator), held=[HandoffView.of(h) for h in handoffs.held_by(session, mediator.id)]
            )
    handoff = handoffs.open_for(session, chat.sender_id)
    return Situation(handoff=HandoffView.of(handoff) if handoff else None)


class Desk:
    def __init__(
        self,
        gateway: Gateway,
        telegram: TelegramChannel,
        conf: settings.Handoff,
        translator: settings.Translator | None = None,
    ) -> None:
        assert conf.group_chat_id is not None
        self.gateway = gateway
        self.telegram = telegram
        self.conf = conf
        self.group = conf.group_chat_id
        self.hours = conf.hours()
        self.translator = translator
        self.ticks = 0

    # -- translation: never a reason to lose a message --------------------------------------------

    async def translate(self, text: str, source: str, target: str) -> translation.Translation | None:
        if source == target or not text.strip():
            return None
        try:
            return await translation.translate_async(
                text, source, target, conf=self.translator, engine=self.gateway.engine
            )
        except translation.TranslationUnavailable as error:
            log.warning("translation unavailable during a hand-off: %s", error)
            return None

    # -- what arrives in a conversation -------------------------------------------------------------

    async def take(self, chat: ChatView, message: Pending) -> bool | None:
        """Handles a message if it is the desk's: True when done, False to try again later, None
        when the bot should answer it (no mediator involved)."""
        situation = await self.gateway.db(lambda s: _situation(s, chat))
        command = command_of(message.text)
        if situation.mediator is not None:
            return await self._from_mediator(situation, message)
        if command in DESK_COMMANDS:
            await self.gateway.say(chat.sender_id, "handoff.not_mediator")
            return True
        handoff = situation.handoff
        if handoff is None or message.text == "/forget_me":  # erasing one's data is always the bot's
            return None
        if chat.awaiting_answer:  # and so is the one answer to its yes/no question ("erase all?")
            await self.gateway.db(lambda s: chats.await_answer(s, chat.sender_id, None))
            return None
        if handoff.state == HandoffState.requested:  # the bot answers meanwhile; the mediator will see it
            if message.text and not message.text.startswith("/"):
                await self.gateway.db(
                    lambda s: handoffs.add_message(s, handoff.id, from_mediator=False, text=message.text, relayed=False)
                )
            return None
        text = message.text
        if text.startswith("/"):  # a button pressed: the mediator reads what it was about
            text = f"[{topic_name(command_of(text))}]"
        return await self._to_mediator(handoff, text)

    async def _to_mediator(self, handoff: HandoffView, text: str) -> bool:
        mediator = handoff.mediator
        assert mediator is not None
        guess = langid.identify(text)
        source = guess.language if guess.strong and guess.language in i18n.languages() else handoff.language
        done = None if mediator.reads(source) else await self.translate(text, source, DESK_LANGUAGE)
        lines = [d("relay", id=handoff.id, text=text)]
        if not mediator.reads(source):
            lines.append(f"{d('translated', text=done.text)} <i>{d('machine')}</i>" if done else d("untranslated"))
        try:
            sent = await self.telegram.post(mediator.user_id, "\n".join(lines))
        except TelegramError as error:
            log.warning("could not relay to mediator %d: %s", mediator.id, error)
            return False
        await self.gateway.db(
            lambda s: (
                handoffs.add_message(
                    s, handoff.id, from_mediator=False, text=text, translation=done.text if done else None,
                    translated_by=done.backend if done else "", mediator_message_id=sent,
                ),
                handoffs.touch(s, handoff.id),
            )
        )  # fmt: skip
        return True

    async def take_media(self, incoming: Incoming) -> bool:
        """A photo, voice note or file during a hand-off: copied across where both sides are on
        Telegram, else the sender is told only text goes through. False: not the desk's."""
        if incoming.kind in (Kind.silent, Kind.edited):
            return False
        chat = ChatView(0, incoming.sender_id, incoming.channel, None, incoming.hint, False)
        situation = await self.gateway.db(lambda s: _situation(s, chat))
        message_id = int(incoming.metadata.get("message_id") or 0)
        if situation.mediator is not None:
            target = situation.held[0] if len(situation.held) == 1 else None
            if target is None:
                await self._to_person(situation, "", None)  # says which conversation, or that none is held
            elif target.channel == "telegram" and message_id:
                await self.telegram.copy(int(target.address), int(incoming.address), message_id)
                await self.gateway.db(lambda s: handoffs.touch(s, target.id))
            else:
                await self._tell(situation.mediator.user_id, d("text_only"))
            return True
        handoff = situation.handoff
        if handoff is None or handoff.state != HandoffState.held or handoff.mediator is None:
            return False
        if incoming.channel == "telegram" and message_id:
            await self._tell(handoff.mediator.user_id, d("media", id=handoff.id))
            await self.telegram.copy(handoff.mediator.user_id, int(incoming.address), message_id)
        else:
            await self._tell(handoff.mediator.user_id, d("media_whatsapp", id=handoff.id))
            self.gateway.spawn(self.gateway.say(incoming.sender_id, "handoff.text_only"))
        await self.gateway.db(lambda s: handoffs.touch(s, handoff.id))
        return True

    # -- the mediator's side ----------------------------------------------------------------------

    async def _from_mediator(self, situation: Situation, message: Pending) -> bool:
        mediator = situation.mediator
        assert mediator is not None
        text = message.text.strip()
        command = command_of(text)
        args = text.split()[1:]
        if command in ("end", "fin"):
            await self._ask_end(mediator, situation.held, args)
        elif command == "outcome" and len(args) == 2 and args[0].isdigit():
            await self._end(mediator, int(args[0]), args[1])
        elif command == "queue":
            await self._show_queue(mediator)
        elif command == "claim" and args and args[0].isdigit():
            await self._claim(int(args[0]), mediator.user_id, None)
        elif text.startswith("/"):
            await self._tell(mediator.user_id, d("help"))
        else:
            return await self._to_person(situation, text, message.metadata.get("reply_to"))
        return True

    async def _to_person(self, situation: Situation, text: str, reply_to: str | None) -> bool:
        mediator = situation.mediator
        assert mediator is not None
        target: HandoffView | None = None
        if reply_to and reply_to.isdigit():
            found = await self.gateway.db(
                lambda s: handoffs.replied_to(s, s.get_one(Mediator, mediator.id), int(reply_to))
            )
            target = HandoffView.of(found) if found else None
        if target is None and len(situation.held) == 1:
            target = situation.held[0]
        if target is None:  # never guess who a message is for
            if situation.held:
                ids = ", ".join(f"#{h.id}" for h in situation.held)
                await self._tell(mediator.user_id, d("which", count=len(situation.held), ids=ids))
            else:
                waiting = await self.gateway.db(lambda s: len(handoffs.waiting(s)))
                await self._tell(mediator.user_id, d("nothing_held", count=waiting))
            return True
        language = target.language
        guess = langid.identify(text)
        wrote_in = guess.language if guess.strong and guess.language in i18n.languages() else DESK_LANGUAGE
        done = None if wrote_in == language else await self.translate(text, wrote_in, language)
        body = i18n.t(
            language, "handoff.from_mediator", name=first_name(mediator.name), text=done.text if done else text
        )
        if done:
            body += "\n" + i18n.t(language, "handoff.machine_note")
        elif wrote_in != language:
            body += "\n" + i18n.t(language, "handoff.untranslated_note")
        await self.gateway.db(
            lambda s: (
                handoffs.add_message(
                    s, target.id, from_mediator=True, text=text, translation=done.text if done else None,
                    translated_by=done.backend if done else "",
                ),
                outbox.queue(s, target.sender_id, language, "handoff", body),
                handoffs.touch(s, target.id),
            )
        )  # fmt: skip
        self.gateway.spawn(self.gateway.deliver_outbox(target.sender_id))
        if wrote_in != language and not done:
            await self._tell(mediator.user_id, d("sent_untranslated", id=target.id))
        return True

    async def _ask_end(self, mediator: MediatorView, held: list[HandoffView], args: list[str]) -> None:
        if args and args[0].lstrip("#").isdigit():
            chosen = [h for h in held if h.id == int(args[0].lstrip("#"))]
        else:
            chosen = held if len(held) == 1 else []
        if chosen:
            handoff = chosen[0]
            buttons = [
                (i18n.t(DESK_LANGUAGE, f"desk.outcomes.{o.value}"), f"/outcome {handoff.id} {o.value}")
                for o in OUTCOMES
            ]
            await self._tell(mediator.user_id, d("outcome_ask", id=handoff.id), buttons)
        elif held:
            buttons = [(f"#{h.id} · {language_name(h.language)} · {topic_name(h.topic)}", f"/end {h.id}") for h in held]
            await self._tell(mediator.user_id, d("end_which"), buttons)
        else:
            waiting = await self.gateway.db(lambda s: len(handoffs.waiting(s)))
            await self._tell(mediator.user_id, d("nothing_held", count=waiting))

    async def _end(self, mediator: MediatorView, handoff_id: int, outcome_name: str) -> None:
        if outcome_name not in {o.value for o in OUTCOMES}:
            await self._tell(mediator.user_id, d("help"))
            return
        outcome = HandoffOutcome(outcome_name)

        def close(session: Session) -> HandoffView | None:
            handoff = session.get(Handoff, handoff_id)
            if handoff is None or handoff.mediator_id != mediator.id or not handoffs.end(session, handoff_id, outcome):
                return None
            session.refresh(handoff)
            view = HandoffView.of(handoff)
            body = i18n.t(view.language, "handoff.ended", name=first_name(mediator.name))
            outbox.queue(session, view.sender_id, view.language, "handoff", body)
            return view

        closed = await self.gateway.db(close)
        if closed is None:
            await self._tell(mediator.user_id, d("already_ended", id=handoff_id))
            return
        self.gateway.spawn(self.gateway.deliver_outbox(closed.sender_id))
        label = i18n.t(DESK_LANGUAGE, f"desk.outcomes.{outcome.value}")
        await self._tell(mediator.user_id, d("ended", id=handoff_id, outcome=label))

    async def _show_queue(self, mediator: MediatorView) -> None:
        waiting = await self.gateway.db(lambda s: [HandoffView.of(h) for h in handoffs.waiting(s)])
        if not waiting:
            await self._tell(mediator.user_id, d("queue_empty"))
            return
        now = utcnow()
        lines, buttons = [], []
        for h in waiting[:10]:
            minutes = int((now - h.requested_at).total_seconds() // 60)
            lines.append(
                d("queue_item", id=h.id, lang=language_name(h.language), topic=topic_name(h.topic), minutes=minutes)
            )
            buttons.append((i18n.t(DESK_LANGUAGE, "desk.claim", id=h.id), f"/claim {h.id}"))
        await self._tell(mediator.user_id, "\n".join(lines), buttons)

    async def _tell(self, chat_id: int, html_text: str, buttons: list[tuple[str, str]] | None = None) -> int | None:
        try:
            return await self.telegram.post(chat_id, html_text, buttons)
        except TelegramError as error:
            log.warning("could not write to chat %s: %s", chat_id, error)
            return None

    # -- claiming -------------------------------------------------------------------------------------

    @staticmethod
    def is_claim(data: str) -> bool:
        return command_of(data) == "claim"

    async def claim_pressed(self, query: CallbackQuery) -> None:
        """A Claim button: in the group or in a mediator's /queue list."""
        parts = (query.data or "").split()
        if len(parts) != 2 or not parts[1].isdigit():
            await _answer(query, None)
            return
        await self._claim(int(parts[1]), query.from_user.id, query)

    async def _claim(self, handoff_id: int, user_id: int, query: CallbackQuery | None) -> None:
        def attempt(session: Session) -> tuple[str, HandoffView | None, MediatorView | None]:
            mediator = handoffs.mediator_for(session, user_id)
            if mediator is None:
                return "not_mediator", None, None
            won = handoffs.claim(session, handoff_id, mediator)
            handoff = session.get(Handoff, handoff_id)
            if handoff is None:
                return "closed", None, MediatorView.of(mediator)
            session.refresh(handoff)
            view = HandoffView.of(handoff, session)
            if won:
                return "won", view, MediatorView.of(mediator)
            return ("closed" if handoff.state == HandoffState.ended else "taken"), view, MediatorView.of(mediator)

        result, handoff, mediator = await self.gateway.db(attempt)
        holder = first_name(handoff.mediator.name) if handoff and handoff.mediator else "?"
        alerts = {
            "not_mediator": i18n.t(DESK_LANGUAGE, "desk.not_mediator_alert"),
            "closed": i18n.t(DESK_LANGUAGE, "desk.closed_alert"),
            "taken": i18n.t(DESK_LANGUAGE, "desk.taken_alert", name=holder),
            "won": i18n.t(DESK_LANGUAGE, "desk.yours_alert"),
        }
        if query is not None:
            await _answer(query, alerts[result], alert=result != "won")
        elif mediator is not None and result != "won":
            await self._tell(mediator.user_id, to_html(alerts[result]))
        if result != "won":
            return
        assert handoff is not None and mediator is not None
        try:
            await self._brief(handoff, mediator)
        except (Forbidden, BadRequest) as error:  # the mediator never opened a private chat with the bot
            log.info("mediator %d unreachable in private: %s", mediator.id, error)
            await self.gateway.db(lambda s: handoffs.unclaim(s, handoff.id, mediator.id))
            await self._tell(self.group, d("open_private", name=first_name(mediator.name), id=handoff.id))
            return
        taken = d("taken", id=handoff.id, lang=language_name(handoff.language), topic=topic_name(handoff.topic),
                  name=first_name(mediator.name))  # fmt: skip
        if query is not None and query.message is not None and query.message.chat.id == self.group:
            await self.telegram.edit(self.group, query.message.message_id, taken)
        else:
            await self._tell(self.group, taken)

        def joined(session: Session) -> None:
            handoffs.mark_relayed(session, handoff.id)
            body = i18n.t(handoff.language, "handoff.joined", name=first_name(mediator.name))
            outbox.queue(session, handoff.sender_id, handoff.language, "handoff", body)

        await self.gateway.db(joined)
        self.gateway.spawn(self.gateway.deliver_outbox(handoff.sender_id))

    async def _brief(self, handoff: HandoffView, mediator: MediatorView) -> None:
        """The mediator's first message: who, what about, the last turns, how to end."""
        language = language_name(handoff.language)
        lines = [d("claimed", id=handoff.id, lang=language, topic=topic_name(handoff.topic))]
        translate = not mediator.reads(handoff.language)
        lines.append(d("will_translate", lang=language) if translate else d("same_language", lang=language))
        sections = [("history", [(t.get("who", "person"), t.get("text", "")) for t in handoff.transcript]),
                    ("while_waiting", [("person", text) for text in handoff.waiting])]  # fmt: skip
        for title, turns in sections:
            if not turns:
                continue
            versions = await asyncio.gather(
                *(self.translate(text, handoff.language, DESK_LANGUAGE) if translate else _none() for _, text in turns)
            )
            lines.append("\n" + d(title))
            for (who, text), version in zip(turns, versions, strict=True):
                lines.append(d("bot" if who == "bot" else "person", text=text))
                if version is not None:
                    lines.append(f"   {d('translated', text=version.text)} <i>{d('machine')}</i>")
                elif translate:
                    lines.append(f"   {d('untranslated')}")
        lines.append("\n" + d("how_to_end"))
        await self.telegram.post(mediator.user_id, "\n".join(lines))

    # -- the background round: announce, remind, time out, clean up -------------------------------

    async def tick(self) -> None:
        await self._announce()
        await self._remind()
        await self._time_out()
        self.ticks += 1
        if self.ticks % CLEANUP_EVERY == 1:
            await self.gateway.db(lambda s: handoffs.purge(s, self.conf.keep_days))
            await self.gateway.db(lambda s: translation.purge_cache(s, self.conf.keep_days))

    async def _post_request(self, handoff: HandoffView, key: str, **values: object) -> None:
        mediators = await self.gateway.db(
            lambda s: [MediatorView.of(m) for m in handoffs.speakers_of(s, handoff.language)]
        )
        speakers = [m for m in mediators if m.reads(handoff.language)]
        others = [m for m in mediators if not m.reads(handoff.language)]
        language = language_name(handoff.language)
        local = handoff.requested_at.astimezone(self.hours.tz).strftime("%H:%M")
        lines = [d(key, id=handoff.id, lang=language, topic=topic_name(handoff.topic), time=local, **values)]
        if speakers:
            lines.append(f"{d('speakers', lang=language)} {_mentions(speakers)}")
        if others:
            lines.append(f"{d('others')} {_mentions(others)}")
        await self.telegram.post(
            self.group, "\n".join(lines), [(i18n.t(DESK_LANGUAGE, "desk.claim", id=handoff.id), f"/claim {handoff.id}")]
        )

    async def _announce(self) -> None:
        fresh = await self.gateway.db(lambda s: [HandoffView.of(h) for h in handoffs.to_announce(s)])
        for handoff in fresh:
            try:
                await self._post_request(handoff, "request")
            except TelegramError as error:
                log.warning("could not post request %d to the mediators' group: %s", handoff.id, error)
                await self.gateway.db(lambda s, i=handoff.id: handoffs.unannounce(s, i))

    async def _remind(self) -> None:
        if not self.hours.is_open(utcnow()):
            return  # nobody is there to read it; the first round after opening reminds them

        def due(session: Session) -> list[HandoffView]:
            minutes = self.conf.remind_minutes
            return [
                HandoffView.of(h)
                for h in handoffs.unclaimed_since(session, minutes)
                if handoffs.mark_reminded(session, h, minutes)
            ]

        for handoff in await self.gateway.db(due):
            minutes = int((utcnow() - handoff.requested_at).total_seconds() // 60)
            try:
                await self._post_request(handoff, "reminder", minutes=minutes)
            except TelegramError as error:
                log.warning("could not remind request %d: %s", handoff.id, error)

    async def _time_out(self) -> None:
        def close(session: Session) -> tuple[list[HandoffView], list[HandoffView]]:
            idle = [h for h in handoffs.idle_since(session, self.conf.idle_minutes) if h.state == HandoffState.held]
            unclaimed = handoffs.unclaimed_for(session, self.conf.expire_hours)
            closed: tuple[list[HandoffView], list[HandoffView]] = ([], [])
            for group, key, found in (
                (closed[0], "handoff.timed_out", idle),
                (closed[1], "handoff.unanswered", unclaimed),
            ):
                for handoff in found:
                    view = HandoffView.of(handoff)
                    if handoffs.end(session, handoff.id, HandoffOutcome.timed_out):
                        outbox.queue(session, view.sender_id, view.language, "handoff", i18n.t(view.language, key))
                        group.append(view)
            return closed

        idle, unclaimed = await self.gateway.db(close)
        for handoff in idle:
            self.gateway.spawn(self.gateway.deliver_outbox(handoff.sender_id))
            if handoff.mediator is not None:
                await self._tell(
                    handoff.mediator.user_id, d("timed_out", id=handoff.id, minutes=int(self.conf.idle_minutes))
                )
        for handoff in unclaimed:
            self.gateway.spawn(self.gateway.deliver_outbox(handoff.sender_id))
            await self._tell(self.group, d("expired", id=handoff.id))


def _mentions(mediators: list[MediatorView]) -> str:
    return ", ".join(f'<a href="tg://user?id={m.user_id}">{html.escape(m.name)}</a>' for m in mediators)


async def _none() -> None:
    return None


async def _answer(query: CallbackQuery, text: str | None, alert: bool = False) -> None:
    try:
        await query.answer(text=text[:200] if text else None, show_alert=alert)
    except TelegramError:
        log.debug("answerCallbackQuery failed", exc_info=True)

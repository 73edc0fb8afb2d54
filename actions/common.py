"""What every action shares: the reader's language, catalog texts, buttons, and safe record access."""

from __future__ import annotations

import json
import logging
import re
from abc import ABC, abstractmethod
from functools import cache
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from puente import i18n, settings
from rasa_plugins.normalize import fold
from records import chats
from records.db import unit_of_work

logger = logging.getLogger(__name__)

Button = dict[str, str]


def language(tracker: Tracker) -> str:
    return i18n.supported(tracker.get_slot("language"))


def payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False)}" if entities else f"/{intent}"


def button(title: str, intent: str, **entities: str) -> Button:
    return {"title": title, "payload": payload(intent, **entities)}


def reply_button(title: str, text: str) -> Button:
    """A button that answers a form question as if the person had typed `text`."""
    return {"title": title, "payload": text}


def yes_no(lang: str) -> list[Button]:
    return [button(i18n.t(lang, "common.yes"), "affirm"), button(i18n.t(lang, "common.no"), "deny")]


COURTESY_FILE = "courtesy.yml"  # greet, goodbye, thank, affirm, deny in every language
ANNOTATION = re.compile(r"\[([^\]]+)\](?:\{[^}]*\}|\([^)]*\))")


def folded(text: str) -> str:
    return " ".join(fold(w) for w in re.findall(r"[^\W_]+", text.lower(), re.UNICODE))


@cache
def training_examples(file_name: str) -> dict[str, frozenset[str]]:
    """The examples of `nlu/<every language>/<file_name>`, folded, by intent: what people say."""
    found: dict[str, set[str]] = {}
    for path in (settings.ROOT / "nlu").glob(f"*/{file_name}"):
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
            lines = str(block.get("examples") or "").splitlines()
            examples = {folded(ANNOTATION.sub(r"\1", line.strip().removeprefix("- "))) for line in lines}
            found.setdefault(str(block.get("intent")), set()).update(examples - {""})
    return {intent: frozenset(examples) for intent, examples in found.items()}


def chosen_option(text: str | None, options: list[str]) -> int | None:
    """The option (1-based) an answer names by typing its title, or its beginning of two words or
    more ("menos de 500" for "Menos de $500.000"), when exactly one option matches."""
    typed = folded(text or "")
    if not typed:
        return None
    matches = [
        i
        for i, option in enumerate(options, 1)
        if folded(option) == typed or (len(typed.split()) >= 2 and folded(option).startswith(typed))
    ]
    return matches[0] if len(matches) == 1 else None


def yes_or_no(tracker: Tracker) -> bool | None:
    """A yes/no answer to a form question: the intent of the reply, else its first word when that
    word alone is a yes or a no ("non pa kounya, m ap pase biwo a" to the consent question)."""
    message = tracker.latest_message or {}
    answer = {"affirm": True, "deny": False}.get(((message.get("intent") or {}).get("name")) or "")
    if answer is not None:
        return answer
    words = folded(message.get("text") or "").split()
    if not words:
        return None
    examples = training_examples(COURTESY_FILE)
    if words[0] in examples.get("deny", ()):
        return False
    return True if words[0] in examples.get("affirm", ()) else None


def answers_question(tracker: Tracker, *question_actions: str) -> bool:
    """The latest message replies to a question one of `question_actions` asked (nothing else
    happened in between).

    Erasing data or cancelling a seat needs a yes to that very question, not a stray "ok" later.
    """
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") not in ("action_listen", "action_extract_slots", None):
            return event.get("name") in question_actions
    return False


def answer_to(tracker: Tracker, slot: str) -> str | None:
    """The text of the latest message if it replies to the form's question for `slot`.

    Form slots are read by what the answer looks like (a name, a number, a yes), not by the NLU
    intent: names and numbers get arbitrary confident intents. Anything that does not look like an
    answer is left alone, the form is interrupted, and the rules answer it (stories/rules.yml).
    """
    if tracker.get_slot("requested_slot") != slot:
        return None
    text = ((tracker.latest_message or {}).get("text") or "").strip()
    return text or None


def said_before(tracker: Tracker, key: str) -> bool:
    """The bot has said the text `key` in this conversation."""
    return any(e.get("event") == "bot" and (e.get("metadata") or {}).get("key") == key for e in tracker.events)


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    return next(tracker.get_latest_entity_values(entity), None)


def channel_phone(tracker: Tracker) -> str | None:
    """On WhatsApp the sender id is the phone number: never ask for it again."""
    sender = tracker.sender_id or ""
    return "+" + sender.split(":", 1)[1] if sender.startswith("whatsapp:") else None


class Say:
    """Utters catalog texts in the conversation's language."""

    def __init__(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
        self.dispatcher = dispatcher
        self.lang = language(tracker)

    def t(self, key: str, **values: Any) -> str:
        return i18n.t(self.lang, key, **values)

    def __call__(self, key: str, buttons: list[Button] | None = None, **values: Any) -> None:
        self.text(self.t(key, **values), buttons, key=key)

    def text(self, text: str, buttons: list[Button] | None = None, *, key: str) -> None:
        """`key` names what was said (a catalog key, or what a built text is): Rasa keeps it in the
        bot event's metadata, so tests and indicators read turns by meaning, not by wording. The
        REST channel does not pass it on to people."""
        self.dispatcher.utter_message(text=text, buttons=buttons or [], key=key)

    def iso(self, value: object) -> str:
        return i18n.isolate(value, self.lang)


def tell_gateway_of_questions(tracker: Tracker, events: list[dict[str, Any]]) -> None:
    """Whether a yes/no question of the bot is open after these events (`pending_confirmation`):
    the gateway then sends the next message to the bot even during a hand-off, so "yes" to
    "erase all your data?" erases instead of reaching the mediator."""
    changes = [e for e in events if e.get("event") == "slot" and e.get("name") == "pending_confirmation"]
    if not changes:
        return
    try:
        with unit_of_work() as session:
            chats.await_answer(session, tracker.sender_id, changes[-1].get("value"))
    except SQLAlchemyError:
        logger.warning("could not record the bot's open question", exc_info=True)


class RecordsAction(Action, ABC):
    """An action over the records. If the database fails, the transaction is rolled back whole
    and the person is told, in their language, to try again or call the office."""

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say = Say(dispatcher, tracker)
        try:
            events = self.act(say, tracker, domain)
        except SQLAlchemyError:
            logger.exception("records unavailable in %s", self.name())
            dispatcher.messages.clear()  # nothing half-said about a change that did not happen
            say("errors.records_down")
            return []
        tell_gateway_of_questions(tracker, events)
        return events

    @abstractmethod
    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]: ...


DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def parse_int(text: str | None, lang: str, largest: bool = False) -> int | None:
    """A whole number as people type it: "3", "٣", "somos 4", or a number word of the
    conversation's language ("tres", "twa", "ثلاثة") when that is the whole answer.
    Several numbers are no answer, unless `largest` says the biggest one counts (a total)."""
    if not text:
        return None
    cleaned = text.translate(DIGITS).strip().lower().rstrip(".!?")
    numbers = re.findall(r"\d+", cleaned)
    if numbers and all(len(n) <= 3 for n in numbers) and (len(numbers) == 1 or largest):
        return max(int(n) for n in numbers)
    words = {fold(str(k)): int(v) for k, v in (i18n.lookup(lang, "common.numbers") or {}).items()}
    ordinals = {fold(str(k)): int(v) for k, v in (i18n.lookup(lang, "common.ordinals") or {}).items()}
    words |= ordinals
    tokens = [fold(t) for t in re.findall(r"[^\W\d_]+", cleaned)]
    if numbers or not tokens:
        return None
    if len(tokens) == 1:
        return words.get(tokens[0])
    # A number word in a short answer ("el dos", "نحنا خمسة", "la segunda"); "one" in a phrase is
    # too often an article ("una pregunta") to count.
    found = {words[t] for t in tokens if t in words and (words[t] != 1 or t in ordinals)}
    return found.pop() if len(tokens) <= 6 and len(found) == 1 else None

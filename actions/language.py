"""Keeps the `language` slot right on every message (a custom slot mapping runs this action)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import button, said_before
from puente import i18n, langid
from records import chats
from records.db import unit_of_work

log = logging.getLogger(__name__)
OFFER = "language.offer"
OFFER_SLOT = "language_offer"


def decide(tracker: Tracker) -> langid.Decision:
    """A language button, else what the message says (puente/langid.py: a choice, a refusal,
    strong evidence), else the conversation's language, else the channel hint."""
    message = tracker.latest_message or {}
    current = tracker.get_slot("language") or remembered(tracker)
    text = message.get("text") or ""
    chosen = next(tracker.get_latest_entity_values("language"), None)
    if text.startswith("/"):  # a button payload says nothing about the language, but may choose it
        if chosen in i18n.languages():
            return langid.Decision(str(chosen), "choice")
        text = ""
    hint = (message.get("metadata") or {}).get("language_hint")
    decision = langid.decide(text, current, hint)
    intent = (message.get("intent") or {}).get("name")
    if intent == "choose_language" and chosen in i18n.languages() and decision.reason not in ("choice", "refusal"):
        return langid.Decision(str(chosen), "choice")
    return decision


def remembered(tracker: Tracker) -> str | None:
    """The language the earlier messages settled on, for when the slot has lost it: Rasa's
    two-stage fallback reverts the events of a misunderstood message, its language included."""
    language = None
    for event in [e for e in tracker.events if e.get("event") == "user"][:-1]:
        text = event.get("text") or ""
        if text.startswith("/"):  # a language button
            entities = (event.get("parse_data") or {}).get("entities") or []
            chosen = next((e.get("value") for e in entities if e.get("entity") == "language"), None)
            language = chosen if chosen in i18n.languages() else language
        elif langid.identify(text).language:
            language = langid.choose(text, language)
    return language


def offer(dispatcher: CollectingDispatcher) -> None:
    """The language buttons, asked in every language (for a French or English writer)."""
    text = "\n".join(i18n.t(code, OFFER) for code in i18n.languages())
    buttons = [
        button(str(i18n.lookup(code, "meta.name")), "choose_language", language=code) for code in i18n.languages()
    ]
    dispatcher.utter_message(text=text, buttons=buttons, key=OFFER)


class ActionDetectLanguage(Action):
    def name(self) -> str:
        return "action_detect_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        decision = decide(tracker)
        events: list[dict[str, Any]] = []
        if decision.offer_choice and not said_before(tracker, OFFER):
            events.append(SlotSet(OFFER_SLOT, True))
        lang = decision.language
        if lang == tracker.get_slot("language"):
            return events
        try:  # the gateway's own messages (a sticker reply, a notification) follow the conversation
            with unit_of_work() as session:
                chats.remember_language(session, tracker.sender_id, lang)
        except SQLAlchemyError:
            log.warning("could not record the language of a conversation", exc_info=True)
        return [*events, SlotSet("language", lang)]


class ActionValidateSlotMappings(Action):
    """Runs after the slot mappings on every message: the one place where Rasa passes on a message
    said while reading the slots (it drops those of the mapping actions themselves)."""

    def name(self) -> str:
        return "action_validate_slot_mappings"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if not tracker.get_slot(OFFER_SLOT):
            return []
        offer(dispatcher)
        return [SlotSet(OFFER_SLOT, None)]

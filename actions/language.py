"""Keeps the `language` slot right on every message (a custom slot mapping runs this action)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from puente import i18n, langid
from records import chats
from records.db import unit_of_work

log = logging.getLogger(__name__)


def detect(tracker: Tracker) -> str:
    """Explicit choice, else the message's language, else the current one, else the channel hint."""
    message = tracker.latest_message or {}
    current = tracker.get_slot("language")
    intent = (message.get("intent") or {}).get("name")
    chosen = next(tracker.get_latest_entity_values("language"), None)
    if intent == "choose_language" and chosen in i18n.languages():
        return str(chosen)
    text = message.get("text") or ""
    if text.startswith("/"):  # a button payload says nothing about the language
        text = ""
    hint = (message.get("metadata") or {}).get("language_hint")
    return langid.choose(text, current, hint)


class ActionDetectLanguage(Action):
    def name(self) -> str:
        return "action_detect_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        lang = detect(tracker)
        if lang == tracker.get_slot("language"):
            return []
        try:  # the gateway's own messages (a sticker reply, a notification) follow the conversation
            with unit_of_work() as session:
                chats.remember_language(session, tracker.sender_id, lang)
        except SQLAlchemyError:
            log.warning("could not record the language of a conversation", exc_info=True)
        return [SlotSet("language", lang)]

"""When the bot is not sure: offer the two likeliest topics, then the menu and a person. Never guess."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction
from rasa_sdk.types import DomainDict

from actions.common import RecordsAction, Say, button
from actions.handoff import office_contact, request_mediator
from actions.menu import menu_buttons

log = logging.getLogger(__name__)

# Intents worth offering as a topic; courtesy intents are not topics.
TOPICS = (
    "ask_service_info",
    "workshop_list",
    "workshop_enrol",
    "workshop_cancel",
    "workshop_status",
    "lease_guarantee_info",
    "lease_guarantee_apply",
    "lease_guarantee_status",
    "request_human",
    "forget_me",
    "help",
    "choose_language",
)


def likeliest(tracker: Tracker, n: int = 2) -> list[str]:
    ranking = (tracker.latest_message or {}).get("intent_ranking") or []
    return [r["name"] for r in ranking if r.get("name") in TOPICS][:n]


NOT_ANSWERS = ("action_listen", "action_extract_slots", "action_session_start", None)
FALLBACK_STAGES = (
    "action_two_stage_fallback",
    "action_default_ask_affirmation",
    "action_default_ask_rephrase",
    "action_default_fallback",
)


def misunderstood_before(tracker: Tracker) -> bool:
    """Whether the fallback also answered the person's previous message. Rasa gives up after two
    `nlu_fallback` messages in a row, but a form answer (a name, a phone) has that intent too while
    it was understood perfectly: that is no second misunderstanding."""
    users = 0
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            users += 1
            if users == 2:
                return False
        elif users == 1 and event.get("event") == "action" and event.get("name") in FALLBACK_STAGES:
            return True
    return False


def answered_this_turn(tracker: Tracker) -> str | None:
    """The action that already answered the latest message, if one did."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return None
        if event.get("event") == "action" and event.get("name") not in NOT_ANSWERS:
            return str(event["name"])
    return None


class ActionAskAffirmation(RecordsAction):
    """Rasa's two-stage fallback, first stage: "did you mean one of these?"."""

    def name(self) -> str:
        return "action_default_ask_affirmation"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        if not any(ch.isalnum() for ch in text):  # emoji, stickers' alt text, "...": nothing to guess from
            say("fallback.no_words", buttons=menu_buttons(say))
            return []
        entities = {e["entity"]: str(e["value"]) for e in (tracker.latest_message or {}).get("entities", [])}
        buttons = [button(say.t(f"topics.{intent}"), intent, **entities) for intent in likeliest(tracker)]
        buttons.append(button(say.t("fallback.something_else"), "out_of_scope"))
        say("fallback.did_you_mean", buttons=buttons)
        return []


class ActionAskRephrase(RecordsAction):
    """After "something else": other words, or the menu, or a person (a button of the menu)."""

    def name(self) -> str:
        return "action_default_ask_rephrase"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say("fallback.rephrase", buttons=menu_buttons(say))
        return []


class ActionDefaultFallback(RecordsAction):
    """Two turns in a row not understood (or a "something else" after the guesses): a mediator
    is asked to join. Where none can (or no rule fits a clear message): the menu and the contact."""

    def name(self) -> str:
        return "action_default_fallback"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        answered_by = answered_this_turn(tracker)
        if answered_by:
            # A rule that does not end by listening (Rasa then predicts this fallback): the message
            # was answered, so listen instead of telling the person they were not understood.
            log.error("dialogue dead end after %s: no rule ends by listening", answered_by)
            return [FollowupAction("action_listen")]
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        if intent == "nlu_fallback" and not misunderstood_before(tracker):
            return ActionAskAffirmation().act(say, tracker, domain)  # the first stage, not giving up
        if intent in ("nlu_fallback", "out_of_scope"):
            say("handoff.not_understood")
            if request_mediator(say, tracker):
                return []
            say.dispatcher.messages.clear()
        say("fallback.give_up", buttons=menu_buttons(say))
        office_contact(say)
        return []

"""A yes or a no to the bot: it acts only on the question just asked (erase my data, cancel my
seat); a yes to an older question asks it again; with nothing pending, the menu.

One action per answer decides from the `pending_confirmation` slot, so no rule depends on a slot
an action changes: every rule ends by listening (a rule conditioned on a slot its own action
resets never matched its end, and Rasa filled the turn with fallbacks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict

from actions.common import RecordsAction, Say, answers_question
from actions.menu import menu_buttons
from actions.privacy import ActionConfirmForget, forget
from actions.workshops import ActionWorkshopCancelAsk, cancel

Do = Callable[[Say, Tracker], list[dict[str, Any]]]

# What may be pending: the action that asks the question, and what a yes to it does.
CONFIRMATIONS: dict[str, tuple[type[RecordsAction], Do]] = {
    "forget_me": (ActionConfirmForget, forget),
    "workshop_cancel": (ActionWorkshopCancelAsk, cancel),
}
CLEARED = [SlotSet("pending_confirmation", None), SlotSet("cancel_code", None)]


def pending(tracker: Tracker) -> tuple[type[RecordsAction], Do] | None:
    return CONFIRMATIONS.get(tracker.get_slot("pending_confirmation") or "")


def just_asked(tracker: Tracker, ask: type[RecordsAction]) -> bool:
    # A question re-asked by a yes to an older one was asked by action_yes itself.
    return answers_question(tracker, ask().name(), ActionYes.NAME)


class ActionYes(RecordsAction):
    NAME = "action_yes"

    def name(self) -> str:
        return self.NAME

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        confirmation = pending(tracker)
        if confirmation is None:
            say("menu.intro", buttons=menu_buttons(say))
            return []
        ask, do = confirmation
        if not just_asked(tracker, ask):
            return ask().act(say, tracker, domain)
        return do(say, tracker)


class ActionNo(RecordsAction):
    def name(self) -> str:
        return "action_no"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        confirmation = pending(tracker)
        if confirmation is not None and just_asked(tracker, confirmation[0]):
            say("common.nothing_changed")
            return CLEARED
        say("menu.intro", buttons=menu_buttons(say))
        return CLEARED if confirmation else []

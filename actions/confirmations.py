"""A yes or a no to the bot: it acts only on the question just asked (erase my data, cancel my
seat, apply for the lease guarantee); a yes to an older question asks it again; with nothing
pending, the menu.

One action per answer decides from the `pending_confirmation` slot, so no rule depends on a slot
an action changes: every rule ends by listening (a rule conditioned on a slot its own action
resets never matched its end, and Rasa filled the turn with fallbacks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.types import DomainDict

from actions.common import RecordsAction, Say, answers_question
from actions.lease import ActionLeaseInfo
from actions.menu import menu_buttons
from actions.privacy import ActionConfirmForget, forget
from actions.workshops import ActionWorkshopCancelAsk, cancel

CLEARED = [SlotSet("pending_confirmation", None), SlotSet("cancel_code", None)]


@dataclass(frozen=True)
class Confirmation:
    ask: type[RecordsAction]  # the action that asks the question (and sets the slot)
    do: Callable[[Say, Tracker], list[dict[str, Any]]]  # what a yes to it does
    declined: str | None = "common.nothing_changed"  # what a no to it says (None: the menu)
    # A yes to an older question: asked again where acting matters (erase, cancel); else the menu.
    stale_asks_again: bool = True


def start_lease_form(say: Say, tracker: Tracker) -> list[dict[str, Any]]:
    return [*CLEARED, FollowupAction("lease_form")]


# What may be pending (the values of the `pending_confirmation` slot).
CONFIRMATIONS = {
    "forget_me": Confirmation(ActionConfirmForget, forget),
    "workshop_cancel": Confirmation(ActionWorkshopCancelAsk, cancel),
    "lease_apply": Confirmation(ActionLeaseInfo, start_lease_form, declined=None, stale_asks_again=False),
}


def pending(tracker: Tracker) -> Confirmation | None:
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
        if confirmation is not None and just_asked(tracker, confirmation.ask):
            return confirmation.do(say, tracker)
        if confirmation is not None and confirmation.stale_asks_again:
            return confirmation.ask().act(say, tracker, domain)
        say("menu.intro", buttons=menu_buttons(say))
        return CLEARED if confirmation else []


class ActionNo(RecordsAction):
    def name(self) -> str:
        return "action_no"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        confirmation = pending(tracker)
        if confirmation is not None and just_asked(tracker, confirmation.ask) and confirmation.declined:
            say(confirmation.declined)
            return CLEARED
        say("menu.intro", buttons=menu_buttons(say))
        return CLEARED if confirmation else []

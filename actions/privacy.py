"""Forgetting a person: confirm first, then erase their records and (see rasa_plugins) the tracker."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict

from actions.common import RecordsAction, Say, yes_no
from records import residents
from records.db import unit_of_work

# Set when the records are erased; the tracker store then drops the whole conversation.
ERASED_SLOT = "data_erased"


class ActionConfirmForget(RecordsAction):
    def name(self) -> str:
        return "action_confirm_forget"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say("privacy.confirm_forget", buttons=yes_no(say.lang))
        return [SlotSet("pending_confirmation", "forget_me")]


def forget(say: Say, tracker: Tracker) -> list[dict[str, Any]]:
    """The yes to `action_confirm_forget` (see actions/confirmations.py)."""
    with unit_of_work() as session:
        residents.erase(session, tracker.sender_id)
    say("privacy.forgotten")
    return [SlotSet("pending_confirmation", None), SlotSet(ERASED_SLOT, True)]

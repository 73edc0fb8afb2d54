"""Forgetting a person: confirm first, then erase their records and (see rasa_plugins) the tracker."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.types import DomainDict

from actions.common import RecordsAction, Say, answers_question, yes_no
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


class ActionForgetMe(RecordsAction):
    def name(self) -> str:
        return "action_forget_me"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if not answers_question(tracker, "action_confirm_forget", self.name()):
            return ActionConfirmForget().act(say, tracker, domain)  # a yes to this question, or nothing
        with unit_of_work() as session:
            residents.erase(session, tracker.sender_id)
        say("privacy.forgotten")
        return [SlotSet("pending_confirmation", None), SlotSet(ERASED_SLOT, True)]


class ActionConfirmationDeclined(RecordsAction):
    """A "no" to a pending confirmation (erase my data, cancel my seat): nothing changes."""

    def name(self) -> str:
        return "action_confirmation_declined"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say("common.nothing_changed")
        return [SlotSet("pending_confirmation", None), SlotSet("cancel_code", None)]

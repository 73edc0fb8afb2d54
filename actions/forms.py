"""Leaving a form half-way: nothing is kept and the next question is answered normally."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import lease, workshops
from actions.common import Say

FORM_SLOTS = tuple(dict.fromkeys(workshops.FORM_SLOTS + lease.FORM_SLOTS))


class ActionStopForm(Action):
    def name(self) -> str:
        return "action_stop_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        Say(dispatcher, tracker)("forms.stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + [SlotSet(s, None) for s in FORM_SLOTS]

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


# A "no" to the consent question is its answer, not a wish to stop: where to go instead.
REFUSED = {"enrol_form": "privacy.refused_enrol", "lease_form": "privacy.refused_lease"}

# What to say when a reply does not look like an answer to the question just asked.
HINTS = {
    "privacy_consent": "privacy.yes_or_no",
    "waitlist_ok": "privacy.yes_or_no",
    "workshop": "workshops.which_unknown",
    "workshop_session": "workshops.pick_number",
    "resident_name": "people.bad_name",
    "resident_phone": "people.bad_phone",
    "household_size": "lease.bad_household",
    "income_band": "lease.bad_income",
}


class ActionFormHint(Action):
    """The reply was not an answer (a greeting, a thanks, something unclear): say what is needed;
    the form then asks its question again. "No" stops the form (see stories/rules.yml)."""

    def name(self) -> str:
        return "action_form_hint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say = Say(dispatcher, tracker)
        key = HINTS.get(tracker.get_slot("requested_slot") or "")
        if key:
            say(key)
        say("forms.how_to_stop")
        return []


class ActionStopForm(Action):
    def name(self) -> str:
        return "action_stop_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say = Say(dispatcher, tracker)
        if tracker.get_slot("requested_slot") == "privacy_consent":  # a "no" to keeping data: the answer
            say(REFUSED.get(tracker.active_loop_name or "", "forms.stopped"))
        else:
            say("forms.stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None)] + [SlotSet(s, None) for s in FORM_SLOTS]

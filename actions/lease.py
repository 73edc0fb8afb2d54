"""The municipal lease guarantee: what it is, applying (form), and the state of one's application."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.common import (
    RecordsAction,
    Say,
    answer_to,
    button,
    chosen_option,
    language,
    parse_int,
    reply_button,
)
from actions.people import PeopleFormMixin, consent_refused, personal_slots, save_contact, with_people
from actions.services import describe
from puente import i18n
from records import lease, residents, services
from records.db import unit_of_work

FORM_SLOTS = ("household_size", "income_band", "privacy_consent", "resident_name", "resident_phone")
MAX_HOUSEHOLD = 20


class ActionLeaseInfo(RecordsAction):
    def name(self) -> str:
        return "action_lease_info"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            unit = services.find(session, "lease_guarantee")
            if unit is not None:
                say.text(describe(say, unit), key=f"card:{unit.key}")
        say("lease.offer_apply", buttons=[button(say.t("lease.apply_button"), "lease_guarantee_apply")])
        return [SlotSet("pending_confirmation", "lease_apply")]  # a typed "yes" applies (actions/confirmations.py)


class ValidateLeaseForm(PeopleFormMixin, FormValidationAction):
    def name(self) -> str:
        return "validate_lease_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        people = personal_slots(tracker)
        if consent_refused(tracker):
            # Still listed, filled with False: rasa-sdk validates only listed slots, and a "no" typed
            # with other words is read here (not by the deny rule) and must reach the submit.
            return ["privacy_consent"]
        return with_people(people, ["household_size", "income_band"])

    def extract_household_size(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        # Everyone counts: of "somos 4, mi esposo, yo y los 2 niños" the total is the largest number.
        size = parse_int(answer_to(tracker, "household_size"), language(tracker), largest=True)
        return {"household_size": size} if size is not None and 1 <= size <= MAX_HOUSEHOLD else {}

    def extract_income_band(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer, lang = answer_to(tracker, "income_band"), language(tracker)
        bands = [i18n.t(lang, f"lease.bands.{band}") for band in lease.INCOME_BANDS]
        number = chosen_option(answer, bands) or parse_int(answer, lang)
        if number is None or not 1 <= number <= len(lease.INCOME_BANDS):
            return {}
        return {"income_band": lease.INCOME_BANDS[number - 1]}


class ActionAskHouseholdSize(RecordsAction):
    def name(self) -> str:
        return "action_ask_household_size"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say("lease.ask_household", buttons=[reply_button(str(n), str(n)) for n in range(1, 7)])
        return []


class ActionAskIncomeBand(RecordsAction):
    def name(self) -> str:
        return "action_ask_income_band"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        bands = [say.t(f"lease.bands.{band}") for band in lease.INCOME_BANDS]
        text = "\n".join([say.t("lease.ask_income")] + [f"{i}. {label}" for i, label in enumerate(bands, 1)])
        say.text(text, [reply_button(label, str(i)) for i, label in enumerate(bands, 1)], key="lease.ask_income")
        return []


class ActionLeaseSubmit(RecordsAction):
    def name(self) -> str:
        return "action_lease_submit"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if consent_refused(tracker):
            say("privacy.refused_lease")
            return reset
        with unit_of_work() as session:
            resident = save_contact(session, tracker, say.lang)
            application = lease.apply(
                session, resident, int(tracker.get_slot("household_size")), tracker.get_slot("income_band")
            )
            unit = services.find(session, "lease_guarantee")
            say("lease.submitted", reference=say.iso(application.reference))
            if unit is not None:
                say.text(describe(say, unit), key=f"card:{unit.key}")
        return reset


class ActionLeaseStatus(RecordsAction):
    def name(self) -> str:
        return "action_lease_status"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            resident = residents.find(session, tracker.sender_id)
            application = lease.latest(session, resident.id) if resident else None
            if application is None:
                say("lease.none_mine", buttons=[button(say.t("lease.apply_button"), "lease_guarantee_apply")])
                return []
            last = application.history[-1] if application.history else None
            say(
                "lease.status",
                reference=say.iso(application.reference),
                status=say.t(f"lease.statuses.{application.status.value}"),
                date=say.iso((last.at if last else application.created_at).strftime("%d/%m/%Y")),
            )
            message = lease.applicant_message(last, say.lang) if last else None
            if message:  # what staff wrote for the applicant; the internal note is never sent
                say.text(message, key="lease.status_message")
        return []

"""The personal data that forms collect: consent, name and phone, each asked at most once."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.orm import Session

from actions.common import (
    COURTESY_FILE,
    RecordsAction,
    Say,
    answer_to,
    button,
    channel_phone,
    folded,
    latest_entity,
    said_before,
    training_examples,
    yes_no,
    yes_or_no,
)
from puente import settings
from records import residents
from records.db import unit_of_work
from records.models import Gender, Resident

NAME = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*$", re.UNICODE)


@cache
def courtesies() -> frozenset[str]:
    """Whole messages that are courtesies in the training data ("bonjou", "السلام عليكم", "ok"):
    messages, not names, though they have a name's shape ("Mesi Jean" still is one)."""
    return frozenset().union(*training_examples(COURTESY_FILE).values())


def personal_slots(tracker: Tracker) -> list[str]:
    """What the form must still ask: consent first, then only what we do not already know."""
    with unit_of_work() as session:
        resident = residents.find(session, tracker.sender_id)
        consented = resident is not None and resident.consent_at is not None
        known_name = bool(resident and resident.name)
        known_phone = bool(resident and resident.phone)
    slots: list[str] = []
    if not consented:
        slots.append("privacy_consent")
    if not known_name:
        slots.append("resident_name")
    if not known_phone and not channel_phone(tracker):
        slots.append("resident_phone")
    return slots


def with_people(people: list[str], topic_slots: list[str]) -> list[str]:
    """Consent before anything else; name and phone after the topic's own questions."""
    consent = [s for s in people if s == "privacy_consent"]
    return consent + topic_slots + [s for s in people if s != "privacy_consent"]


def consent_refused(tracker: Tracker) -> bool:
    return tracker.get_slot("privacy_consent") is False


def record_consent(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Consent given: kept with its time. Refused: nothing is kept, the form ends."""
    if value is True:
        say = Say(dispatcher, tracker)
        with unit_of_work() as session:
            residents.record_consent(session, tracker.sender_id, say.lang)
        say("privacy.thanks")
    return {"privacy_consent": value}


def clean_name(value: Any) -> str | None:
    name = " ".join(str(value or "").split())
    if 2 <= len(name) <= 80 and NAME.match(name) and len(name.split()) <= 6 and folded(name) not in courtesies():
        return name
    return None


def clean_phone(value: Any) -> str | None:
    """Chilean mobiles in any common form ("9 1234 5678", "+56912345678"), or an international number."""
    raw = str(value or "").translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789"))
    digits = "".join(ch for ch in raw if ch.isdigit())
    if digits.startswith("00") and 10 <= len(digits) - 2 <= 15:  # "00 56 9…": the international prefix
        return "+" + digits[2:]
    if len(digits) == 10 and digits.startswith("09"):  # "09 8765 4321": the old trunk 0, still typed
        digits = digits[1:]
    if len(digits) == 9 and digits.startswith("9"):
        return "+56" + digits
    if len(digits) == 11 and digits.startswith("569"):
        return "+" + digits
    if len(digits) == 8:
        return "+569" + digits
    if raw.strip().startswith("+") and 10 <= len(digits) <= 15:
        return "+" + digits
    return None


def save_contact(session: Session, tracker: Tracker, lang: str) -> Resident:
    """The consenting resident, with the name, phone and language the form collected."""
    resident = residents.find(session, tracker.sender_id)
    if resident is None:
        raise LookupError("no consent recorded")
    residents.update_contact(
        session,
        resident,
        tracker.get_slot("resident_name"),
        tracker.get_slot("resident_phone") or channel_phone(tracker),
    )
    resident.language = lang
    return resident


class PeopleFormMixin:
    """extract_/validate_ methods shared by every form that keeps personal data."""

    def extract_privacy_consent(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = yes_or_no(tracker) if answer_to(tracker, "privacy_consent") else None
        return {} if answer is None else {"privacy_consent": answer}

    def validate_privacy_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return record_consent(value, dispatcher, tracker)

    def extract_resident_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = clean_name(answer_to(tracker, "resident_name"))
        return {"resident_name": name} if name else {}

    def extract_resident_phone(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        phone = clean_phone(answer_to(tracker, "resident_phone"))
        return {"resident_phone": phone} if phone else {}


class ActionAskPrivacyConsent(Action):
    """What we keep, why, for how long and how to delete it, before keeping anything."""

    def name(self) -> str:
        return "action_ask_privacy_consent"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say = Say(dispatcher, tracker)
        purpose = "purpose_lease" if tracker.active_loop_name == "lease_form" else "purpose_enrol"
        say(
            "privacy.consent",
            buttons=yes_no(say.lang),
            purpose=say.t(f"privacy.{purpose}"),
            months=settings.load().retention_months,
        )
        return []


class ActionAskResidentName(Action):
    def name(self) -> str:
        return "action_ask_resident_name"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        Say(dispatcher, tracker)("people.ask_name")
        return []


class ActionAskResidentPhone(Action):
    def name(self) -> str:
        return "action_ask_resident_phone"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        Say(dispatcher, tracker)("people.ask_phone")
        return []


def ask_gender_once(say: Say, session: Session, resident: Resident, tracker: Tracker) -> None:
    """Workshop figures are reported by gender: ask once, optionally, with "prefer not to say".
    Once means once: a question left unanswered in this conversation is not asked again."""
    if residents.gender_of(session, resident) is not None or said_before(tracker, "people.gender_question"):
        return
    say(
        "people.gender_question",
        buttons=[button(say.t(f"people.genders.{g.value}"), "report_gender", gender=g.value) for g in Gender],
    )


class ActionReportGender(RecordsAction):
    def name(self) -> str:
        return "action_report_gender"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        value = latest_entity(tracker, "gender")
        gender = Gender(value) if value in Gender.__members__ else None
        with unit_of_work() as session:
            resident = residents.find(session, tracker.sender_id)
            if gender is None or resident is None or resident.consent_at is None:
                say("people.gender_not_kept")  # only for people enrolled, who consented to a record
                return []
            residents.set_gender(session, resident, gender)
        say("people.gender_saved")
        return []

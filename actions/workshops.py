"""Workshops: what is on with seats left, enrolment (form), waitlist, cancellation, own status."""

from __future__ import annotations

import difflib
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.common import (
    RecordsAction,
    Say,
    answer_to,
    button,
    language,
    latest_entity,
    parse_int,
    reply_button,
    yes_no,
    yes_or_no,
)
from actions.people import (
    PeopleFormMixin,
    ask_gender_once,
    consent_refused,
    personal_slots,
    save_contact,
    with_people,
)
from records import enrolment as seats
from records import residents
from records.db import unit_of_work
from records.models import Enrolment, EnrolmentStatus, Workshop, WorkshopSession
from records.services import fold
from records.texts import localized

FORM_SLOTS = ("workshop", "workshop_session", "waitlist_ok", "privacy_consent", "resident_name", "resident_phone")


def workshop_name(workshop: Workshop, lang: str) -> str:
    text, _ = localized(workshop.texts, lang)
    return text.name if text else workshop.key


def resolve_workshop(session: Session, value: str | None) -> Workshop | None:
    """A workshop key from an entity, or what someone typed ("espanol", "kou panyol")."""
    if not value:
        return None
    if value == "es":  # "inscribirme en espanol": the word is also the language's synonym
        value = "spanish_course"
    workshops = list(session.scalars(select(Workshop)))
    for workshop in workshops:
        if workshop.key == value:
            return workshop
    names = {fold(t.name): w for w in workshops for t in w.texts}
    target = fold(value)
    close = difflib.get_close_matches(target, list(names), n=1, cutoff=0.6)
    if close:
        return names[close[0]]
    for name, workshop in names.items():
        if target in name.split() and len(target) >= 4:
            return workshop
    return None


def named_workshop(session: Session, tracker: Tracker) -> Workshop | None:
    """The first workshop the latest message names. The model may tag a stray word too ("de",
    "ak") and Rasa's slot keeps the last value; in a wish to enrol, a language ("en español") names
    the course."""
    message = tracker.latest_message or {}
    entities = message.get("entities") or []
    values = [str(e["value"]) for e in entities if e.get("entity") == "workshop"]
    if (message.get("intent") or {}).get("name") == "workshop_enrol":
        values += [str(e["value"]) for e in entities if e.get("entity") == "language"]
    return next((w for w in (resolve_workshop(session, v) for v in values) if w is not None), None)


def when(say: Say, ws: WorkshopSession) -> str:
    days = say.t("common.weekdays").split(",")
    return say.t(
        "workshops.when",
        start=say.iso(ws.starts_on.strftime("%d/%m/%Y")),
        days=say.t("common.list_separator").join(days[d].strip() for d in ws.weekdays),
        time=say.iso(f"{ws.start_time:%H:%M}-{ws.end_time:%H:%M}"),
    )


def session_line(say: Say, session: Session, ws: WorkshopSession, number: int | None = None) -> str:
    left = seats.seats_left(session, ws)
    seats_text = say.t("workshops.seats_left", n=say.iso(left)) if left else say.t("workshops.full")
    prefix = f"{number}. " if number is not None else ""
    return f"{prefix}*{workshop_name(ws.workshop, say.lang)}* — {when(say, ws)}\n   📍 {ws.place}\n   {seats_text}"


class ActionWorkshopList(RecordsAction):
    def name(self) -> str:
        return "action_workshop_list"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            wanted = resolve_workshop(session, latest_entity(tracker, "workshop"))
            upcoming = seats.upcoming_sessions(session, wanted.key if wanted else None)
            if not upcoming:
                say("workshops.none_upcoming")
                return []
            if wanted is None:  # the next group of each workshop: a short message on a small screen
                firsts: dict[str, WorkshopSession] = {}
                for ws in upcoming:
                    firsts.setdefault(ws.workshop.key, ws)
                upcoming = list(firsts.values())
            lines = [say.t("workshops.list_intro")]
            lines += [session_line(say, session, ws) for ws in upcoming]
            offered = {ws.workshop.key: ws.workshop for ws in upcoming}  # one button per workshop, in date order
            buttons = [
                button(say.t("workshops.enrol_in", workshop=workshop_name(w, say.lang)), "workshop_enrol", workshop=key)
                for key, w in offered.items()
            ]
            say.text("\n\n".join(lines), buttons, key="workshops.list")
        return [SlotSet("workshop", wanted.key)] if wanted else []


class ValidateEnrolForm(PeopleFormMixin, FormValidationAction):
    def name(self) -> str:
        return "validate_enrol_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        people = personal_slots(tracker)
        if consent_refused(tracker):
            # Still listed, filled with False: rasa-sdk validates only listed slots, and a "no" typed
            # with other words is read here (not by the deny rule) and must reach the submit.
            return ["privacy_consent"]
        slots = ["workshop"]
        key = tracker.get_slot("workshop")
        if key:
            with unit_of_work() as session:
                upcoming = seats.upcoming_sessions(session, key)
                if len(upcoming) > 1:
                    slots.append("workshop_session")
                chosen = _chosen_session(session, tracker)
                if chosen is not None and seats.seats_left(session, chosen) == 0:
                    slots.append("waitlist_ok")
        if tracker.get_slot("waitlist_ok") is False:
            return slots  # the filled "no" stays listed, as for consent
        return with_people(people, slots)

    def extract_workshop(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        typed = answer_to(tracker, "workshop")
        with unit_of_work() as session:
            if typed and not typed.startswith("/"):
                workshop = resolve_workshop(session, typed)
            elif tracker.get_slot("workshop") is None:  # opening the form: "inscribirme en español"
                workshop = named_workshop(session, tracker)
            else:
                return {}
        return {"workshop": workshop.key} if workshop else {}

    def validate_workshop(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        say = Say(dispatcher, tracker)
        with unit_of_work() as session:
            workshop = resolve_workshop(session, str(value) if value else None) or named_workshop(session, tracker)
            if workshop is None:
                if tracker.get_slot("requested_slot") == "workshop":  # an answer to "which course?"
                    say("workshops.which_unknown")
                return {"workshop": None}  # else the form asks which, without a "not found" first
            upcoming = seats.upcoming_sessions(session, workshop.key)
            if not upcoming:
                say("workshops.no_sessions_for", workshop=workshop_name(workshop, say.lang))
                return {"workshop": None}
            if len(upcoming) == 1:
                return {"workshop": workshop.key, "workshop_session": str(upcoming[0].id)}
            return {"workshop": workshop.key}

    def extract_workshop_session(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        number = parse_int(answer_to(tracker, "workshop_session"), language(tracker))
        if number is None:
            return {}
        with unit_of_work() as session:
            upcoming = seats.upcoming_sessions(session, tracker.get_slot("workshop"))
        return {"workshop_session": str(upcoming[number - 1].id)} if 1 <= number <= len(upcoming) else {}

    def extract_waitlist_ok(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        answer = yes_or_no(tracker) if answer_to(tracker, "waitlist_ok") else None
        return {} if answer is None else {"waitlist_ok": answer}


def _chosen_session(session: Session, tracker: Tracker) -> WorkshopSession | None:
    chosen = tracker.get_slot("workshop_session")
    return session.get(WorkshopSession, int(chosen)) if chosen and str(chosen).isdigit() else None


class ActionAskWorkshop(RecordsAction):
    def name(self) -> str:
        return "action_ask_workshop"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            keys = dict.fromkeys(ws.workshop.key for ws in seats.upcoming_sessions(session))
            workshops = {w.key: w for w in session.scalars(select(Workshop))}
            say(
                "workshops.ask_which",
                buttons=[button(workshop_name(workshops[k], say.lang), "workshop_enrol", workshop=k) for k in keys],
            )
        return []


class ActionAskWorkshopSession(RecordsAction):
    def name(self) -> str:
        return "action_ask_workshop_session"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            upcoming = seats.upcoming_sessions(session, tracker.get_slot("workshop"))
            lines = [say.t("workshops.ask_session")]
            lines += [session_line(say, session, ws, i) for i, ws in enumerate(upcoming, 1)]
            say.text(
                "\n\n".join(lines),
                [reply_button(str(i), str(i)) for i in range(1, len(upcoming) + 1)],
                key="workshops.ask_session",
            )
        return []


class ActionAskWaitlistOk(RecordsAction):
    def name(self) -> str:
        return "action_ask_waitlist_ok"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say("workshops.full_offer_waitlist", buttons=yes_no(say.lang))
        return []


class ActionEnrolSubmit(RecordsAction):
    def name(self) -> str:
        return "action_enrol_submit"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reset = [SlotSet(slot, None) for slot in FORM_SLOTS]
        if consent_refused(tracker):
            say("privacy.refused_enrol")
            return reset
        if tracker.get_slot("waitlist_ok") is False:
            say("workshops.waitlist_declined")
            return reset
        with unit_of_work() as session:
            ws = _chosen_session(session, tracker)
            if ws is None:
                say("workshops.which_unknown")
                return reset
            resident = save_contact(session, tracker, say.lang)
            result = seats.enrol(session, resident, ws.id)
            details = {
                "workshop": workshop_name(ws.workshop, say.lang),
                "when": when(say, ws),
                "place": ws.place,
                "code": say.iso(result.code),
            }
            if result.status == EnrolmentStatus.enrolled:
                say("workshops.enrolled", **details)
            else:
                say("workshops.waitlisted", position=say.iso(seats.waitlist_place(session, result)), **details)
            ask_gender_once(say, session, resident, tracker)
        return reset


def _active(session: Session, tracker: Tracker) -> list[Enrolment]:
    resident = residents.find(session, tracker.sender_id)
    return seats.active_enrolments(session, resident.id) if resident else []


def status_line(say: Say, session: Session, e: Enrolment) -> str:
    name = workshop_name(e.session.workshop, say.lang)
    if e.status == EnrolmentStatus.enrolled:
        state = say.t("workshops.state_enrolled")
    else:
        state = say.t("workshops.state_waitlisted", position=say.iso(seats.waitlist_place(session, e)))
    code = f"{say.t('workshops.code')}: {say.iso(e.code)}"
    return f"• *{name}* — {when(say, e.session)}\n   📍 {e.session.place}\n   {state} · {code}"


class ActionWorkshopStatus(RecordsAction):
    def name(self) -> str:
        return "action_workshop_status"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            mine = _active(session, tracker)
            if not mine:
                say("workshops.none_mine", buttons=[button(say.t("workshops.see_list"), "workshop_list")])
                return []
            say.text(
                "\n\n".join([say.t("workshops.mine_intro")] + [status_line(say, session, e) for e in mine]),
                key="workshops.mine_intro",
            )
        return []


class ActionWorkshopCancelAsk(RecordsAction):
    """Never cancels on a guess: names the enrolment and asks for a yes first."""

    def name(self) -> str:
        return "action_workshop_cancel_ask"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        with unit_of_work() as session:
            mine = _active(session, tracker)
            wanted = resolve_workshop(session, latest_entity(tracker, "workshop"))
            if wanted:
                mine = [e for e in mine if e.session.workshop.key == wanted.key] or mine
            if not mine:
                say("workshops.none_to_cancel")
                return [SlotSet("pending_confirmation", None)]
            if len(mine) > 1:
                say(
                    "workshops.cancel_which",
                    buttons=[
                        button(
                            workshop_name(e.session.workshop, say.lang),
                            "workshop_cancel",
                            workshop=e.session.workshop.key,
                        )
                        for e in mine
                    ],
                )
                return [SlotSet("pending_confirmation", None)]
            target = mine[0]
            say("workshops.cancel_confirm", buttons=yes_no(say.lang), line=status_line(say, session, target))
            return [SlotSet("pending_confirmation", "workshop_cancel"), SlotSet("cancel_code", target.code)]


def cancel(say: Say, tracker: Tracker) -> list[dict[str, Any]]:
    """The yes to `action_workshop_cancel_ask` (see actions/confirmations.py)."""
    done = [SlotSet("pending_confirmation", None), SlotSet("cancel_code", None)]
    with unit_of_work() as session:
        target = next((e for e in _active(session, tracker) if e.code == tracker.get_slot("cancel_code")), None)
        if target is None:
            say("workshops.none_to_cancel")
            return done
        seats.cancel(session, target)
        say(
            "workshops.cancelled",
            workshop=workshop_name(target.session.workshop, say.lang),
            code=say.iso(target.code),
        )
    return done

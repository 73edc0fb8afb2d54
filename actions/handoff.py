"""Reaching a person: a hand-off request to the office's mediators (posted to their Telegram group
by the gateway), or, where hand-off is not set up, the office's contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict
from sqlalchemy import select

from actions.common import RecordsAction, Say
from actions.services import describe
from puente import i18n, settings
from records import handoffs, services
from records.db import unit_of_work
from records.models import HandoffState, Mediator, utcnow

# The channels a mediator can answer on; other conversations (the local chat) get the contact.
RELAYED_CHANNELS = ("telegram:", "whatsapp:")
NOT_TOPICS = {"request_human", "help", "choose_language", "forget_me", "greet", "goodbye", "thank", "affirm", "deny"}
TRANSCRIPT_TURNS = 12
TURN_CHARS = 500


def office_contact(say: Say) -> None:
    with unit_of_work() as session:
        office = services.find(session, "migrant_office")
        if office is not None:
            say.text(describe(say, office), key=f"card:{office.key}")


def topic(tracker: Tracker) -> str:
    """The last thing the person asked about (an intent name), for the mediators' queue."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            name = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            if name and name not in NOT_TOPICS and name not in ("nlu_fallback", "out_of_scope"):
                return name
    return ""


def transcript(tracker: Tracker, lang: str) -> list[dict[str, str]]:
    """The last turns, as the person saw them; a pressed button shows as its topic."""
    turns: list[dict[str, str]] = []
    for event in tracker.events:
        kind, text = event.get("event"), (event.get("text") or "").strip()
        if kind not in ("user", "bot") or not text:
            continue
        if kind == "user" and text.startswith("/"):
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            label = i18n.lookup(lang, f"topics.{intent}")
            if not label:
                continue
            text = f"[{label}]"
        turns.append({"who": "person" if kind == "user" else "bot", "text": text[:TURN_CHARS]})
    return turns[-TRANSCRIPT_TURNS:]


def day_name(lang: str, opening: datetime, now: datetime) -> str:
    days = (opening.date() - now.astimezone(opening.tzinfo).date()).days
    if days == 0:
        return i18n.t(lang, "handoff.today")
    if days == 1:
        return i18n.t(lang, "handoff.tomorrow")
    return i18n.t(lang, "handoff.weekdays").split(",")[opening.weekday()].strip()


def request_mediator(say: Say, tracker: Tracker) -> bool:
    """Opens a hand-off request and tells the person what to expect; False when no mediator can
    take it (hand-off not set up, nobody registered, or a channel mediators cannot answer on)."""
    conf = settings.load().handoff
    sender = tracker.sender_id or ""
    if conf.group_chat_id is None or not sender.startswith(RELAYED_CHANNELS):
        return False
    with unit_of_work() as session:
        if session.scalars(select(Mediator.id).where(Mediator.active.is_(True))).first() is None:
            return False
        handoff, new = handoffs.request(session, sender, say.lang, topic(tracker), transcript(tracker, say.lang))
        if not new:
            if handoff.state == HandoffState.held:
                say("handoff.already_held")
            else:
                say("handoff.already_waiting", position=handoffs.position(session, handoff))
            return True
        hours, now = conf.hours(), utcnow()
        opening = None if hours.is_open(now) else hours.next_opening(now)
        if opening is None:
            say("handoff.requested", minutes=handoffs.usual_wait_minutes(session, conf.usual_wait_minutes))
        else:
            say("handoff.requested_closed", day=day_name(say.lang, opening, now), time=opening.strftime("%H:%M"))
    return True


class ActionRequestHuman(RecordsAction):
    def name(self) -> str:
        return "action_request_human"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        if not request_mediator(say, tracker):
            say("handoff.office_contact")
            office_contact(say)
        return []

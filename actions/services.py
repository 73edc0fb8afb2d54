"""How to reach a public service: address, hours, phone, what to bring, from the records."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from actions.common import RecordsAction, Say, button, latest_entity
from puente import langid
from records import services
from records.db import unit_of_work
from records.models import Service
from records.texts import localized

# The topics offered when no service is named, in menu order.
MENU = ("health", "school", "id_card", "visa", "social_registry", "employment", "legal_aid", "migrant_office")


def describe(say: Say, service: Service) -> str:
    text, fallback = localized(service.texts, say.lang)
    assert text is not None
    lines = [f"*{text.name}*"]
    if text.description:
        lines.append(text.description)
    if service.address:
        lines.append(say.t("services.address", address=say.iso(service.address)))
    if text.hours:
        lines.append(say.t("services.hours", hours=text.hours))
    if service.phone:
        lines.append(say.t("services.phone", phone=say.iso(service.phone)))
    if text.requirements:
        lines.append(say.t("services.bring"))
        lines.extend(f"• {item}" for item in text.requirements)
    if service.url:
        lines.append(say.iso(service.url))
    if fallback:  # the Spanish record, for lack of one in the reader's language
        lines.append(say.t("common.not_in_language"))
    elif text.machine_translated:
        lines.append(say.t("common.machine_note"))
    return "\n".join(lines)


def asked_for(session: Session, tracker: Tracker, said: str) -> Service | None:
    """Of several services named in one message, the last one before a reason: people give the
    context first and ask last ("my boss did not pay me, I want a lawyer"; "no carnet, can they
    give me an hour"), or ask first and then say why ("a lawyer, because my boss did not pay")."""
    named = services.mentioned(session, said)
    for entity in (tracker.latest_message or {}).get("entities") or []:
        service = services.find(session, entity.get("value")) if entity.get("entity") == "service" else None
        if service is not None and isinstance(entity.get("end"), int):
            named.append((len(services.fold(said[: entity["end"]])), service))
    words = re.finditer(r"\w+", services.fold(said))
    reason = next((w.start() for w in words if w.group() in langid.words("causes")), None)
    asked = [pair for pair in named if reason is None or pair[0] <= reason] or named
    return max(asked, key=lambda pair: pair[0])[1] if asked else None


class ActionServiceInfo(RecordsAction):
    def name(self) -> str:
        return "action_service_info"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        wanted = latest_entity(tracker, "service")
        said = (tracker.latest_message or {}).get("text") or ""
        with unit_of_work() as session:
            # The model may miss the entity in an everyday word ("dokte"): the aliases in the
            # records are looked for in the whole message too.
            found = asked_for(session, tracker, said) or services.find(session, wanted) or services.find(session, said)
            if found is None:
                say(
                    "services.which",
                    buttons=[button(say.t(f"services.topics.{key}"), "ask_service_info", service=key) for key in MENU],
                )
                return []
            same_category = session.scalars(
                select(Service).where(Service.category == found.category).order_by(Service.id)
            ).all()
            for service in same_category[:3]:
                say.text(describe(say, service), key=f"card:{service.key}")
        return []

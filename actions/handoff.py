"""Reaching a person. Until mediators take conversations over in the chat, the office's contact."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from actions.common import RecordsAction, Say
from actions.services import describe
from records import services
from records.db import unit_of_work


def office_contact(say: Say) -> None:
    with unit_of_work() as session:
        office = services.find(session, "migrant_office")
        if office is not None:
            say.text(describe(say, office))


class ActionRequestHuman(RecordsAction):
    def name(self) -> str:
        return "action_request_human"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say("handoff.office_contact")
        office_contact(say)
        return []

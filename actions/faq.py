"""Answers a frequent question (retrieval intent `faq/<key>`) with the text staff keep in the records."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.types import DomainDict

from actions.common import RecordsAction, Say
from records import faq
from records.db import unit_of_work


def chosen_key(tracker: Tracker) -> str | None:
    """The entry Rasa's ResponseSelector picked: "faq/free_of_charge" -> "free_of_charge"."""
    selector = (tracker.latest_message or {}).get("response_selector") or {}
    picked = ((selector.get("faq") or {}).get("response") or {}).get("intent_response_key") or ""
    return picked.split("/", 1)[1] if picked.startswith("faq/") else None


class ActionAnswerFaq(RecordsAction):
    def name(self) -> str:
        return "action_answer_faq"

    def act(self, say: Say, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        key = chosen_key(tracker)
        with unit_of_work() as session:
            found = faq.answer(session, key, say.lang) if key else None
        if found is None:  # the entry was removed after the model learnt it
            say("faq.gone")
            return []
        lines = [found.text]
        if found.language != say.lang:
            lines.append(say.t("common.not_in_language"))
        elif found.machine:
            lines.append(say.t("common.machine_note"))
        if found.source:  # where the answer comes from, and whether the office has checked it
            lines.append(say.t("faq.source", url=say.iso(found.source)))
        if not found.verified:
            lines.append(say.t("faq.unverified"))
        say.text("\n\n".join(lines), key=f"faq/{key}")
        return []

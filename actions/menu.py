"""The menu of topics, offered after a language is chosen and whenever someone asks for help."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.common import Say, button

MENU = ("ask_service_info", "workshop_list", "workshop_status", "lease_guarantee_info", "request_human", "forget_me")


def menu_buttons(say: Say, topics: tuple[str, ...] = MENU) -> list[dict[str, str]]:
    return [button(say.t(f"topics.{intent}"), intent) for intent in topics]


class ActionMenu(Action):
    def name(self) -> str:
        return "action_menu"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say = Say(dispatcher, tracker)
        say("menu.intro", buttons=menu_buttons(say))
        return []

"""People writing to the bot on Telegram and WhatsApp, as the tests see them: what they send,
and what arrives on their phone (recorded by the fake servers)."""

from __future__ import annotations

import time
from typing import Any

from tests import turns
from tests.fakes import graph_api, telegram_api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import Call, FakeTelegram

QUIET = 0.6  # seconds without a new message: the bot has finished its turn


def telegram_message(params: dict[str, Any]) -> turns.Message:
    keyboard = (params.get("reply_markup") or {}).get("inline_keyboard") or []
    return turns.Message(params.get("text", ""), [b for row in keyboard for b in row])


def whatsapp_message(message: dict[str, Any]) -> turns.Message:
    choices = [{"id": i, "title": t} for i, t in graph_api.choices(message)]
    return turns.Message(graph_api.body_text(message), choices)


class TelegramPerson:
    def __init__(self, fake: FakeTelegram, chat_id: int, language_code: str | None = "es") -> None:
        self.fake = fake
        self.chat_id = chat_id
        self.language_code = language_code
        self.last: list[Call] = []

    def received(self) -> list[Call]:
        return self.fake.called("sendMessage", self.chat_id)

    def send(self, update: dict[str, Any], expect: int = 1, timeout: float = 60) -> list[Call]:
        """Sends an update and waits for the bot's whole turn (at least `expect` messages)."""
        before = len(self.received())
        self.fake.push(update)
        self.fake.wait_for("sendMessage", self.chat_id, before + expect, timeout)
        count = len(self.received())
        while True:  # wait until it stops talking
            time.sleep(QUIET)
            now = len(self.received())
            if now == count:
                break
            count = now
        self.last = self.received()[before:]
        if expect:  # every answered turn keeps the conversation contract (tests/turns.py)
            turns.check(turns.Turn(str(update)[:120], [telegram_message(c.params) for c in self.last]))
        return self.last

    def say(self, text: str, **kw: Any) -> list[Call]:
        return self.send(telegram_api.text(self.chat_id, text, self.language_code), **kw)

    def keyboard(self) -> dict[str, Any]:
        for call in reversed(self.received()):
            if call.params.get("reply_markup"):
                return call.params["reply_markup"]
        raise AssertionError("no keyboard was sent")

    def buttons(self) -> list[dict[str, str]]:
        return [b for row in self.keyboard()["inline_keyboard"] for b in row]

    def press(self, match: str, exactly: bool = False, expect: int = 1) -> list[Call]:
        """Presses the button whose callback data contains `match` (is `match`, if `exactly`),
        or whose title is `match`; waits for at least `expect` messages."""
        keyboard = self.keyboard()
        for button in self.buttons():
            data = button["callback_data"]
            if (data == match if exactly else match in data) or button["text"] == match:
                update = telegram_api.press(self.chat_id, button["callback_data"], keyboard, self.language_code or "es")
                return self.send(update, expect=expect)
        raise AssertionError(f"no button {match!r} in {self.buttons()}")

    def press_exactly(self, data: str) -> list[Call]:
        return self.press(data, exactly=True)

    @property
    def text(self) -> str:
        return "\n".join(c.params.get("text", "") for c in self.last)

    def transcript(self) -> str:
        return "\n---\n".join(c.params.get("text", "") for c in self.received())


class WhatsAppPerson:
    def __init__(self, fake: FakeGraph, gateway_url: str, phone: str) -> None:
        self.fake = fake
        self.url = gateway_url
        self.phone = phone
        self.last: list[dict[str, Any]] = []

    def send(self, message: dict[str, Any], expect: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
        before = len(self.fake.to(self.phone))
        response = graph_api.post_webhook(self.url, graph_api.envelope([message]))
        assert response.status_code == 200, response.text
        self.fake.wait_for(self.phone, before + expect, timeout)
        count = len(self.fake.to(self.phone))
        while True:
            time.sleep(QUIET)
            now = len(self.fake.to(self.phone))
            if now == count:
                break
            count = now
        self.last = self.fake.to(self.phone)[before:]
        if expect:
            turns.check(turns.Turn(str(message)[:120], [whatsapp_message(m) for m in self.last]))
        return self.last

    def say(self, text: str) -> list[dict[str, Any]]:
        return self.send(graph_api.text_message(self.phone, text))

    def choices(self) -> list[tuple[str, str]]:
        for message in reversed(self.fake.to(self.phone)):
            if found := graph_api.choices(message):
                return found
        raise AssertionError("no buttons were sent")

    def press(self, match: str) -> list[dict[str, Any]]:
        for message in reversed(self.fake.to(self.phone)):
            for choice_id, title in graph_api.choices(message):
                if match in choice_id or title == match:
                    kind = message["interactive"]["type"]
                    reply = graph_api.button_reply if kind == "button" else graph_api.list_reply
                    return self.send(reply(self.phone, choice_id, title))
        raise AssertionError(f"no choice {match!r} in {self.choices()}")

    @property
    def text(self) -> str:
        return "\n".join(graph_api.body_text(m) for m in self.last)

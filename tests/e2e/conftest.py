"""Talking to the assistant through the real servers (the `servers` fixture is in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from puente import i18n, langid
from tests.conftest import Servers


def reply_language(text_: str) -> str | None:
    guess = langid.identify(text_)
    return guess.language


class Chat:
    """One person talking to the assistant through Rasa's REST channel."""

    def __init__(self, servers: Servers, sender: str) -> None:
        self.servers = servers
        self.sender = sender
        self.http = httpx.Client(timeout=60)
        self.last: list[dict[str, Any]] = []

    def say(self, message: str, **metadata: Any) -> list[dict[str, Any]]:
        response = self.http.post(
            f"{self.servers.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": message, "metadata": metadata},
        )
        response.raise_for_status()
        self.last = response.json()
        assert self.last, f"no reply to {message!r}"
        return self.last

    def press(self, title_or_index: str | int) -> list[dict[str, Any]]:
        buttons = self.buttons()
        if isinstance(title_or_index, int):
            return self.say(buttons[title_or_index]["payload"])
        for button in buttons:
            if title_or_index in button["payload"] or title_or_index == button["title"]:
                return self.say(button["payload"])
        raise AssertionError(f"no button {title_or_index!r} in {buttons}")

    def buttons(self) -> list[dict[str, str]]:
        return [b for reply in self.last for b in reply.get("buttons") or []]

    @property
    def text(self) -> str:
        return "\n".join(r.get("text") or "" for r in self.last)

    def assert_language(self, language: str) -> None:
        """Every reply is in `language` (codes and names aside): script for Arabic, langid otherwise."""
        for reply in self.last:
            body = reply.get("text") or ""
            if len(body.split()) < 4:
                continue
            arabic = sum(1 for ch in body if "\u0600" <= ch <= "\u06ff")
            letters = sum(1 for ch in body if ch.isalpha())
            if language == "ar":
                assert arabic > letters * 0.3, f"not Arabic: {body!r}"
            else:
                assert arabic == 0, f"Arabic in a {language} reply: {body!r}"
                assert reply_language(body) in (language, None), f"not {language}: {body!r}"

    def tracker_rows(self) -> int:
        with self.servers.tracker.connect() as conn:
            return conn.execute(
                text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": self.sender}
            ).scalar_one()


def chat_factory(servers: Servers, request: pytest.FixtureRequest) -> Chat:
    name = request.node.name.replace("[", ":").replace("]", "")
    return Chat(servers, f"test:{name}")


@pytest.fixture
def chat(servers: Servers, request: pytest.FixtureRequest) -> Chat:
    return chat_factory(servers, request)


@pytest.fixture(params=["es", "ht", "ar"])
def lang(request: pytest.FixtureRequest) -> str:
    assert request.param in i18n.languages()
    return request.param

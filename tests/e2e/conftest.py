"""Talking to the assistant through the real servers (the `servers` fixture is in tests/conftest.py)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import text

from puente import i18n, langid
from tests import turns
from tests.conftest import TOKEN, Servers


def reply_language(text_: str) -> str | None:
    guess = langid.identify(text_)
    return guess.language


def catalog_key(text_: str) -> str | None:
    """The catalog key of a fixed text (for turns whose tracker is gone: an erasure)."""
    return _fixed_texts().get(text_.strip())


_FIXED: dict[str, str] = {}


def _fixed_texts() -> dict[str, str]:
    if not _FIXED:
        for lang in i18n.languages():
            for key, value in i18n.texts(lang).items():
                forms = value.values() if i18n.is_plural(value) else [value]
                for form in forms:
                    if "{" not in str(form):
                        _FIXED.setdefault(str(form).strip(), key)
    return _FIXED


def group(replies: list[dict[str, Any]], said_by_bot: list[dict[str, Any]]) -> list[turns.Message] | None:
    """The bot's messages of one turn with their keys, or None if the replies are not these events.

    Rasa's REST channel sends a text without buttons as one reply per paragraph; here a message
    is what the bot said in one utterance (as the tracker has it), its paragraphs joined again.
    """
    messages, at = [], 0
    for event in said_by_bot:
        body = (event.get("text") or "").strip()
        data = event.get("data") or {}
        parts = 1 if data.get("buttons") or not body else len(body.split("\n\n"))
        chunk = replies[at : at + parts]
        if len(chunk) != parts:
            return None
        meta = event.get("metadata") or {}
        text_ = "\n\n".join(r.get("text") or "" for r in chunk)
        buttons = [b for r in chunk for b in r.get("buttons") or []]
        messages.append(turns.Message(text_, buttons, meta.get("key") or meta.get("utter_action")))
        at += parts
    return messages if at == len(replies) else None


class Chat:
    """One person talking to the assistant through Rasa's REST channel. Every turn goes through
    the conversation contract (tests/turns.py), with the keys of what was said read from the
    tracker: the catalog key of an action's text, the name of a domain response."""

    def __init__(self, servers: Servers, sender: str) -> None:
        self.servers = servers
        self.sender = sender
        self.http = httpx.Client(timeout=60)
        self.last: list[dict[str, Any]] = []
        self.turns: list[turns.Turn] = []

    def say(self, message: str, **metadata: Any) -> list[dict[str, Any]]:
        response = self.http.post(
            f"{self.servers.rasa_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": message, "metadata": metadata},
        )
        response.raise_for_status()
        self.last = response.json()
        self.turns.append(turns.check(self.turn(message, self.last)))
        return self.last

    @property
    def keys(self) -> list[str | None]:
        """The keys of the latest reply, in order."""
        return self.turns[-1].keys

    def turn(self, said: str, replies: list[dict[str, Any]]) -> turns.Turn:
        url = f"{self.servers.rasa_url}/conversations/{self.sender}/tracker"
        events = self.http.get(url, params=TOKEN).json()["events"]
        last_user = max((i for i, e in enumerate(events) if e["event"] == "user"), default=-1)
        this_turn = events[last_user + 1 :] if last_user >= 0 else []
        said_by_bot = [e for e in this_turn if e["event"] == "bot"]
        actions = [e["name"] for e in this_turn if e["event"] == "action"] if last_user >= 0 else None
        messages = group(replies, said_by_bot)
        if messages is None:  # the tracker is gone (an erasure): one message per part, keys by text
            messages = [
                turns.Message(r.get("text") or "", r.get("buttons") or [], catalog_key(r.get("text") or ""))
                for r in replies
            ]
        return turns.Turn(said, messages, actions)

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
        offer = "\n".join(i18n.t(code, "language.offer") for code in i18n.languages())
        for reply in self.last:
            body = reply.get("text") or ""
            if body == offer:  # the language buttons, asked in every language
                continue
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

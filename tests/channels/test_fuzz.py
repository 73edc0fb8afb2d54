"""Fuzz: thousands of generated updates of every kind through the real gateway (python-telegram-bot
against the fake Bot API, signed and unsigned WhatsApp webhooks). Nothing may crash, and each
update is either answered or ignored by a rule.

Rasa is the fake of tests/fakes/rasa.py here: the point is the gateway, and the real model would
take an hour over 10,000 messages. The real-Rasa paths are in the other tests of this folder."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from records import db
from records.db import unit_of_work
from records.models import Chat, InboundMessage, InboundState
from tests.channels.conftest import GatewayThread, gateway_settings
from tests.conftest import prepared
from tests.fakes import graph_api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.rasa import FakeRasa
from tests.fakes.telegram_api import UPDATE_IDS, FakeTelegram

BATCH = 50
TELEGRAM_BATCHES = int(os.environ.get("FUZZ_BATCHES", "200"))  # 200 x 50 = 10,000 updates
WHATSAPP_EXAMPLES = 1500

texts = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=5000),
    st.sampled_from(["", " ", "🙏🙏", "hola", "bonjou", "مرحبا", "/start", "/help", "/language", "/forget",
                     "/foo@puente_test_bot", "/", '/workshop_enrol{"workshop": "x"}', "\x00\x07", "a" * 4096]),
)  # fmt: skip
languages = st.sampled_from([None, "es", "ht", "fr", "ar", "en", "pt-br", "zz", ""])
chat_ids = st.integers(min_value=1, max_value=10**12)
file = {"file_id": "f", "file_unique_id": "u"}
contents = st.one_of(
    texts.map(lambda t: {"text": t}),
    st.just({"voice": {**file, "duration": 3}}),
    st.just({"audio": {**file, "duration": 3}}),
    st.just({"video_note": {**file, "length": 240, "duration": 3}}),
    st.just({"photo": [{**file, "width": 90, "height": 90}], "caption": "mi carnet"}),
    st.just({"video": {**file, "width": 1, "height": 1, "duration": 1}}),
    st.just({"document": {**file, "file_name": "contrato.pdf"}}),
    st.just({"animation": {**file, "width": 1, "height": 1, "duration": 1}}),
    st.just(
        {"sticker": {**file, "width": 512, "height": 512, "is_animated": False, "is_video": False, "type": "regular"}}
    ),  # fmt: skip
    st.just({"dice": {"emoji": "🎲", "value": 3}}),
    st.just({"location": {"latitude": -33.36, "longitude": -70.73}}),
    st.just({"contact": {"phone_number": "+56911112222", "first_name": "A"}}),
    st.just({"new_chat_members": [{"id": 5, "is_bot": False, "first_name": "B"}]}),
    st.just({"game": {"title": "g", "description": "d", "photo": [{**file, "width": 1, "height": 1}]}}),
)


@st.composite
def telegram_updates(draw: st.DrawFn) -> dict[str, Any]:
    chat_id = draw(chat_ids)
    chat_type = draw(st.sampled_from(["private", "private", "private", "group", "supergroup", "channel"]))
    sender = {"id": chat_id, "is_bot": False, "first_name": draw(st.text(min_size=1, max_size=20))}
    if (code := draw(languages)) is not None:
        sender["language_code"] = code
    chat = {"id": chat_id if chat_type == "private" else -chat_id, "type": chat_type}
    message = {"message_id": draw(st.integers(1, 10**6)), "date": 1, "chat": chat, "from": sender, **draw(contents)}
    where = draw(st.sampled_from(["message", "message", "edited_message", "callback_query", "channel_post", "inline"]))
    if where == "edited_message":
        return {"edited_message": {**message, "edit_date": 2}}
    if where == "channel_post":
        return {"channel_post": {**message, "chat": {"id": -chat_id, "type": "channel"}}}
    if where == "inline":
        return {"inline_query": {"id": "q", "from": sender, "query": draw(st.text(max_size=50)), "offset": ""}}
    if where == "callback_query":
        query: dict[str, Any] = {
            "id": "c",
            "from": sender,
            "chat_instance": "i",
            "data": draw(st.one_of(st.text(max_size=64), st.just("/affirm"), st.just("h:0000"))),
        }
        if draw(st.booleans()):
            query["message"] = {"message_id": 1, "date": 1, "chat": chat, "text": "…"}
        return {"callback_query": query}
    return {"message": message}


@pytest.fixture(scope="module")
def fuzz_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GatewayThread, FakeTelegram, str]]:
    folder: Path = tmp_path_factory.mktemp("fuzz")
    url = prepared(f"sqlite:///{folder / 'records.db'}")
    rasa, telegram, graph = FakeRasa().start(), FakeTelegram().start(), FakeGraph().start()
    conf = gateway_settings(url, rasa.url, telegram, graph, rate_burst=1_000_000, rasa_concurrency=16)
    with GatewayThread(conf) as gateway:
        yield gateway, telegram, url
    for fake in (rasa, telegram, graph):
        fake.stop()


def stuck(url: str) -> list[tuple]:
    """Messages still waiting, with their conversation's lease: what to look at when one hangs."""
    with unit_of_work(db.engine_for(url)) as session:
        rows = session.execute(
            select(InboundMessage.id, InboundMessage.text, InboundMessage.attempts, Chat.sender_id, Chat.lease_owner,
                   Chat.lease_until)
            .join(Chat, Chat.id == InboundMessage.chat_id)
            .where(InboundMessage.state == InboundState.pending)
        )  # fmt: skip
        return [tuple(row) for row in rows]


def settled(gateway: GatewayThread, expected: int, url: str, timeout: float = 60) -> dict[str, int]:
    """Waits until every update has an outcome and every queued message was answered."""
    deadline = time.monotonic() + timeout
    while True:
        seen = gateway.outcomes
        handled = sum(n for k, n in seen.items() if k not in ("answered", "notified", "send_failed", "error"))
        if handled >= expected and seen.get("answered", 0) >= seen.get("queued", 0):
            return seen
        if time.monotonic() > deadline:
            raise AssertionError(f"{handled} of {expected} updates handled: {seen}; waiting: {stuck(url)}")
        time.sleep(0.05)


def test_ten_thousand_generated_telegram_updates_are_each_answered_or_ignored(fuzz_gateway: Any) -> None:
    gateway, telegram, url = fuzz_gateway
    start = sum(gateway.outcomes.values())
    pushed = 0
    timings: list[float] = []

    @settings(max_examples=TELEGRAM_BATCHES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(st.lists(telegram_updates(), min_size=BATCH, max_size=BATCH))
    def batch(updates: list[dict[str, Any]]) -> None:
        nonlocal pushed
        for update in updates:
            telegram.push({"update_id": next(UPDATE_IDS), **update})
        pushed += len(updates)
        began = time.monotonic()
        seen = settled(gateway, pushed, url)
        timings.append(time.monotonic() - began)
        assert seen.get("error", 0) == 0, seen

    batch()
    print(f"fuzz: {pushed} updates, {sum(timings):.1f} s handling, outcomes {gateway.outcomes}")
    assert pushed >= TELEGRAM_BATCHES * BATCH
    with unit_of_work(db.engine_for(url)) as session:
        waiting = session.scalar(
            select(func.count()).select_from(InboundMessage).where(InboundMessage.state == InboundState.pending)
        )
    assert waiting == 0  # everything that went to Rasa was answered and its text forgotten
    assert start == 0 or sum(gateway.outcomes.values()) > start


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)
wa_types = st.sampled_from(
    ["text", "interactive", "button", "audio", "image", "video", "document", "sticker", "location", "contacts",
     "reaction", "system", "unsupported", "order", "nonsense"]
)  # fmt: skip
button_replies = st.fixed_dictionaries({"button_reply": st.fixed_dictionaries({"id": texts, "title": texts})})


@st.composite
def whatsapp_payloads(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(json_values)  # anything at all, validly signed
    kind = draw(wa_types)
    message: dict[str, Any] = {
        "from": draw(st.one_of(st.from_regex(r"\A[1-9][0-9]{7,14}\Z"), st.text(max_size=12))),
        "id": f"wamid.fz{draw(st.integers(0, 10**12))}", "timestamp": "1", "type": kind,
        kind: draw(st.one_of(json_values, st.fixed_dictionaries({"body": texts}), button_replies)),
    }  # fmt: skip
    return graph_api.envelope([message])


def test_generated_whatsapp_webhooks_never_crash_the_gateway(fuzz_gateway: Any) -> None:
    gateway, _, _ = fuzz_gateway
    client = httpx.Client(timeout=30)

    @settings(max_examples=WHATSAPP_EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(whatsapp_payloads(), st.sampled_from(["valid", "valid", "valid", None, "sha256=00"]))
    def post(payload: Any, signature: str | None) -> None:
        body = json.dumps(payload).encode()
        headers = {"content-type": "application/json"}
        if signature == "valid":
            headers["x-hub-signature-256"] = graph_api.sign(body)
        elif signature:
            headers["x-hub-signature-256"] = signature
        response = client.post(f"{gateway.url}/whatsapp", content=body, headers=headers)
        assert response.status_code == (200 if signature == "valid" else 401), response.text

    post()
    time.sleep(1)
    assert gateway.outcomes.get("error", 0) == 0

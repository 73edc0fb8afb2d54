"""Rasa's HTTP API and the action server answer only our own processes (issue: internal APIs closed).

Without these checks anyone who reaches the ports could read a person's whole conversation, speak
for them, swap the model, or run an action with a forged tracker."""

from __future__ import annotations

import stat
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from puente import keys
from records.db import unit_of_work
from records.models import WorkshopText
from tests.conftest import TOKEN, Servers

pytestmark = pytest.mark.servers
SENDER = "test:internal-apis"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", f"/conversations/{SENDER}/tracker", None),
        ("POST", f"/conversations/{SENDER}/messages", {"text": "hola", "sender": "user"}),
        ("POST", "/model/parse", {"text": "hola"}),
        ("PUT", "/model", {"model_url": "http://127.0.0.1:9/evil.tar.gz"}),
        ("GET", "/status", None),
    ],
)
def test_rasa_api_refuses_calls_without_the_token(servers: Servers, method: str, path: str, body: dict | None) -> None:
    refused = httpx.request(method, f"{servers.rasa_url}{path}", json=body, timeout=30)
    assert refused.status_code in (401, 403), refused.text[:200]
    forged = httpx.request(method, f"{servers.rasa_url}{path}", params={"token": "guess"}, json=body, timeout=30)
    assert forged.status_code in (401, 403)


def test_rasa_api_answers_with_the_token_and_the_chat_channel_stays_open(servers: Servers) -> None:
    reply = httpx.post(
        f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": SENDER, "message": "hola"}, timeout=60
    )
    assert reply.status_code == 200 and reply.json()  # the gateway's way in, kept on loopback
    tracker = httpx.get(f"{servers.rasa_url}/conversations/{SENDER}/tracker", params=TOKEN, timeout=30)
    assert tracker.status_code == 200 and tracker.json()["sender_id"] == SENDER


def call_action(servers: Servers, headers: dict[str, str | bytes]) -> httpx.Response:
    tracker = {"sender_id": "telegram:1", "slots": {"language": "es"}, "latest_message": {}, "events": []}
    return httpx.post(
        f"http://127.0.0.1:{servers.stack.action_port}/webhook",
        json={"next_action": "action_menu", "sender_id": "telegram:1", "tracker": tracker, "domain": {}},
        headers=headers,
        timeout=30,
    )


def test_the_action_server_refuses_calls_without_the_secret(servers: Servers) -> None:
    assert call_action(servers, {}).status_code == 401
    assert call_action(servers, {keys.ACTION_SECRET_HEADER: "guess"}).status_code == 401
    # A non-ASCII value is refused like any wrong one, not a server error.
    assert call_action(servers, {keys.ACTION_SECRET_HEADER: "contraseña".encode()}).status_code == 401
    assert httpx.get(f"http://127.0.0.1:{servers.stack.action_port}/health", timeout=30).status_code == 200


def test_the_action_server_answers_rasa(servers: Servers) -> None:
    """What Rasa sends (the header of endpoints.yml, filled from ACTION_SECRET) gets through: a
    turn answered by a custom action from the records."""
    answered = call_action(servers, {keys.ACTION_SECRET_HEADER: keys.action_secret()})
    assert answered.status_code == 200, answered.text[:300]
    said = {"sender": f"{SENDER}:list", "message": "/workshop_list"}
    reply = httpx.post(f"{servers.rasa_url}/webhooks/rest/webhook", json=said, timeout=60).json()
    with unit_of_work(servers.records) as session:
        course = session.scalars(select(WorkshopText.name).where(WorkshopText.language == "es")).first()
    assert course and any(course in (m.get("text") or "") for m in reply), reply


def test_the_conversations_file_is_readable_by_its_owner_only(servers: Servers) -> None:
    """The tracker (everything people wrote) made 0600 before Rasa opens it (puente/stack.py)."""
    path = Path(servers.tracker.url.database or "")
    assert path.is_file() and stat.S_IMODE(path.stat().st_mode) == 0o600

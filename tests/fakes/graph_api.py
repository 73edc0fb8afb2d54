"""A fake WhatsApp Cloud API (Graph API) on 127.0.0.1: records what the gateway sends."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.http import ThreadedServer

TOKEN = "wa-test-token"
PHONE_NUMBER_ID = "1098765"
APP_SECRET = "wa-app-secret"
VERIFY_TOKEN = "wa-verify"


class FakeGraph:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []
        self.failures: list[int] = []
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.http = ThreadedServer(Starlette(routes=[Route("/v21.0/{number}/messages", self._send, methods=["POST"])]))

    @property
    def api_url(self) -> str:
        return f"{self.http.url}/v21.0"

    def start(self) -> FakeGraph:
        self.http.start()
        return self

    def stop(self) -> None:
        self.http.stop()

    def fail(self, times: int = 1, status: int = 500) -> None:
        with self.lock:
            self.failures.extend([status] * times)

    def to(self, phone: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.sent if m.get("to") == phone]

    def wait_for(self, phone: str, count: int = 1, timeout: float = 60) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(found := self.to(phone)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} messages to {phone} after {timeout} s: {found}")
            time.sleep(0.05)
        return found

    async def _send(self, request: Request) -> JSONResponse:
        if (
            request.headers.get("authorization") != f"Bearer {TOKEN}"
            or request.path_params["number"] != PHONE_NUMBER_ID
        ):
            return JSONResponse({"error": {"message": "Invalid OAuth access token", "code": 190}}, status_code=401)
        body = await request.json()
        with self.lock:
            status = self.failures.pop(0) if self.failures else None
            if status is None:
                self.sent.append(body)
        if status is not None:
            return JSONResponse({"error": {"message": "failing on demand", "code": 131000}}, status_code=status)
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                "messages": [{"id": f"wamid.out{next(self.ids)}"}],
            }
        )


def body_text(message: dict[str, Any]) -> str:
    """The words a person sees in a sent message, whatever its type."""
    kind = message.get("type")
    if kind == "text":
        return message["text"]["body"]
    if kind == "interactive":
        return message["interactive"]["body"]["text"]
    if kind == "template":
        return message["template"]["components"][0]["parameters"][0]["text"]
    return ""


def choices(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(id, title) of the buttons or list rows of an interactive message."""
    if message.get("type") != "interactive":
        return []
    action = message["interactive"]["action"]
    if "buttons" in action:
        return [(b["reply"]["id"], b["reply"]["title"]) for b in action["buttons"]]
    return [(r["id"], r.get("description", r["title"])) for s in action["sections"] for r in s["rows"]]


# -- webhook payloads as Meta sends them ------------------------------------------------------------


def envelope(
    messages: list[dict[str, Any]] | None = None, statuses: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "56229999999", "phone_number_id": PHONE_NUMBER_ID},
    }
    if messages is not None:
        value["contacts"] = [{"profile": {"name": "Persona"}, "wa_id": m["from"]} for m in messages]
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"value": value, "field": "messages"}]}],
    }


def text_message(phone: str, body: str, message_id: str | None = None) -> dict[str, Any]:
    return {
        "from": phone,
        "id": message_id or f"wamid.in{time.time_ns()}",
        "timestamp": str(int(time.time())),
        "type": "text",
        "text": {"body": body},
    }


def button_reply(phone: str, button_id: str, title: str = "") -> dict[str, Any]:
    return {
        "from": phone,
        "id": f"wamid.in{time.time_ns()}",
        "timestamp": str(int(time.time())),
        "type": "interactive",
        "interactive": {"type": "button_reply", "button_reply": {"id": button_id, "title": title}},
    }


def list_reply(phone: str, row_id: str, title: str = "") -> dict[str, Any]:
    return {
        "from": phone,
        "id": f"wamid.in{time.time_ns()}",
        "timestamp": str(int(time.time())),
        "type": "interactive",
        "interactive": {"type": "list_reply", "list_reply": {"id": row_id, "title": title}},
    }


def sign(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(url: str, payload: Any, signature: str | bytes | None = "valid") -> httpx.Response:
    """POSTs to the gateway's /whatsapp as Meta does; `signature` "valid", None (missing) or a value."""
    body = json.dumps(payload).encode()
    headers: dict[str, str | bytes] = {"content-type": "application/json"}
    if signature == "valid":
        headers["x-hub-signature-256"] = sign(body)
    elif signature is not None:
        headers["x-hub-signature-256"] = signature
    return httpx.post(f"{url}/whatsapp", content=body, headers=headers, timeout=30)

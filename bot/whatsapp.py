"""WhatsApp through the Cloud API: the webhook (verify handshake, signed POSTs) and sending.

Meta calls GET /whatsapp once to verify the subscription, then POSTs every message and status,
signed with the app secret (X-Hub-Signature-256). Replies go to the Graph API.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.channel import Incoming, Kind, Notice, split_text
from bot.gateway import DatabaseUnavailable, Gateway
from bot.rasa_client import Button, Reply
from bot.webhook import capped_body
from puente import i18n, keys, settings

log = logging.getLogger("puente.whatsapp")
NAME = "whatsapp"
TEXT_LIMIT = 4096
BODY_LIMIT = 1024  # interactive message body
ID_LIMIT = 256  # button and row ids
# Meta allows free-form messages for 24 hours after the person's last message; keep a margin.
WINDOW_SECONDS = 24 * 3600 - 600

_KINDS = {
    "text": Kind.text, "interactive": Kind.text, "button": Kind.text,
    "audio": Kind.voice, "image": Kind.media, "video": Kind.media, "document": Kind.media,
    "sticker": Kind.sticker, "location": Kind.location, "contacts": Kind.contact,
    "reaction": Kind.silent, "system": Kind.silent, "request_welcome": Kind.silent,
}  # fmt: skip


def signature_ok(app_secret: str, body: bytes, header: str | None) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return keys.same(header.removeprefix("sha256="), expected)


def parse(payload: Any, phone_number_id: str) -> list[tuple[Incoming, str | None]]:
    """Messages in a webhook payload, each with the id of a pressed button (resolved later).
    Status callbacks (sent, delivered, read) and other numbers' messages are left out."""
    found: list[tuple[Incoming, str | None]] = []
    if not isinstance(payload, dict):
        return found
    for entry in _list(payload.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            value = _dict(_dict(change).get("value"))
            number = _dict(value.get("metadata")).get("phone_number_id")
            if number is not None and str(number) != phone_number_id:
                continue
            for message in _list(value.get("messages")):
                item = _message(_dict(message))
                if item is not None:
                    found.append(item)
    return found


def _message(message: dict[str, Any]) -> tuple[Incoming, str | None] | None:
    sender, message_id, kind_name = message.get("from"), message.get("id"), message.get("type")
    if not isinstance(sender, str) or not sender.isdigit() or not isinstance(message_id, str):
        return None
    kind = _KINDS.get(str(kind_name), Kind.unsupported)
    text, button = "", None
    if kind_name == "text":
        text = str(_dict(message.get("text")).get("body") or "")
    elif kind_name == "interactive":
        reply = _dict(message.get("interactive"))
        chosen = _dict(reply.get("button_reply") or reply.get("list_reply"))
        button = str(chosen.get("id") or "") or None
        if button is None:
            kind = Kind.unsupported
    elif kind_name == "button":  # a template's quick reply
        text = str(_dict(message.get("button")).get("text") or "")
    return Incoming(NAME, sender, message_id, kind, text, sender, {"button": "1"} if button else {}), button


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class GraphError(Exception):
    pass


class WhatsAppChannel:
    """Sends through the Graph API: text, reply buttons (up to 3 short ones) or list messages."""

    name = NAME

    def __init__(self, config: settings.WhatsApp, gateway: Gateway) -> None:
        self.config = config
        self.gateway = gateway
        self.http = httpx.AsyncClient(
            timeout=httpx.Timeout(15, connect=5), headers={"Authorization": f"Bearer {config.token}"}
        )

    async def send(self, address: str, replies: list[Reply], language: str) -> None:
        for reply in replies:
            text = reply.text
            if reply.buttons and len(text) > BODY_LIMIT:  # say it first, then ask with the buttons
                for chunk in split_text(text, TEXT_LIMIT):
                    await self._post(_text(address, chunk))
                text = ""
            if not reply.buttons:
                for chunk in split_text(text, TEXT_LIMIT):
                    await self._post(_text(address, chunk))
                continue
            body = text or i18n.t(language, "channels.choose")
            ids = [await self.gateway.button_id(b.payload, ID_LIMIT) for b in reply.buttons]
            if len(reply.buttons) <= 3 and all(len(b.title) <= 20 for b in reply.buttons):
                await self._post(_reply_buttons(address, body, reply.buttons, ids))
                continue
            for start in range(0, len(reply.buttons), 10):  # a list holds 10 rows
                rows = list(zip(reply.buttons[start : start + 10], ids[start : start + 10], strict=True))
                await self._post(_list_message(address, body, rows, i18n.t(language, "channels.options")))
                body = i18n.t(language, "channels.choose")

    async def typing(self, address: str) -> None:
        """The Cloud API's typing indicator needs the id of the message being answered; skipped."""

    async def notify(self, address: str, text: str, language: str, last_inbound_at_age: float | None) -> Notice:
        if last_inbound_at_age is not None and last_inbound_at_age < WINDOW_SECONDS:
            await self.send(address, [Reply(text)], language)
            return Notice.sent
        if not self.config.template:
            return Notice.held  # kept until the person writes again
        await self._post(_template(address, self.config.template, language, text))
        return Notice.sent

    async def _post(self, message: dict[str, Any]) -> None:
        url = f"{self.config.api_url}/{self.config.phone_number_id}/messages"
        for attempt in range(4):
            try:
                response = await self.http.post(url, json=message)
            except httpx.HTTPError as error:
                if attempt == 3:
                    raise GraphError(f"{type(error).__name__}: {error}") from error
            else:
                if response.status_code < 300:
                    return
                if response.status_code != 429 and response.status_code < 500:
                    raise GraphError(f"Graph API {response.status_code}: {response.text[:200]}")
                if attempt == 3:
                    raise GraphError(f"Graph API {response.status_code} after retries")
            await asyncio.sleep(0.5 * 2**attempt)

    async def close(self) -> None:
        await self.http.aclose()


def _envelope(address: str, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": address, "type": kind, kind: content}


def _text(address: str, text: str) -> dict[str, Any]:
    return _envelope(address, "text", {"body": text, "preview_url": False})


def _reply_buttons(address: str, body: str, buttons: list[Button], ids: list[str]) -> dict[str, Any]:
    choices = [{"type": "reply", "reply": {"id": i, "title": b.title}} for b, i in zip(buttons, ids, strict=True)]
    return _envelope(address, "interactive", {"type": "button", "body": {"text": body}, "action": {"buttons": choices}})


def _list_message(address: str, body: str, rows: list[tuple[Button, str]], label: str) -> dict[str, Any]:
    def row(button: Button, row_id: str) -> dict[str, str]:
        if len(button.title) <= 24:
            return {"id": row_id, "title": button.title}
        return {"id": row_id, "title": button.title[:23] + "…", "description": button.title[:72]}

    return _envelope(address, "interactive", {
        "type": "list",
        "body": {"text": body},
        "action": {"button": label[:20], "sections": [{"title": label[:24], "rows": [row(b, i) for b, i in rows]}]},
    })  # fmt: skip


def _template(address: str, name: str, language: str, text: str) -> dict[str, Any]:
    # A template parameter may not hold newlines or long runs of spaces.
    param = " · ".join(line.strip() for line in text.splitlines() if line.strip())[:1000]
    return _envelope(address, "template", {
        "name": name,
        "language": {"code": language},
        "components": [{"type": "body", "parameters": [{"type": "text", "text": param}]}],
    })  # fmt: skip


def routes(config: settings.WhatsApp, gateway: Gateway) -> list[Route]:
    async def verify(request: Request) -> Response:
        params = request.query_params
        token = params.get("hub.verify_token", "")
        if params.get("hub.mode") == "subscribe" and keys.same(token, config.verify_token):
            return PlainTextResponse(params.get("hub.challenge", ""))
        return PlainTextResponse("forbidden", status_code=403)

    async def receive(request: Request) -> Response:
        body = await capped_body(request)
        if body is None:
            return PlainTextResponse("too large", status_code=413)
        if not signature_ok(config.app_secret, body, request.headers.get("x-hub-signature-256")):
            return PlainTextResponse("bad signature", status_code=401)
        try:
            payload = json.loads(body)
        except ValueError:
            log.warning("signed WhatsApp request with a body that is not JSON: ignored")
            return PlainTextResponse("ok")  # an error would make Meta send it again and again
        try:
            for incoming, button in parse(payload, config.phone_number_id):
                if button is not None:
                    incoming = Incoming(
                        incoming.channel, incoming.address, incoming.external_id, Kind.text,
                        await gateway.payload(button), incoming.hint, incoming.metadata,
                    )  # fmt: skip
                await gateway.receive(incoming)
        except DatabaseUnavailable:
            log.error("database unavailable: WhatsApp will deliver the message again")
            return PlainTextResponse("unavailable", status_code=503)
        return PlainTextResponse("ok")

    return [Route("/whatsapp", verify, methods=["GET"]), Route("/whatsapp", receive, methods=["POST"])]

"""A fake Telegram Bot API on 127.0.0.1 for the real python-telegram-bot client (`base_url`).

It serves `getUpdates` from a queue the test fills, records every call (sendMessage,
sendChatAction, answerCallbackQuery, setMyCommands...), and fails on demand.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.http import ThreadedServer

TOKEN = "123456:TEST-token"
BOT = {"id": 123456, "is_bot": True, "first_name": "Puente", "username": "puente_test_bot"}
MEDIATORS_GROUP = -1009990001  # the mediators' group chat in the tests
JSON_FIELDS = {"reply_markup", "commands", "allowed_updates", "link_preview_options"}
# One bot's update ids never repeat; the tests share one records database, so neither may ours.
UPDATE_IDS = itertools.count(int(time.time()) % 100_000 * 10_000)


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    message_id: int | None = None  # of the message it created (sendMessage, copyMessage)


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.updates: list[dict[str, Any]] = []
        self.failures: dict[str, list[int]] = {}
        self.forbidden: set[str] = set()  # chats the bot may not write to (a user who never pressed Start)
        self.lock = threading.Lock()
        self.message_ids = itertools.count(1)
        self.http = ThreadedServer(
            Starlette(routes=[Route("/bot{token}/{method}", self._handle, methods=["GET", "POST"])])
        )

    # -- the test's side ------------------------------------------------------------------------------

    @property
    def api_url(self) -> str:
        """What TELEGRAM_API_URL is set to (the client adds /bot<token>/<method>)."""
        return self.http.url

    def start(self) -> FakeTelegram:
        self.http.start()
        return self

    def stop(self) -> None:
        self.http.stop()

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queues an update for getUpdates; gives it an update_id unless it has one (a redelivery)."""
        update = dict(update)
        update.setdefault("update_id", next(UPDATE_IDS))
        with self.lock:
            self.updates.append(update)
        return update

    def fail(self, method: str, times: int = 1, status: int = 500) -> None:
        with self.lock:
            self.failures.setdefault(method, []).extend([status] * times)

    def forbid(self, chat_id: int | str) -> None:
        with self.lock:
            self.forbidden.add(str(chat_id))

    def allow(self, chat_id: int | str) -> None:
        with self.lock:
            self.forbidden.discard(str(chat_id))

    def called(self, method: str, chat_id: int | str | None = None) -> list[Call]:
        with self.lock:
            return [
                c
                for c in self.calls
                if c.method == method and (chat_id is None or str(c.params.get("chat_id")) == str(chat_id))
            ]

    def texts(self, chat_id: int | str) -> list[str]:
        return [c.params.get("text", "") for c in self.called("sendMessage", chat_id)]

    def wait_for(
        self,
        method: str,
        chat_id: int | str | None = None,
        count: int = 1,
        timeout: float = 60,
        where: Callable[[Call], bool] = lambda c: True,
    ) -> list[Call]:
        deadline = time.monotonic() + timeout
        while True:
            found = [c for c in self.called(method, chat_id) if where(c)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"{method} to {chat_id}: {len(found)} of {count} calls after {timeout} s")
            time.sleep(0.05)

    # -- the Bot API's side ------------------------------------------------------------------------

    async def _handle(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if request.path_params["token"] != TOKEN:
            return JSONResponse({"ok": False, "error_code": 401, "description": "Unauthorized"}, status_code=401)
        try:
            params = await _params(request)
        except ClientDisconnect:  # the client gave up (a poll cut short at shutdown)
            return JSONResponse({"ok": False}, status_code=499)
        with self.lock:
            failures = self.failures.get(method)
            status = failures.pop(0) if failures else None
            if method in ("sendMessage", "copyMessage") and str(params.get("chat_id")) in self.forbidden:
                status = 403
            call = Call(method, params)
            if method != "getUpdates":
                self.calls.append(call)
        if status == 429:
            body = {
                "ok": False,
                "error_code": 429,
                "description": "Too Many Requests: retry after 1",
                "parameters": {"retry_after": 1},
            }
            return JSONResponse(body, status_code=429)
        if status == 403:
            refusal = "Forbidden: bot can't initiate conversation with a user"
            return JSONResponse({"ok": False, "error_code": 403, "description": refusal}, status_code=403)
        if status is not None:
            return JSONResponse({"ok": False, "error_code": status, "description": "failing on demand"}, status)
        if method == "getUpdates":
            return JSONResponse({"ok": True, "result": await self._get_updates(params)})
        result = self._result(method, params)
        if isinstance(result, dict) and "message_id" in result:
            call.message_id = result["message_id"]
        return JSONResponse({"ok": True, "result": result})

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 2.0)
        while True:
            with self.lock:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed ones go
                ready = self.updates[: int(params.get("limit") or 100)]
            if ready or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return BOT
        if method in ("sendMessage", "editMessageText"):
            chat = {"id": int(params.get("chat_id", 0)), "type": "private", "first_name": "Test"}
            message = {
                "message_id": next(self.message_ids),
                "date": int(time.time()),
                "chat": chat,
                "from": BOT,
                "text": params.get("text", ""),
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        if method == "copyMessage":
            return {"message_id": next(self.message_ids)}
        return True


async def _params(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return dict(request.query_params)
    if request.headers.get("content-type", "").startswith("application/json"):
        return json.loads(body)
    params: dict[str, Any] = dict(parse_qsl(body.decode(), keep_blank_values=True))
    for key in JSON_FIELDS & params.keys():
        params[key] = json.loads(params[key])
    return params


# -- updates as Telegram sends them --------------------------------------------------------------------


def user(chat_id: int, language_code: str | None = "es") -> dict[str, Any]:
    person: dict[str, Any] = {"id": chat_id, "is_bot": False, "first_name": "Persona"}
    if language_code:
        person["language_code"] = language_code
    return person


def message(chat_id: int, language_code: str | None = "es", **content: Any) -> dict[str, Any]:
    return {
        "message": {
            "message_id": chat_id % 100000 + int(time.time() * 1000) % 100000,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Persona"},
            "from": user(chat_id, language_code),
            **content,
        }
    }


def text(chat_id: int, body: str, language_code: str | None = "es") -> dict[str, Any]:
    update = message(chat_id, language_code, text=body)
    if body.startswith("/"):
        command = body.split()[0]
        update["message"]["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return update


def press(chat_id: int, data: str, keyboard: dict[str, Any] | None = None, language_code: str = "es") -> dict[str, Any]:
    """A pressed inline button, on the bot message that carried `keyboard`."""
    bot_message: dict[str, Any] = {
        "message_id": 1,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": BOT,
        "text": "…",
    }
    if keyboard:
        bot_message["reply_markup"] = keyboard
    return {
        "callback_query": {
            "id": f"cb{chat_id}{time.time_ns()}",
            "from": user(chat_id, language_code),
            "chat_instance": "1",
            "data": data,
            "message": bot_message,
        }
    }


def press_in_group(group_id: int, user_id: int, data: str, message_id: int) -> dict[str, Any]:
    """Someone in a group presses a button of the bot's message `message_id` there."""
    bot_message = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": {"id": group_id, "type": "supergroup", "title": "Mediadores"},
        "from": BOT,
        "text": "…",
    }
    return {
        "callback_query": {
            "id": f"cb{user_id}{time.time_ns()}",
            "from": user(user_id, "es"),
            "chat_instance": "2",
            "data": data,
            "message": bot_message,
        }
    }


def reply(chat_id: int, body: str, to_message_id: int) -> dict[str, Any]:
    """A text that answers (Telegram's swipe-to-reply) one of the bot's messages."""
    update = text(chat_id, body)
    update["message"]["reply_to_message"] = {
        "message_id": to_message_id,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private"},
        "from": BOT,
        "text": "…",
    }
    return update


def photo(chat_id: int, language_code: str | None = "es") -> dict[str, Any]:
    size = {"file_id": "p1", "file_unique_id": "p1", "width": 90, "height": 90}
    return message(chat_id, language_code, photo=[size])


def voice(chat_id: int, language_code: str | None = "es") -> dict[str, Any]:
    return message(chat_id, language_code, voice={"file_id": "v1", "file_unique_id": "v1", "duration": 4})

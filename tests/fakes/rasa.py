"""A stand-in for Rasa's REST channel, only for the fuzz test (thousands of updates): it answers
every message at once with a text and buttons, one of them with a payload too long for Telegram."""

from __future__ import annotations

import threading

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.http import ThreadedServer

LONG_PAYLOAD = '/workshop_enrol{"workshop": "spanish_course", "note": "' + "x" * 80 + '"}'


class FakeRasa:
    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.http = ThreadedServer(Starlette(routes=[Route("/webhooks/rest/webhook", self._reply, methods=["POST"])]))

    @property
    def url(self) -> str:
        return self.http.url

    def start(self) -> FakeRasa:
        self.http.start()
        return self

    def stop(self) -> None:
        self.http.stop()

    async def _reply(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self.lock:
            self.messages.append((body["sender"], body["message"]))
        buttons = [{"title": "Sí", "payload": "/affirm"}, {"title": "Inscribirme", "payload": LONG_PAYLOAD}]
        return JSONResponse([{"recipient_id": body["sender"], "text": f"recibido: {body['message'][:40]}",
                              "buttons": buttons}])  # fmt: skip

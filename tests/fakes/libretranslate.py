"""A fake LibreTranslate server on 127.0.0.1 for the real deep-translator client: records requests,
translates deterministically, and fails or hangs on demand."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fakes.http import ThreadedServer

NAMES = {"es": "Spanish", "ar": "Arabic", "en": "English", "ht": "Haitian Creole"}

# A few phrases as a real engine would render them; anything else becomes "[<target>] <text>".
DICTIONARY = {
    ("es", "ar"): {
        "hola": "مرحبا",
        "¿dónde está el cesfam?": "أين يقع مركز الصحة العائلية؟",
        "gracias": "شكرا",
    },
    ("ar", "es"): {
        "مرحبا": "hola",
        "شكرا": "gracias",
        "أريد تعلم الإسبانية": "quiero aprender español",
    },
}


def rendering(text: str, source: str, target: str) -> str:
    """What the fake answers for `text`: recognisable in assertions."""
    return DICTIONARY.get((source, target), {}).get(text.strip().lower(), f"[{target}] {text}")


class FakeLibreTranslate:
    """Like a self-hosted LibreTranslate: the languages it has models for (by default, as in reality,
    none for Haitian Creole), and an API key only when started with one."""

    def __init__(self, languages: tuple[str, ...] = ("es", "ar", "en"), api_key: str | None = None) -> None:
        self.languages = languages
        self.api_key = api_key
        self.requests: list[dict[str, str]] = []
        self.failures: list[int] = []
        self.hangs = 0
        self.hang_for = 30.0
        self.released = threading.Event()  # ends any hang at once (stop)
        self.lock = threading.Lock()
        self.http = ThreadedServer(
            Starlette(
                routes=[
                    Route("/translate", self._translate, methods=["POST"]),
                    Route("/languages", self._languages, methods=["GET"]),
                ]
            )
        )

    @property
    def url(self) -> str:
        return self.http.url

    def start(self) -> FakeLibreTranslate:
        self.http.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.http.stop()

    def fail(self, times: int = 1, status: int = 500) -> None:
        with self.lock:
            self.failures.extend([status] * times)

    def hang(self, times: int = 1, seconds: float = 30.0) -> None:
        """The next `times` translations get no answer for `seconds` (a server that went silent)."""
        with self.lock:
            self.hangs += times
            self.hang_for = seconds

    def received(self) -> list[dict[str, str]]:
        with self.lock:
            return list(self.requests)

    async def _translate(self, request: Request) -> JSONResponse:
        # LibreTranslate reads its arguments from the query string, a form or JSON; deep-translator
        # sends them in the query string of a POST.
        params: dict[str, Any] = dict(request.query_params)
        body = await request.body()
        kind = request.headers.get("content-type", "")
        if body and kind.startswith("application/json"):
            params.update(json.loads(body))
        elif body and kind.startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(body.decode()))
        params = {k: str(v) for k, v in params.items()}
        with self.lock:
            self.requests.append(params)
            status = self.failures.pop(0) if self.failures else None
            hang = self.hangs > 0
            self.hangs -= hang
        if hang:
            deadline = time.monotonic() + self.hang_for
            while time.monotonic() < deadline and not self.released.is_set():
                await asyncio.sleep(0.05)
        if status is not None:
            return JSONResponse({"error": "failing on demand"}, status_code=status)
        if self.api_key is not None and params.get("api_key") != self.api_key:
            return JSONResponse({"error": "Invalid API key"}, status_code=403)
        missing = [name for name in ("q", "source", "target") if not params.get(name)]
        if missing:
            return JSONResponse({"error": f"Invalid request: missing {missing[0]} parameter"}, status_code=400)
        for code in (params["source"], params["target"]):
            if code != "auto" and code not in self.languages:
                return JSONResponse({"error": f"{code} is not supported"}, status_code=400)
        return JSONResponse({"translatedText": rendering(params["q"], params["source"], params["target"])})

    async def _languages(self, request: Request) -> JSONResponse:
        return JSONResponse(
            [
                {"code": code, "name": NAMES.get(code, code), "targets": [t for t in self.languages if t != code]}
                for code in self.languages
            ]
        )

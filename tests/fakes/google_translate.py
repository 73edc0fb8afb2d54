"""A fake of the web page deep-translator's GoogleTranslator reads, on 127.0.0.1: it answers
"[<target>] <text>" in the result container, records what it was asked, and fails on demand."""

from __future__ import annotations

import threading
from html import escape

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tests.fakes.http import ThreadedServer


class FakeGoogle:
    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.failures = 0
        self.lock = threading.Lock()
        self.http = ThreadedServer(Starlette(routes=[Route("/m", self._page)]))

    @property
    def url(self) -> str:
        """What deep-translator's BASE_URLS["GOOGLE_TRANSLATE"] is set to."""
        return f"{self.http.url}/m"

    def start(self) -> FakeGoogle:
        self.http.start()
        return self

    def stop(self) -> None:
        self.http.stop()

    def fail(self, times: int = 1) -> None:
        with self.lock:
            self.failures += times

    async def _page(self, request: Request) -> HTMLResponse:
        with self.lock:
            self.seen.append(dict(request.query_params))
            failing = self.failures > 0
            self.failures -= failing
        if failing:
            return HTMLResponse("unavailable", status_code=503)
        text = f"[{request.query_params['tl']}] {request.query_params['q']}"
        return HTMLResponse(f'<html><body><div class="result-container">{escape(text)}</div></body></html>')

"""Talks to the Rasa server through its REST channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    custom: dict[str, Any] | None = None

    @classmethod
    def from_rasa(cls, data: dict[str, Any]) -> Reply:
        return cls(
            text=data.get("text") or "",
            buttons=[Button(b.get("title", ""), b.get("payload", "")) for b in data.get("buttons") or []],
            custom=data.get("custom"),
        )


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer: the message must be kept and retried."""


class RasaClient:
    """One client per process; `send` is safe to call concurrently."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = httpx.AsyncClient(timeout=timeout)

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[Reply]:
        try:
            response = await self.http.post(
                f"{self.base_url}/webhooks/rest/webhook",
                json={"sender": sender, "message": text, "metadata": metadata or {}},
            )
            response.raise_for_status()
            replies = [Reply.from_rasa(item) for item in response.json()]
        except (httpx.HTTPError, ValueError) as error:
            raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
        if not replies:  # every turn of ours says something: silence means a custom action failed
            raise RasaUnavailable("Rasa answered nothing (is the action server up?)")
        return replies

    async def close(self) -> None:
        await self.http.aclose()

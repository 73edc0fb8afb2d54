"""Talks to the Rasa server(s) through the REST channel; with several replicas, each sender goes to
one of them (bot/replicas.py) and moves to its next choice while that one is down."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from bot.replicas import Replicas

log = logging.getLogger("puente.gateway")
CONNECT_TIMEOUT = 5.0  # loopback or a LAN: a replica that takes longer to accept is as good as down
PROBE_TIMEOUT = 3.0


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
    """One client per process; `send` is safe to call concurrently.

    `base_url` is one Rasa server or a list of replicas (RASA_URLS). What happens when a replica fails
    depends on whether it can have seen the message:
    - it could not be reached (connection refused, connect timeout): nothing was sent, so the replica
      is marked down and the message goes at once to the sender's next replica;
    - the connection broke mid-request, or a 5xx: the replica is marked down, but the message is not
      sent elsewhere now: part of the turn may have run (a custom action that enrolled someone), so
      RasaUnavailable makes the gateway keep it and retry it later, on the next replica;
    - read timeout: not retried elsewhere and the replica is not marked down. It may still be working
      on the message, and Rasa's open-source lock store does not stop a second replica from handling
      the same sender at the same time; the gateway's retry goes to the same replica, whose lock
      orders it after the first. The price: a turn that finished after the timeout is answered again
      on the retry (at least once, as with one server).
    Down replicas are probed (GET /) in the background every `probe_interval` seconds, and their
    senders move back when one answers.
    """

    def __init__(self, base_url: str | Sequence[str], timeout: float = 30.0, probe_interval: float = 2.0) -> None:
        self.replicas = Replicas([base_url] if isinstance(base_url, str) else base_url, probe_interval)
        self.base_url = self.replicas.urls[0]
        self.http = httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT)))
        self._prober: asyncio.Task[None] | None = None

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[Reply]:
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        unreachable: list[str] = []
        for url in self.replicas.order(sender):
            try:
                response = await self.http.post(f"{url}/webhooks/rest/webhook", json=body)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                self._down(url, error)
                unreachable.append(f"{url}: {type(error).__name__}")
                continue  # it never got the message: the sender's next replica may have it
            except httpx.PoolTimeout as error:  # our own client is saturated; the replica is not at fault
                raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
            except httpx.TimeoutException as error:  # read or write timeout: see the class's docstring
                raise RasaUnavailable(f"{url}: {type(error).__name__} (not retried elsewhere)") from error
            except httpx.HTTPError as error:  # the connection broke mid-request
                self._down(url, error)
                raise RasaUnavailable(f"{url}: {type(error).__name__}: {error}") from error
            if response.status_code >= 500:
                self._down(url, f"HTTP {response.status_code}")
                raise RasaUnavailable(f"{url}: HTTP {response.status_code}")
            try:
                response.raise_for_status()
                replies = [Reply.from_rasa(item) for item in response.json()]
            except (httpx.HTTPError, ValueError) as error:
                raise RasaUnavailable(f"{type(error).__name__}: {error}") from error
            self.replicas.succeeded(url, sender)
            if not replies:  # every turn of ours says something: silence means a custom action failed
                raise RasaUnavailable("Rasa answered nothing (is the action server up?)")
            return replies
        raise RasaUnavailable("no Rasa server reachable: " + "; ".join(unreachable))

    def _down(self, url: str, why: object) -> None:
        if self.replicas.is_up(url):
            log.warning("rasa replica %s down (%s); its conversations go to the next replica", url, why)
        self.replicas.failed(url)
        if len(self.replicas.urls) > 1 and (self._prober is None or self._prober.done()):
            self._prober = asyncio.get_running_loop().create_task(self._probe_while_down())

    async def _probe_while_down(self) -> None:
        while self.replicas.down():
            await asyncio.sleep(self.replicas.probe_interval / 2)
            for url in self.replicas.due_probes():
                with contextlib.suppress(httpx.HTTPError):
                    if (await self.http.get(f"{url}/", timeout=PROBE_TIMEOUT)).status_code == 200:
                        self.replicas.succeeded(url)
                        log.warning("rasa replica %s is back; its conversations return to it", url)

    def status(self) -> list[dict[str, object]]:
        return self.replicas.status()

    async def close(self) -> None:
        if self._prober is not None:
            self._prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._prober
        await self.http.aclose()

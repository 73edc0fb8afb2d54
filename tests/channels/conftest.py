"""The gateway as it runs in production (python-telegram-bot, the webhook server, the workers),
in a thread of its own, against fake Telegram and WhatsApp servers on 127.0.0.1 and, for the full
path, the real Rasa server and action server of the `servers` fixture."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

import pytest

from bot import server
from puente import settings
from puente.stack import free_port
from tests.conftest import Servers
from tests.fakes import graph_api, telegram_api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram

T = TypeVar("T")


class GatewayThread:
    """Runs `bot.server.start(conf)` on an event loop in a background thread, like a process."""

    def __init__(self, conf: settings.Settings, owner: str | None = None) -> None:
        # A port of its own, so several gateways can share one configuration (as replicas do).
        self.conf = dataclasses.replace(conf, gateway=dataclasses.replace(conf.gateway, port=free_port()))
        self.owner = owner
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.running: server.Running | None = None

    def __enter__(self) -> GatewayThread:
        self.thread.start()
        self.running = self.call(server.start(self.conf, poll_timeout=1, owner=self.owner))
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self.loop)
        return future.result(timeout)

    def stop(self) -> None:
        if self.running is not None:
            self.call(server.stop(self.running))
            self.running = None
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    @property
    def url(self) -> str:
        assert self.running is not None
        return self.running.url

    @property
    def outcomes(self) -> dict[str, int]:
        assert self.running is not None
        return dict(self.running.gateway.outcomes)


def gateway_settings(
    database_url: str,
    rasa_url: str,
    telegram: FakeTelegram | None = None,
    graph: FakeGraph | None = None,
    template: str = "",
    **gateway: Any,
) -> settings.Settings:
    options: dict[str, Any] = {"retry_interval": 0.5, **gateway}
    return settings.Settings(
        database_url=database_url,
        action_port=0,
        rasa_port=0,
        gateway=settings.Gateway(port=free_port(), rasa_url=rasa_url, **options),
        telegram=settings.Telegram(token=telegram_api.TOKEN, api_url=telegram.api_url) if telegram else None,
        whatsapp=settings.WhatsApp(
            token=graph_api.TOKEN,
            phone_number_id=graph_api.PHONE_NUMBER_ID,
            app_secret=graph_api.APP_SECRET,
            verify_token=graph_api.VERIFY_TOKEN,
            api_url=graph.api_url,
            template=template,
        )
        if graph
        else None,
    )


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_graph() -> Iterator[FakeGraph]:
    fake = FakeGraph().start()
    yield fake
    fake.stop()


@pytest.fixture
def gateway(servers: Servers, fake_telegram: FakeTelegram, fake_graph: FakeGraph) -> Iterator[GatewayThread]:
    """Both channels, the real Rasa server, the records database the action server uses."""
    with GatewayThread(gateway_settings(servers.records_url, servers.rasa_url, fake_telegram, fake_graph)) as running:
        yield running

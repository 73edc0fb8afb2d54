"""Which Rasa replica answers whom: each person sticks to one, only a down replica's people move,
and they move back when it returns. The client part runs against small real HTTP servers."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route

from bot.rasa_client import RasaClient, RasaUnavailable
from bot.replicas import Replicas
from puente import settings
from puente.stack import Stack, free_port
from tests.fakes.http import ThreadedServer

A, B, C = "http://rasa-a:5005", "http://rasa-b:5005", "http://rasa-c:5005"
PEOPLE = [f"telegram:{1000 + n}" for n in range(600)]


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_person_always_goes_to_the_same_replica_whatever_process_asks() -> None:
    first, second = Replicas([A, B, C]), Replicas([C, A, B])  # the order they are listed in does not matter
    assert all(first.home(p) == second.home(p) for p in PEOPLE)
    # A fixed hash, not Python's salted one: every gateway process, every restart, agrees.
    assert Replicas([A, B]).home("telegram:42") == Replicas([A, B]).home("telegram:42")
    assert [Replicas([A, B, C]).home(f"whatsapp:5691234567{n}") for n in range(4)] == [B, B, A, B]


def test_people_spread_over_the_replicas() -> None:
    replicas = Replicas([A, B, C])
    share = {url: sum(replicas.home(p) == url for p in PEOPLE) / len(PEOPLE) for url in (A, B, C)}
    assert all(0.25 < s < 0.42 for s in share.values()), share


def test_only_the_people_of_a_down_replica_move_and_each_to_its_second_choice() -> None:
    replicas = Replicas([A, B, C])
    before = {p: replicas.order(p)[0] for p in PEOPLE}
    replicas.failed(B)
    after = {p: replicas.order(p)[0] for p in PEOPLE}
    moved = {p for p in PEOPLE if before[p] != after[p]}
    assert moved == {p for p in PEOPLE if before[p] == B}
    assert all(after[p] == replicas.ranking(p)[1] for p in moved)
    assert B not in after.values()


def test_a_new_replica_takes_people_only_for_itself() -> None:
    two, three = Replicas([A, B]), Replicas([A, B, C])
    changed = [p for p in PEOPLE if two.home(p) != three.home(p)]
    assert changed and all(three.home(p) == C for p in changed)


def test_people_move_back_when_the_replica_answers_its_probe() -> None:
    clock = Clock()
    replicas = Replicas([A, B], probe_interval=2.0, clock=clock)
    homes = {p: replicas.home(p) for p in PEOPLE}
    replicas.failed(B)
    assert replicas.down() == [B] and replicas.due_probes() == []  # not probed at once
    clock.now += 2.0
    assert replicas.due_probes() == [B]
    assert replicas.due_probes() == []  # one probe per interval
    clock.now += 2.0
    assert replicas.due_probes() == [B]  # it did not answer: probed again
    replicas.succeeded(B)
    assert all(replicas.order(p)[0] == homes[p] for p in PEOPLE)
    assert replicas.down() == []


def test_with_every_replica_down_all_are_still_tried() -> None:
    replicas = Replicas([A, B])
    replicas.failed(A)
    replicas.failed(B)
    assert replicas.order("telegram:7") == replicas.ranking("telegram:7")


def test_one_url_is_the_one_server_case() -> None:
    replicas = Replicas(["http://127.0.0.1:5005/"])
    assert replicas.order("telegram:1") == ["http://127.0.0.1:5005"]
    with pytest.raises(ValueError):
        Replicas([" "])


# -- the client, against real HTTP servers ----------------------------------------------------------


class Replica:
    """A Rasa stand-in on a loopback port: answers the REST webhook and GET / (the probe)."""

    def __init__(self, port: int | None = None) -> None:
        self.messages: list[tuple[str, str]] = []
        self.lock = threading.Lock()
        self.status = 200
        self.delay = 0.0
        self.http = ThreadedServer(
            Starlette(routes=[Route("/", self._hello), Route("/webhooks/rest/webhook", self._reply, methods=["POST"])])
        )
        if port is not None:  # a replica restarted at its old address
            self.http.port = self.http.server.config.port = port

    @property
    def url(self) -> str:
        return self.http.url

    async def _hello(self, request: Request) -> PlainTextResponse:
        return PlainTextResponse("Hello from Rasa: 3.6 (a stand-in)")

    async def _reply(self, request: Request) -> JSONResponse:
        body = await request.json()
        await asyncio.sleep(self.delay)
        if self.status != 200:
            return JSONResponse({"error": "failing on purpose"}, status_code=self.status)
        with self.lock:
            self.messages.append((body["sender"], body["message"]))
        return JSONResponse([{"recipient_id": body["sender"], "text": f"ok {body['message']}"}])


@pytest.fixture
def two_replicas() -> Iterator[tuple[Replica, Replica]]:
    first, second = Replica(), Replica()
    first.http.start()
    second.http.start()
    yield first, second
    for replica in (first, second):
        if replica.http.thread.is_alive():
            replica.http.stop()


def people_of(client: RasaClient, url: str, count: int = 3) -> list[str]:
    return [p for p in PEOPLE if client.replicas.home(p) == url][:count]


async def test_a_replica_that_stops_hands_its_people_to_the_other_and_gets_them_back(
    two_replicas: tuple[Replica, Replica],
) -> None:
    first, second = two_replicas
    client = RasaClient([first.url, second.url], timeout=10, probe_interval=0.4)
    try:
        mine, theirs = people_of(client, first.url), people_of(client, second.url)
        for person in mine + theirs:
            await client.send(person, "hola")
        assert {p for p, _ in first.messages} == set(mine) and {p for p, _ in second.messages} == set(theirs)

        second.http.stop()  # connection refused from now on: nothing reached it, so no turn is lost
        for person in theirs:
            assert (await client.send(person, "sigo aqui"))[0].text == "ok sigo aqui"
        assert [m for m in first.messages if m[1] == "sigo aqui"] == [(p, "sigo aqui") for p in theirs]
        assert client.replicas.down() == [second.url] and client.replicas.moved == len(theirs)

        # It comes back on the same port: the probe notices and its people return to it.
        returned = Replica(port=second.http.port)
        returned.http.start()
        try:
            for _ in range(50):
                if not client.replicas.down():
                    break
                await asyncio.sleep(0.1)
            assert client.replicas.down() == []
            for person in theirs:
                await client.send(person, "de vuelta")
            assert [p for p, _ in returned.messages] == theirs
        finally:
            returned.http.stop()
    finally:
        await client.close()


async def test_a_server_error_is_not_sent_elsewhere_at_once_but_the_retry_is(
    two_replicas: tuple[Replica, Replica],
) -> None:
    first, second = two_replicas
    client = RasaClient([first.url, second.url], timeout=10, probe_interval=60)
    try:
        person = people_of(client, second.url, 1)[0]
        second.status = 500
        with pytest.raises(RasaUnavailable, match="HTTP 500"):
            await client.send(person, "hola")  # part of the turn may have run: the gateway keeps it
        assert first.messages == []
        await client.send(person, "hola")  # the gateway's retry: the next replica
        assert first.messages == [(person, "hola")]
    finally:
        await client.close()


async def test_a_timed_out_message_is_not_sent_to_another_replica_which_stays_in_use(
    two_replicas: tuple[Replica, Replica],
) -> None:
    first, second = two_replicas
    client = RasaClient([first.url, second.url], timeout=0.5, probe_interval=60)
    try:
        person = people_of(client, second.url, 1)[0]
        second.delay = 1.5  # still working on it when the client gives up
        with pytest.raises(RasaUnavailable, match="ReadTimeout"):
            await client.send(person, "hola")
        # The other replica would handle this person at the same time as the slow one.
        assert first.messages == [] and client.replicas.down() == []
        for _ in range(100):  # the slow replica finishes the turn the client gave up on
            if second.messages:
                break
            await asyncio.sleep(0.05)
        second.delay = 0
        await client.send(person, "hola")  # the gateway's retry goes to the same replica
        assert [m for m in second.messages if m[0] == person] == [(person, "hola"), (person, "hola")]
        assert first.messages == []
    finally:
        await client.close()


def hang_up_server() -> tuple[socket.socket, threading.Thread]:
    """A replica that dies while a request is in flight: it reads the request and closes."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with contextlib.suppress(OSError):
            while True:
                connection, _ = listener.accept()
                connection.recv(65536)
                connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener, thread


async def test_a_replica_that_dies_mid_request_is_marked_down_and_the_message_kept_for_the_retry(
    two_replicas: tuple[Replica, Replica],
) -> None:
    first, _ = two_replicas
    listener, _thread = hang_up_server()
    dying = f"http://127.0.0.1:{listener.getsockname()[1]}"
    client = RasaClient([first.url, dying], timeout=5, probe_interval=60)
    try:
        person = people_of(client, dying, 1)[0]
        # The hang-up reads as either, depending on timing: both are "the connection broke mid-request".
        with pytest.raises(RasaUnavailable, match="RemoteProtocolError|ReadError"):
            await client.send(person, "hola")
        assert first.messages == [] and client.replicas.down() == [dying]  # not resent at once
        await client.send(person, "hola")  # the gateway's retry: the next replica
        assert first.messages == [(person, "hola")]
    finally:
        await client.close()
        listener.close()


async def test_with_no_replica_reachable_the_message_is_kept() -> None:
    client = RasaClient([f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}"], timeout=5)
    try:
        with pytest.raises(RasaUnavailable, match="no Rasa server reachable"):
            await client.send("telegram:1", "hola")
    finally:
        await client.close()


# -- configuration ------------------------------------------------------------------------------------


def test_rasa_urls_name_the_replicas_and_rasa_url_stays_the_one_server_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RASA_URL", "http://rasa:5005/")
    monkeypatch.setenv("RASA_URLS", "")
    assert settings.load().gateway.replicas == ("http://rasa:5005",)
    monkeypatch.setenv("RASA_URLS", "http://rasa-1:5005/, http://rasa-2:5005,http://rasa-1:5005")
    assert settings.load().gateway.replicas == ("http://rasa-1:5005", "http://rasa-2:5005")
    monkeypatch.setenv("RASA_URLS", "rasa-1:5005")
    with pytest.raises(SystemExit, match="RASA_URLS"):
        settings.load()


def test_the_lock_store_url_becomes_rasas_redis_lock_store() -> None:
    assert settings.lock_store_endpoint("") is None
    assert settings.lock_store_endpoint("redis://:s%40cret@redis:6380/2?key_prefix=puente") == {
        "type": "redis", "url": "redis", "port": 6380, "db": 2, "password": "s@cret", "key_prefix": "puente",
    }  # fmt: skip
    assert settings.lock_store_endpoint("rediss://cache") == {
        "type": "redis", "url": "cache", "port": 6379, "db": 1, "use_ssl": True,
    }  # fmt: skip
    for wrong in ("http://redis:6379", "redis://redis/0?key_prefix=pu-ente"):
        with pytest.raises(SystemExit, match="LOCK_STORE_URL"):
            settings.lock_store_endpoint(wrong)


def test_the_endpoints_file_gets_a_lock_store_only_when_one_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCK_STORE_URL", "")
    stack = Stack(rasa_port=free_port(), action_port=6055)
    path: Path = stack.endpoints_file()
    try:
        plain = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert "lock_store" not in plain and plain["action_endpoint"]["url"] == "http://127.0.0.1:6055/webhook"
        stack.env["LOCK_STORE_URL"] = "redis://127.0.0.1:6379/3?key_prefix=abc"
        with_redis = yaml.safe_load(stack.endpoints_file().read_text(encoding="utf-8"))
        assert with_redis["lock_store"] == {"type": "redis", "url": "127.0.0.1", "port": 6379, "db": 3,
                                            "key_prefix": "abc"}  # fmt: skip
        assert with_redis["tracker_store"] == plain["tracker_store"]
        assert path.stat().st_mode & 0o077 == 0  # it may carry the Redis password
    finally:
        path.unlink(missing_ok=True)

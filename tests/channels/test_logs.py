"""The logs keep people's words out. Someone writes a word nobody else writes, enrols with a name and a
phone nobody else has, on Telegram and on WhatsApp, while a reply fails to send and while Rasa cannot
be reached: no line of the gateway's log (JSON, at DEBUG even), of the action server's or of the Rasa
server's carries any of them, and every JSON line parses."""

from __future__ import annotations

import io
import json
import logging
import random
import re
import string
import time
from collections.abc import Iterator

import pytest

from puente import logs
from puente.stack import LOGS, free_port
from tests.channels.conftest import GatewayThread, gateway_settings
from tests.channels.people import TelegramPerson, WhatsAppPerson
from tests.conftest import Servers
from tests.fakes import telegram_api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.servers
CODE = re.compile(r"\b[A-Z]{2,5}-[A-Z0-9]{5,6}\b")


def letters(n: int) -> str:
    return "".join(random.choice(string.ascii_lowercase) for _ in range(n))


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The gateway's logging as `python -m bot` sets it up (JSON, DEBUG), into a buffer; pytest's own
    logging is put back afterwards."""
    names = ["", *logs.OURS, *logs.CHATTY, "sanic.root", "sanic.error", "uvicorn", "uvicorn.error"]
    saved = {n: (lg.level, list(lg.handlers), lg.propagate) for n in names for lg in [logging.getLogger(n)]}
    stream = io.StringIO()
    logs.configure("gateway", stream=stream, env={"LOG_FORMAT": "json", "LOG_LEVEL": "DEBUG"})
    yield stream
    for name, (level, handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate
    logging.captureWarnings(False)


def test_no_log_line_carries_what_people_wrote_their_name_or_phone(
    servers: Servers, fake_telegram: FakeTelegram, fake_graph: FakeGraph, captured: io.StringIO
) -> None:
    word = "zq" + letters(10)
    name = f"Marta {letters(8).capitalize()}"
    phone = "9" + "".join(random.choice(string.digits) for _ in range(8))
    wa_number = "5697" + "".join(random.choice(string.digits) for _ in range(7))
    rasa_log, actions_log = (LOGS / f"{name_}.{servers.stack.rasa_port}.log" for name_ in ("rasa", "actions"))
    rasa_before, actions_before = (p.stat().st_size if p.exists() else 0 for p in (rasa_log, actions_log))

    conf = gateway_settings(servers.records_url, servers.rasa_url, fake_telegram, fake_graph)
    with GatewayThread(conf) as gateway:
        person = TelegramPerson(fake_telegram, 760001, "es")
        person.say(f"hola, mi vecino {word} me dijo que hay cursos")
        person.say("quiero inscribirme en el curso de español")
        if "/affirm" not in str(person.buttons()):
            person.press("spanish_course")
        person.press("/affirm")  # consent
        if any(b["callback_data"] == "1" for b in person.buttons()):
            person.press_exactly("1")
        person.say(name)
        person.say(f"{phone[0]} {phone[1:5]} {phone[5:]}")
        assert CODE.search(person.text), person.transcript()  # enrolled: name and phone went through

        fake_telegram.fail("sendMessage", status=400)  # Telegram refuses the reply: logged with its traceback
        fake_telegram.push(telegram_api.text(760001, word, "es"))
        time.sleep(4)

        whatsapp = WhatsAppPerson(fake_graph, gateway.url, wa_number)
        whatsapp.say(f"hola {word}, que cursos hay?")

    # Rasa out of reach: the message is kept and retried, each attempt logged.
    dead = gateway_settings(servers.records_url, f"http://127.0.0.1:{free_port()}", graph=fake_graph)
    with GatewayThread(dead) as gateway:
        WhatsAppPerson(fake_graph, gateway.url, wa_number).say(f"{word} sigo esperando")
        time.sleep(2)

    lines = captured.getvalue().splitlines()
    entries = [json.loads(line) for line in lines]  # every line is one JSON object
    assert entries and all({"time", "level", "logger", "message", "process"} <= set(e) for e in entries)
    levels = {e["level"] for e in entries}
    assert {"WARNING", "ERROR"} <= levels, levels  # the failures were logged...
    assert any("rasa unavailable" in e["message"] for e in entries)
    assert any(e["level"] == "ERROR" and "Traceback" in e.get("exception", "") for e in entries)
    secrets = (word, name, name.split()[1], phone, phone[1:5], wa_number)
    for secret in secrets:  # ...without anything the people wrote or are
        assert secret not in captured.getvalue(), secret

    # The action server (python -m actions) and the Rasa server, as the stack starts them (LOG_LEVEL INFO).
    for path, start in ((rasa_log, rasa_before), (actions_log, actions_before)):
        with open(path, "rb") as file:
            file.seek(start)
            written = file.read().decode("utf-8", errors="replace")
        for secret in secrets:
            assert secret not in written, (path.name, secret)

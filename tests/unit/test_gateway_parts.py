"""The gateway's small parts: splitting, HTML, commands, signatures, hints, the rate limit."""

from __future__ import annotations

import pytest

from bot.channel import Incoming, Kind, split_text
from bot.gateway import rasa_text
from bot.ratelimit import RateLimiter
from bot.telegram import to_html
from bot.whatsapp import parse, signature_ok
from puente import i18n
from tests.fakes import graph_api


def test_a_long_reply_is_split_at_sentence_boundaries() -> None:
    text = " ".join(f"Frase número {n} de una respuesta larga." for n in range(400))
    pieces = split_text(text, 4096)
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert all(p.endswith(".") for p in pieces) and " ".join(pieces) == text


def test_splitting_keeps_line_breaks_and_cuts_words_only_when_it_must() -> None:
    assert split_text("uno.\ndos.\n\ntres.", 9) == ["uno.\ndos.", "tres."]
    arabic = "مرحبا بك في مكتب المهاجرين. " * 50 + "؟"
    assert all(len(p) <= 100 for p in split_text(arabic, 100))
    assert split_text("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]
    assert split_text("   ", 10) == []


def test_bold_becomes_html_and_names_cannot_break_the_markup() -> None:
    assert to_html("Tu código es: *GRA-2KFK8*") == "Tu código es: <b>GRA-2KFK8</b>"
    assert to_html("José <Pérez> & *hijos") == "José &lt;Pérez&gt; &amp; *hijos"


@pytest.mark.parametrize(
    ("typed", "button", "expected"),
    [
        ("/start", False, "/greet"),
        ("/help@puente_bot", False, "/help"),
        ("/forget", False, "/forget_me"),
        ('/workshop_enrol{"workshop": "x"}', False, "/help"),  # never an intent of the person's making
        ('/workshop_enrol{"workshop": "spanish_course"}', True, '/workshop_enrol{"workshop": "spanish_course"}'),
        ("  hola\x00 ", False, "hola"),
        ("a" * 5000, False, "a" * 2000),
    ],
)
def test_what_rasa_reads(typed: str, button: bool, expected: str) -> None:
    incoming = Incoming("telegram", "1", "1", Kind.text, typed, metadata={"button": "1"} if button else {})
    assert rasa_text(incoming) == expected


def test_whatsapp_signatures() -> None:
    body = b'{"entry": []}'
    assert signature_ok(graph_api.APP_SECRET, body, graph_api.sign(body))
    assert not signature_ok(graph_api.APP_SECRET, body, graph_api.sign(body, "another secret"))
    assert not signature_ok(graph_api.APP_SECRET, body, None)
    assert not signature_ok(graph_api.APP_SECRET, body + b" ", graph_api.sign(body))


def test_whatsapp_payloads_are_read_by_kind_and_other_numbers_are_left_out() -> None:
    voice = {"from": "50912345678", "id": "wamid.1", "type": "audio", "audio": {"voice": True}}
    found = parse(graph_api.envelope([voice, graph_api.list_reply("56911111111", "/help")]), graph_api.PHONE_NUMBER_ID)
    assert [(i.kind, i.sender_id, b) for i, b in found] == [
        (Kind.voice, "whatsapp:50912345678", None),
        (Kind.text, "whatsapp:56911111111", "/help"),
    ]
    assert parse(graph_api.envelope([voice]), "another number") == []
    assert parse(graph_api.envelope(statuses=[{"id": "x", "status": "read"}]), graph_api.PHONE_NUMBER_ID) == []
    assert parse(["not", "a", "payload"], graph_api.PHONE_NUMBER_ID) == []


@pytest.mark.parametrize(
    ("hint", "language"),
    [("es-CL", "es"), ("fr", "ht"), ("ht", "ht"), ("ar", "ar"), ("en", None), (None, None),
     ("50937000000", "ht"), ("963944000000", "ar"), ("56912345678", "es"), ("14155550100", None)],
)  # fmt: skip
def test_a_channels_hint_suggests_a_language(hint: str | None, language: str | None) -> None:
    assert i18n.from_hint(hint) == language


def test_the_rate_limit_allows_a_burst_then_one_message_per_interval_and_tells_once() -> None:
    now = [0.0]
    limiter = RateLimiter(burst=3, interval=2.0, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(5)] == [(True, False)] * 3 + [(False, True), (False, False)]
    assert limiter.allow("b") == (True, False)  # others are not affected
    now[0] = 2.0
    assert limiter.allow("a") == (True, False)
    assert limiter.allow("a") == (False, True)  # a new flood is told again

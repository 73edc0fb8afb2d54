"""WhatsApp, end to end: real HTTP calls to the gateway's webhook (signed as Meta signs them), a
fake Graph API recording what is sent, the real Rasa server and action server."""

from __future__ import annotations

import re
import time

import httpx
import pytest
from sqlalchemy import select

from puente import i18n
from records.db import unit_of_work
from records.models import LeaseGuaranteeApplication, Resident
from tests.channels.conftest import GatewayThread
from tests.channels.people import WhatsAppPerson
from tests.conftest import Servers
from tests.e2e.phrases import PHRASES
from tests.fakes import graph_api
from tests.fakes.graph_api import FakeGraph

pytestmark = pytest.mark.servers


def test_the_verify_handshake_answers_the_challenge_only_with_the_right_token(gateway: GatewayThread) -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": graph_api.VERIFY_TOKEN, "hub.challenge": "1158201444"}
    ok = httpx.get(f"{gateway.url}/whatsapp", params=query)
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = httpx.get(f"{gateway.url}/whatsapp", params={**query, "hub.verify_token": "guess"})
    assert wrong.status_code == 403 and "1158201444" not in wrong.text
    accented = httpx.get(f"{gateway.url}/whatsapp", params={**query, "hub.verify_token": "contraseña"})
    assert accented.status_code == 403  # compared on bytes: no server error


def test_a_huge_body_is_refused_before_it_is_read(gateway: GatewayThread) -> None:
    """10 MB on a public webhook: refused on its Content-Length, or while streaming when it has none."""
    huge = b"{" + b" " * 10_000_000 + b"}"
    declared = httpx.post(f"{gateway.url}/whatsapp", content=huge, timeout=60)
    assert declared.status_code == 413

    def chunks():  # no Content-Length: sent chunked
        for start in range(0, len(huge), 65536):
            yield huge[start : start + 65536]

    streamed = httpx.post(f"{gateway.url}/whatsapp", content=chunks(), timeout=60)
    assert streamed.status_code == 413


NON_ASCII = ("sha256=ñ" + "0" * 63).encode()  # a 401 like any wrong signature, not a server error


@pytest.mark.parametrize("signature", [None, "sha256=" + "0" * 64, "md5=abc", graph_api.sign(b"other body"), NON_ASCII])
def test_unsigned_or_wrongly_signed_posts_are_rejected(
    fake_graph: FakeGraph, gateway: GatewayThread, signature: str | bytes | None
) -> None:
    payload = graph_api.envelope([graph_api.text_message("56911110001", "hola")])
    response = graph_api.post_webhook(gateway.url, payload, signature=signature)
    assert response.status_code == 401
    time.sleep(1)
    assert fake_graph.to("56911110001") == [] and gateway.outcomes.get("queued", 0) == 0


def test_an_arabic_speaker_on_whatsapp_asks_about_the_lease_guarantee_and_applies(
    servers: Servers, fake_graph: FakeGraph, gateway: GatewayThread
) -> None:
    person = WhatsAppPerson(fake_graph, gateway.url, "963944000001")  # a Syrian number
    person.say(PHRASES["ar"]["guarantor"])
    assert any("\u0600" <= ch <= "\u06ff" for ch in person.text)
    person.press("/lease_guarantee_apply")
    person.press("/affirm")  # consent, as reply buttons
    assert person.last[-1]["type"] == "interactive"
    person.say("4")
    person.say("2")
    person.say(PHRASES["ar"]["name"])
    # On WhatsApp the number is known: the bot does not ask for it.
    reference = re.search(r"GA-[A-Z0-9]{6}", person.text)
    assert reference, person.text
    with unit_of_work(servers.records) as session:
        application = session.scalars(
            select(LeaseGuaranteeApplication).where(LeaseGuaranteeApplication.reference == reference.group(0))
        ).one()
        resident = session.get(Resident, application.resident_id)
        assert resident is not None and resident.phone == "+963944000001" and resident.language == "ar"
    person.say(PHRASES["ar"]["lease_status"])
    assert reference.group(0) in person.text


def test_more_than_three_choices_become_a_list_and_a_row_press_reaches_rasa(
    fake_graph: FakeGraph, gateway: GatewayThread
) -> None:
    person = WhatsAppPerson(fake_graph, gateway.url, "56944000002")
    person.say("hola")
    person.press("Español")  # three short language buttons: reply buttons
    menu = person.last[-1]
    assert menu["type"] == "interactive" and menu["interactive"]["type"] == "list"
    rows = [r for s in menu["interactive"]["action"]["sections"] for r in s["rows"]]
    assert 3 < len(rows) <= 10 and all(len(r["title"]) <= 24 for r in rows)
    assert menu["interactive"]["action"]["button"] == i18n.t("es", "channels.options")
    person.press("/workshop_list")
    assert i18n.t("es", "workshops.list_intro") in person.text


def test_status_callbacks_are_acknowledged_and_ignored(fake_graph: FakeGraph, gateway: GatewayThread) -> None:
    statuses = [{"id": "wamid.out1", "status": status, "timestamp": "1", "recipient_id": "56944000003"}
                for status in ("sent", "delivered", "read")]  # fmt: skip
    response = graph_api.post_webhook(gateway.url, graph_api.envelope(statuses=statuses))
    assert response.status_code == 200
    time.sleep(1)
    assert fake_graph.to("56944000003") == []


def test_a_duplicate_delivery_is_processed_once(fake_graph: FakeGraph, gateway: GatewayThread) -> None:
    message = graph_api.text_message("56944000004", "que cursos hay?", message_id="wamid.dup-1")
    for _ in range(2):  # Meta delivers the same message id twice
        assert graph_api.post_webhook(gateway.url, graph_api.envelope([message])).status_code == 200
    first = fake_graph.wait_for("56944000004")
    time.sleep(2)
    assert len(fake_graph.to("56944000004")) == len(first)
    assert gateway.outcomes["duplicate"] == 1


def test_a_voice_note_as_first_contact_from_a_chilean_number_is_answered_in_every_language(
    fake_graph: FakeGraph, gateway: GatewayThread
) -> None:
    phone = "56937000006"  # most migrants here have a Chilean number: it says nothing of the language
    voice = {"from": phone, "id": "wamid.voice-2", "timestamp": "1", "type": "audio",
             "audio": {"id": "media2", "mime_type": "audio/ogg; codecs=opus", "voice": True}}  # fmt: skip
    assert graph_api.post_webhook(gateway.url, graph_api.envelope([voice])).status_code == 200
    body = graph_api.body_text(fake_graph.wait_for(phone)[-1])
    assert all(i18n.t(code, "channels.voice") in body for code in i18n.languages()), body


def test_a_voice_note_gets_a_reply_and_a_button_for_a_person(fake_graph: FakeGraph, gateway: GatewayThread) -> None:
    phone = "50937000005"  # a Haitian number: Creole before a word is written
    voice = {"from": phone, "id": "wamid.voice-1", "timestamp": "1", "type": "audio",
             "audio": {"id": "media1", "mime_type": "audio/ogg; codecs=opus", "voice": True}}  # fmt: skip
    assert graph_api.post_webhook(gateway.url, graph_api.envelope([voice])).status_code == 200
    sent = fake_graph.wait_for(phone)[-1]
    assert graph_api.body_text(sent) == i18n.t("ht", "channels.voice")
    assert graph_api.choices(sent) == [("/request_human", i18n.t("ht", "topics.request_human"))]

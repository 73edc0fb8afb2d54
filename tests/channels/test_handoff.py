"""A mediator takes a conversation over and gives it back: the real gateway with python-telegram-bot
against the fake Bot API, the real Rasa server and action server (which open the request), and
machine translation through the real deep-translator clients pointed at fake engines (Google for
Creole, a self-hosted LibreTranslate for Arabic)."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from deep_translator.constants import BASE_URLS
from sqlalchemy import select, update

from puente import i18n, settings
from records import handoffs
from records.db import unit_of_work
from records.models import Chat, Handoff, HandoffMessage, HandoffOutcome, HandoffState, Mediator
from tests.channels.conftest import GatewayThread, gateway_settings
from tests.channels.people import TelegramPerson, WhatsAppPerson
from tests.conftest import ALWAYS_OPEN, Servers
from tests.e2e.phrases import PHRASES
from tests.fakes import graph_api, telegram_api
from tests.fakes.google_translate import FakeGoogle
from tests.fakes.graph_api import FakeGraph
from tests.fakes.libretranslate import FakeLibreTranslate
from tests.fakes.telegram_api import MEDIATORS_GROUP as GROUP
from tests.fakes.telegram_api import Call, FakeTelegram
from tests.turns import visible

ROSE, LUIS, SAMIR, STRANGER = 880001, 880002, 880003, 880099  # Telegram user ids
TEAM = {ROSE: ("Rose Pierre", ["es", "ht"]), LUIS: ("Luis Soto", ["es"]), SAMIR: ("Samir Haddad", ["es", "ar"])}


@dataclasses.dataclass
class Translators:
    google: FakeGoogle
    libre: FakeLibreTranslate
    conf: settings.Translator


@pytest.fixture
def translators(monkeypatch: pytest.MonkeyPatch) -> Iterator[Translators]:
    google, libre = FakeGoogle().start(), FakeLibreTranslate().start()
    monkeypatch.setitem(BASE_URLS, "GOOGLE_TRANSLATE", google.url)
    # As the README advises: Creole only through an opted-in cloud backend, Arabic self-hosted.
    backends = settings.parse_translator_backends("ht-*=google,*-ht=google,es-ar=libre,ar-es=libre")
    yield Translators(google, libre, settings.Translator(backends=backends, libre_url=libre.url, timeout=3))
    google.stop()
    libre.stop()


@pytest.fixture
def mediators(servers: Servers) -> Iterator[None]:
    """The office's team, registered in the records the action server reads; gone afterwards, so
    other tests see hand-off as not staffed (the office's contact instead)."""
    with unit_of_work(servers.records) as session:
        for user_id, (name, languages) in TEAM.items():
            handoffs.register_mediator(session, user_id, name, languages)
    yield
    with unit_of_work(servers.records) as session:
        session.execute(update(Mediator).values(active=False))
        for handoff in session.scalars(select(Handoff).where(Handoff.state != HandoffState.ended)):
            handoffs.end(session, handoff.id, HandoffOutcome.no_answer)


def desk_settings(
    servers: Servers, telegram: FakeTelegram, graph: FakeGraph | None, translators: Translators, **handoff: Any
) -> settings.Settings:
    conf = gateway_settings(servers.records_url, servers.rasa_url, telegram, graph)
    desk = settings.Handoff(group_chat_id=GROUP, office_hours=ALWAYS_OPEN, **handoff)
    return dataclasses.replace(conf, handoff=desk, translator=translators.conf)


def has_claim_button(call: Call) -> bool:
    return "/claim" in json.dumps(call.params.get("reply_markup") or {})


def announcement(fake: FakeTelegram, after: int = 0) -> tuple[Call, str, int]:
    """The newest request posted to the group after the first `after` posts: (post, button data, id)."""
    call = fake.wait_for("sendMessage", GROUP, after + 1, where=has_claim_button)[-1]
    data = call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    return call, data, int(data.split()[1])


def requests_posted(fake: FakeTelegram, handoff_id: int) -> int:
    return sum(1 for c in fake.called("sendMessage", GROUP) if f"/claim {handoff_id}" in json.dumps(c.params))


def holder(servers: Servers, handoff_id: int) -> int | None:
    with unit_of_work(servers.records) as session:
        handoff = session.get_one(Handoff, handoff_id)
        return handoff.mediator.telegram_user_id if handoff.mediator else None


def arrived(fake: FakeTelegram, chat_id: int, needle: str, timeout: float = 30) -> str:
    """The text of the first message delivered to `chat_id` containing `needle` (waits for it)."""
    found = fake.wait_for(
        "sendMessage",
        chat_id,
        where=lambda c: c.message_id is not None and needle in visible(c.params.get("text", "")),
        timeout=timeout,
    )
    return visible(found[0].params["text"])


def whatsapp_text(fake: FakeGraph, phone: str, needle: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in fake.to(phone):
            body = graph_api.body_text(message)
            if needle in body:
                return body
        time.sleep(0.05)
    raise AssertionError(f"no WhatsApp message with {needle!r} to {phone}")


def answered_by_rasa(gateway: GatewayThread) -> int:
    return gateway.outcomes.get("answered", 0)


def before_placeholder(language: str, key: str) -> str:
    """The fixed start of a catalog text, up to its first {placeholder}."""
    return i18n.lookup(language, key).split("{")[0].strip()


def test_a_creole_speaker_is_taken_over_by_one_mediator_and_given_back_to_the_bot(
    servers: Servers, fake_telegram: FakeTelegram, mediators: None, translators: Translators
) -> None:
    with GatewayThread(desk_settings(servers, fake_telegram, None, translators)) as gateway:
        person = TelegramPerson(fake_telegram, 820001, "ht")
        person.say("bonjou, mwen bezwen èd pou papye rezidans mwen")
        person.say(PHRASES["ht"]["human"])
        assert before_placeholder("ht", "handoff.requested") in person.text

        post, claim, handoff_id = announcement(fake_telegram)
        assert "creole haitiano" in post.params["text"]
        # Rose speaks Creole: mentioned first, under "they speak it"; Luis after.
        assert post.params["text"].index(f"id={ROSE}") < post.params["text"].index(f"id={LUIS}")

        # Two mediators press Claim at the same moment: exactly one gets it.
        answers_before = len(fake_telegram.called("answerCallbackQuery"))
        for user_id in (LUIS, ROSE):
            fake_telegram.push(telegram_api.press_in_group(GROUP, user_id, claim, post.message_id or 0))
        answers = fake_telegram.wait_for("answerCallbackQuery", count=answers_before + 2)[answers_before:]
        winner = holder(servers, handoff_id)
        assert winner in (ROSE, LUIS)
        alerts = sorted(a.params.get("text", "") for a in answers)
        assert alerts[0] == i18n.t("es", "desk.yours_alert")
        assert alerts[1].startswith(before_placeholder("es", "desk.taken_alert"))
        taken = fake_telegram.wait_for("editMessageText", GROUP)[-1].params
        assert str(taken["message_id"]) == str(post.message_id) and TEAM[winner][0].split()[0] in taken["text"]

        # The mediator gets the recent turns, translated where they do not read Creole.
        brief = arrived(fake_telegram, winner, f"#{handoff_id}")
        assert "papye rezidans mwen" in brief
        assert ("[es] bonjou, mwen bezwen èd pou papye rezidans mwen" in brief) == (winner == LUIS)
        arrived(fake_telegram, person.chat_id, "👋")  # the person is told someone joined

        # While held, Rasa is not consulted: each side reads the other, translated.
        rasa_turns = answered_by_rasa(gateway)
        fake_telegram.push(telegram_api.text(person.chat_id, "mwen pa gen kontra lwaye a", "ht"))
        relayed = arrived(fake_telegram, winner, "mwen pa gen kontra lwaye a")
        assert ("[es] mwen pa gen kontra lwaye a" in relayed) == (winner == LUIS)
        fake_telegram.push(telegram_api.text(winner, "Hola, ¿tiene su pasaporte vigente?"))
        reply = arrived(fake_telegram, person.chat_id, "[ht] Hola, ¿tiene su pasaporte vigente?")
        assert i18n.t("ht", "handoff.machine_note") in reply
        assert answered_by_rasa(gateway) == rasa_turns

        # /end, an outcome, and the bot is back.
        mediator = TelegramPerson(fake_telegram, winner, "es")
        mediator.say("/end")
        assert [b["callback_data"] for b in mediator.buttons()] == [
            f"/outcome {handoff_id} {o}" for o in ("resolved", "referred", "no_answer")
        ]
        mediator.press_exactly(f"/outcome {handoff_id} resolved")
        assert f"#{handoff_id}" in mediator.text and i18n.t("es", "desk.outcomes.resolved") in mediator.text
        arrived(fake_telegram, person.chat_id, i18n.t("ht", "handoff.ended", name=TEAM[winner][0].split()[0]))
        person.say(PHRASES["ht"]["courses"])
        assert answered_by_rasa(gateway) == rasa_turns + 1

    with unit_of_work(servers.records) as session:
        handoff = session.get_one(Handoff, handoff_id)
        assert handoff.outcome == HandoffOutcome.resolved and handoff.topic
        assert handoff.claimed_at is not None and handoff.ended_at is not None  # for the indicators
        kept = session.scalars(select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id)).all()
        by_mediator = [m for m in kept if m.from_mediator]
        assert [m.text for m in by_mediator] == ["Hola, ¿tiene su pasaporte vigente?"]  # the original kept
        assert by_mediator[0].translation == "[ht] Hola, ¿tiene su pasaporte vigente?"
        assert by_mediator[0].translated_by == "google"


def test_erasing_ones_data_works_while_a_mediator_holds_the_conversation(
    servers: Servers, fake_telegram: FakeTelegram, mediators: None, translators: Translators
) -> None:
    """Law 21.719: the erase and its "yes", typed or pressed, go to the bot, not to the mediator."""
    with GatewayThread(desk_settings(servers, fake_telegram, None, translators)) as gateway:
        person = TelegramPerson(fake_telegram, 820011, "ht")
        person.say("bonjou, mwen bezwen èd pou papye rezidans mwen")
        person.say(PHRASES["ht"]["human"])
        post, claim, handoff_id = announcement(fake_telegram)
        fake_telegram.push(telegram_api.press_in_group(GROUP, ROSE, claim, post.message_id or 0))
        arrived(fake_telegram, person.chat_id, "👋")

        rasa_turns = answered_by_rasa(gateway)
        to_rose = len(fake_telegram.called("sendMessage", ROSE))
        person.say("/forget")  # the command of the menu (Telegram sends it typed)
        assert i18n.t("ht", "privacy.confirm_forget") in person.text
        person.say("wi")  # typed: while the bot's question is open, it is the bot's answer
        assert i18n.t("ht", "privacy.forgotten") in person.text
        assert answered_by_rasa(gateway) == rasa_turns + 2
        later = [c.params.get("text", "") for c in fake_telegram.called("sendMessage", ROSE)[to_rose:]]
        assert not any("👤" in text for text in later), later  # nothing of the person relayed
    with unit_of_work(servers.records) as session:
        assert session.scalars(select(Chat).where(Chat.sender_id == "telegram:820011")).first() is None


def test_only_registered_mediators_can_claim_or_end_and_an_unreachable_one_is_told(
    servers: Servers, fake_telegram: FakeTelegram, mediators: None, translators: Translators
) -> None:
    with GatewayThread(desk_settings(servers, fake_telegram, None, translators)):
        person = TelegramPerson(fake_telegram, 820101, "es")
        person.say(PHRASES["es"]["human"])
        post, claim, handoff_id = announcement(fake_telegram)

        fake_telegram.push(telegram_api.press_in_group(GROUP, STRANGER, claim, post.message_id or 0))
        refusal = fake_telegram.wait_for(
            "answerCallbackQuery", where=lambda c: "registrados" in c.params.get("text", "")
        )
        assert str(refusal[-1].params["show_alert"]).lower() == "true"  # a pop-up, not a toast
        stranger = TelegramPerson(fake_telegram, STRANGER, "ht")
        stranger.say("/end")
        assert stranger.text == i18n.t("ht", "handoff.not_mediator")
        assert holder(servers, handoff_id) is None

        # Luis never opened a private chat with the bot: the claim is given back, the group told how.
        fake_telegram.forbid(LUIS)
        fake_telegram.push(telegram_api.press_in_group(GROUP, LUIS, claim, post.message_id or 0))
        told = arrived(fake_telegram, GROUP, "Iniciar")
        assert told.startswith("Luis:") and f"#{handoff_id}" in told
        assert holder(servers, handoff_id) is None
        fake_telegram.allow(LUIS)
        fake_telegram.push(telegram_api.press_in_group(GROUP, LUIS, claim, post.message_id or 0))
        arrived(fake_telegram, LUIS, f"#{handoff_id}")
        assert holder(servers, handoff_id) == LUIS


def test_two_gateways_serve_one_hand_off(
    servers: Servers, fake_telegram: FakeTelegram, mediators: None, translators: Translators
) -> None:
    """Webhook mode behind a load balancer: each update reaches either gateway."""
    conf = desk_settings(servers, fake_telegram, None, translators, remind_minutes=60)
    hook = settings.Telegram(telegram_api.TOKEN, fake_telegram.api_url, "https://puente.example/telegram", "s3cret")
    conf = dataclasses.replace(conf, telegram=hook)
    signed = {"x-telegram-bot-api-secret-token": "s3cret"}
    with GatewayThread(conf, owner="a") as a, GatewayThread(conf, owner="b") as b:

        def deliver(gateway: GatewayThread, update: dict[str, Any]) -> None:
            update = {"update_id": next(telegram_api.UPDATE_IDS), **update}
            assert httpx.post(f"{gateway.url}/telegram", json=update, headers=signed).status_code == 200

        person = 820201
        deliver(a, telegram_api.text(person, PHRASES["ar"]["human"], "ar"))
        post, claim, handoff_id = announcement(fake_telegram)
        time.sleep(1.5)  # several rounds of both gateways' workers
        assert requests_posted(fake_telegram, handoff_id) == 1  # announced by one of them only

        deliver(b, telegram_api.press_in_group(GROUP, SAMIR, claim, post.message_id or 0))
        arrived(fake_telegram, SAMIR, f"#{handoff_id}")
        said = [f"رسالة رقم {n} عن عقد الإيجار" for n in range(1, 5)]
        for n, text in enumerate(said):
            deliver((a, b)[n % 2], telegram_api.text(person, text, "ar"))
        fake_telegram.wait_for("sendMessage", SAMIR, where=lambda c: said[-1] in c.params.get("text", ""))
        time.sleep(1)
        relays = [t for t in fake_telegram.texts(SAMIR) if "رسالة رقم" in t]
        assert [next(s for s in said if s in t) for t in relays] == said  # each once, in order
        assert not any("[es]" in t for t in relays)  # Samir reads Arabic: nothing translated

        deliver(a, telegram_api.text(SAMIR, "Hola, mañana a las diez en la oficina"))
        deliver(b, telegram_api.text(SAMIR, "Traiga su pasaporte por favor"))
        arrived(fake_telegram, person, "[ar] Traiga su pasaporte por favor")
        time.sleep(1)
        to_person = [visible(t) for t in fake_telegram.texts(person) if "[ar]" in visible(t)]
        assert len(to_person) == 2 and "[ar] Hola, mañana a las diez en la oficina" in to_person[0]

        deliver(b, telegram_api.text(SAMIR, f"/end {handoff_id}"))
        asked = fake_telegram.wait_for("sendMessage", SAMIR, where=lambda c: "/outcome" in json.dumps(c.params))
        keyboard = asked[-1].params["reply_markup"]  # pressed on the message that carried it
        deliver(a, telegram_api.press(SAMIR, f"/outcome {handoff_id} referred", keyboard))
        arrived(fake_telegram, person, i18n.t("ar", "handoff.ended", name="Samir"))
    with unit_of_work(servers.records) as session:
        assert session.get_one(Handoff, handoff_id).outcome == HandoffOutcome.referred


def test_with_translation_down_messages_still_arrive_with_a_notice(
    servers: Servers,
    fake_telegram: FakeTelegram,
    fake_graph: FakeGraph,
    mediators: None,
    translators: Translators,
) -> None:
    """An Arabic speaker on WhatsApp, a mediator who reads only Spanish, the translator failing."""
    with GatewayThread(desk_settings(servers, fake_telegram, fake_graph, translators)) as gateway:
        person = WhatsAppPerson(fake_graph, gateway.url, "963991234567")
        person.say(PHRASES["ar"]["human"])
        post, claim, handoff_id = announcement(fake_telegram)
        translators.libre.fail(times=1000)
        fake_telegram.push(telegram_api.press_in_group(GROUP, LUIS, claim, post.message_id or 0))
        brief = arrived(fake_telegram, LUIS, f"#{handoff_id}")
        assert PHRASES["ar"]["human"] in brief and i18n.t("es", "desk.untranslated") in brief

        person.send(graph_api.text_message(person.phone, "ليس عندي عقد إيجار"), expect=0)
        relayed = arrived(fake_telegram, LUIS, "ليس عندي عقد إيجار")
        assert i18n.t("es", "desk.untranslated") in relayed

        fake_telegram.push(telegram_api.text(LUIS, "Hola, ¿tiene su pasaporte vigente?"))
        body = whatsapp_text(fake_graph, person.phone, "pasaporte")
        assert "Hola, ¿tiene su pasaporte vigente?" in body and i18n.t("ar", "handoff.untranslated_note") in body
        arrived(fake_telegram, LUIS, i18n.t("es", "desk.sent_untranslated", id=handoff_id))


def test_requests_are_reminded_and_abandoned_conversations_go_back_to_the_bot(
    servers: Servers, fake_telegram: FakeTelegram, mediators: None, translators: Translators
) -> None:
    """Short timers; requests made directly in the records, as the action server makes them."""
    conf = desk_settings(
        servers, fake_telegram, None, translators, remind_minutes=0.02, idle_minutes=0.03, expire_hours=0.001
    )
    with unit_of_work(servers.records) as session:
        reminded, _ = handoffs.request(session, "telegram:820301", "es", "workshop_list")
        abandoned, _ = handoffs.request(session, "telegram:820302", "ht", "lease_guarantee_info")
        rose = handoffs.mediator_for(session, ROSE)
        assert rose is not None and handoffs.claim(session, abandoned.id, rose)
    with GatewayThread(conf):
        fake_telegram.wait_for("sendMessage", GROUP, where=lambda c: "⏰" in c.params.get("text", ""))
        arrived(fake_telegram, ROSE, i18n.t("es", "desk.timed_out", id=abandoned.id, minutes=0))
        arrived(fake_telegram, 820302, i18n.t("ht", "handoff.timed_out"))
        arrived(fake_telegram, GROUP, i18n.t("es", "desk.expired", id=reminded.id), timeout=30)
        arrived(fake_telegram, 820301, i18n.t("es", "handoff.unanswered"))
    with unit_of_work(servers.records) as session:
        for handoff_id in (reminded.id, abandoned.id):
            assert session.get_one(Handoff, handoff_id).outcome == HandoffOutcome.timed_out

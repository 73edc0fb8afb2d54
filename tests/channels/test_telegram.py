"""Telegram, end to end: the real python-telegram-bot client against a fake Bot API server, the
real Rasa server and action server, the records database they share."""

from __future__ import annotations

import dataclasses
import re
import time

import httpx
import pytest
from sqlalchemy import select

from puente import i18n
from records.db import unit_of_work
from records.models import Chat, Enrolment, EnrolmentStatus, Resident
from tests.channels.conftest import GatewayThread, gateway_settings
from tests.channels.people import TelegramPerson
from tests.conftest import Servers
from tests.e2e.phrases import PHRASES
from tests.fakes import telegram_api
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.servers
CODE = re.compile(r"\b[A-Z]{2,5}-[A-Z0-9]{5,6}\b")


def test_a_creole_speaker_on_telegram_enrols_in_the_spanish_course_and_receives_the_code(
    servers: Servers, fake_telegram: FakeTelegram, gateway: GatewayThread
) -> None:
    # A Haitian phone set to French: the hint says Creole before a word is typed.
    person = TelegramPerson(fake_telegram, 700001, language_code="fr")
    person.say("/start")
    assert person.text.startswith("Bonjou"), person.text
    assert [b["text"] for b in person.buttons()] == ["Español", "Kreyòl", "العربية"]

    person.press("Kreyòl")
    pressed = fake_telegram.wait_for("answerCallbackQuery", count=1)[-1]
    assert pressed.params.get("text") == "✓ Kreyòl"
    assert i18n.t("ht", "menu.intro") in person.text

    person.say("mwen ta renmen enskri nan kou panyòl la")
    if "/affirm" not in str(person.buttons()):
        person.press("spanish_course")
    person.press("/affirm")  # consent, explained in Creole first
    if any(b["callback_data"] == "1" for b in person.buttons()):  # several groups: the first
        person.press_exactly("1")
    person.say(PHRASES["ht"]["name"])
    person.say("9 8765 4321")
    code = CODE.search(person.text)
    assert code, person.text
    assert "Kòd ou se" in person.text or "kòd" in person.text.lower()
    # Bold in our texts becomes Telegram HTML; the code is there as the person sees it.
    sent = next(c.params for c in person.last if code.group(0) in c.params.get("text", ""))
    assert sent.get("parse_mode") == "HTML" and f"<b>{code.group(0)}</b>" in sent["text"]
    # Then, once and optionally, the gender question for the workshop figures.
    assert person.last[-1].params["text"] == i18n.t("ht", "people.gender_question")
    assert i18n.t("ht", "people.genders.undisclosed") in [b["text"] for b in person.buttons()]

    with unit_of_work(servers.records) as session:
        resident = session.scalars(select(Resident).where(Resident.sender_id == "telegram:700001")).one()
        enrolment = session.scalars(select(Enrolment).where(Enrolment.resident_id == resident.id)).one()
        assert enrolment.code == code.group(0) and enrolment.status == EnrolmentStatus.enrolled
        assert resident.language == "ht"
        chat = session.scalars(select(Chat).where(Chat.sender_id == "telegram:700001")).one()
        assert chat.language == "ht" and chat.language_hint == "fr"
    # While Rasa worked, the person saw "typing...".
    assert fake_telegram.called("sendChatAction", 700001)


def test_a_button_press_the_bot_never_offered_is_ignored(fake_telegram: FakeTelegram, gateway: GatewayThread) -> None:
    """A modified client can send any callback data: only the buttons of the pressed message count."""
    person = TelegramPerson(fake_telegram, 700009, language_code="es")
    person.say("/start")
    keyboard = person.keyboard()
    before = len(person.received())
    forged = '/lease_guarantee_apply{"household_size": 99, "privacy_consent": true}'
    fake_telegram.push(telegram_api.press(700009, forged, keyboard))
    fake_telegram.wait_for("answerCallbackQuery")  # the spinner stops all the same
    time.sleep(3)
    assert len(person.received()) == before  # nothing reached the bot
    person.press("Español", expect=2)  # a button it did offer works
    assert any(i18n.t("es", "menu.intro") in c.params["text"] for c in person.received()[before:])


def test_the_command_menu_is_registered_in_each_language(fake_telegram: FakeTelegram, gateway: GatewayThread) -> None:
    menus = {c.params.get("language_code"): c.params["commands"] for c in fake_telegram.called("setMyCommands")}
    for code in ("es", "ht", "ar", "fr", None):
        assert [c["command"] for c in menus[code]] == ["start", "language", "help", "forget"]
    assert menus["ht"][3]["description"] == i18n.t("ht", "channels.commands.forget")
    assert menus["ar"][2]["description"] == i18n.t("ar", "channels.commands.help")
    assert menus[None] == menus["es"]


@pytest.mark.parametrize(
    ("update", "key"),
    [
        (telegram_api.voice(700101, "ar"), "channels.voice"),
        (telegram_api.message(700102, "ar", photo=[{"file_id": "p", "file_unique_id": "p", "width": 90, "height": 90}]),
         "channels.media"),
        (telegram_api.message(700103, "ar", sticker={"file_id": "s", "file_unique_id": "s", "width": 512,
         "height": 512, "is_animated": False, "is_video": False, "type": "regular"}), "channels.sticker"),
        (telegram_api.message(700104, "ar", location={"latitude": -33.36, "longitude": -70.73}), "channels.location"),
        (telegram_api.message(700105, "ar", document={"file_id": "d", "file_unique_id": "d"}), "channels.media"),
        (telegram_api.message(700106, "ar", contact={"phone_number": "+56911112222", "first_name": "A"}),
         "channels.contact"),
    ],
)  # fmt: skip
def test_what_the_bot_cannot_read_gets_a_short_reply_in_the_persons_language(
    fake_telegram: FakeTelegram, gateway: GatewayThread, update: dict, key: str
) -> None:
    chat_id = update["message"]["chat"]["id"]
    person = TelegramPerson(fake_telegram, chat_id, "ar")
    person.send(update)
    assert person.text == i18n.display(i18n.t("ar", key))  # as it leaves: Latin runs isolated
    if key == "channels.voice":  # a voice note may mean the person cannot write: offer a person
        assert person.buttons() == [{"text": i18n.t("ar", "topics.request_human"), "callback_data": "/request_human"}]


def test_an_edited_message_is_explained_in_the_conversations_language(
    fake_telegram: FakeTelegram, gateway: GatewayThread
) -> None:
    person = TelegramPerson(fake_telegram, 700201, "es")
    person.say("bonjou, mwen bezwen èd pou papye mwen yo")  # the conversation is in Creole now
    edited = telegram_api.text(700201, "bonjou")
    edited["edited_message"] = {**edited.pop("message"), "edit_date": 1}
    person.send(edited)
    assert person.text == i18n.t("ht", "channels.edited")


def test_webhook_mode_checks_the_secret_and_answers_a_redelivered_update_once(
    servers: Servers, fake_telegram: FakeTelegram
) -> None:
    conf = gateway_settings(servers.records_url, servers.rasa_url, fake_telegram)
    telegram = dataclasses.replace(
        conf.telegram, webhook_url="https://puente.example/telegram", webhook_secret="s3cret-token"
    )
    with GatewayThread(dataclasses.replace(conf, telegram=telegram)) as gateway:
        registered = fake_telegram.wait_for("setWebhook")[-1].params
        assert registered["url"] == "https://puente.example/telegram" and registered["secret_token"] == "s3cret-token"
        update = {"update_id": 990001, **telegram_api.text(700301, "hola, buenas")}
        for secret in (None, "wrong", "contraseña".encode()):  # non-ASCII: a 403 too, not a 500
            headers = {"x-telegram-bot-api-secret-token": secret} if secret else {}
            refused = httpx.post(f"{gateway.url}/telegram", json=update, headers=headers)
            assert refused.status_code == 403
        signed = {"x-telegram-bot-api-secret-token": "s3cret-token"}
        huge = httpx.post(f"{gateway.url}/telegram", content=b" " * 10_000_000, headers=signed, timeout=60)
        assert huge.status_code == 413  # refused on its size, before it is read
        assert httpx.post(f"{gateway.url}/telegram", json=update, headers=signed).status_code == 200
        first = fake_telegram.wait_for("sendMessage", 700301)
        # Telegram retries a webhook delivery it thinks failed: same update_id, answered once.
        assert httpx.post(f"{gateway.url}/telegram", json=update, headers=signed).status_code == 200
        time.sleep(2)
        assert len(fake_telegram.called("sendMessage", 700301)) == len(first)
        assert gateway.outcomes["duplicate"] == 1 and gateway.outcomes["answered"] == 1


def test_unknown_commands_never_reach_rasa_as_intents(fake_telegram: FakeTelegram, gateway: GatewayThread) -> None:
    person = TelegramPerson(fake_telegram, 700401, "es")
    person.say('/workshop_enrol{"workshop": "spanish_course"}')
    assert i18n.t("es", "menu.intro") in person.text  # answered as /help, no enrolment started

"""Nothing lost, nobody held up: Rasa going down mid-conversation, and one person flooding."""

from __future__ import annotations

import time

import pytest

from puente import i18n
from tests.channels.conftest import GatewayThread, gateway_settings
from tests.channels.people import TelegramPerson
from tests.conftest import Servers
from tests.fakes import telegram_api
from tests.fakes.telegram_api import FakeTelegram

pytestmark = pytest.mark.servers


def test_messages_sent_while_rasa_is_down_are_answered_when_it_is_back(
    servers: Servers, fake_telegram: FakeTelegram, gateway: GatewayThread
) -> None:
    person = TelegramPerson(fake_telegram, 740001, "ht")
    person.say("bonjou, mwen bezwen enfòmasyon")
    assert person.text  # the conversation is going

    servers.stack.stop_rasa()
    try:
        person.say("ki kou ki genyen?")
        assert person.text == i18n.t("ht", "channels.waiting")  # told in Creole, once
        fake_telegram.push(telegram_api.text(740001, "kote sant sante a ye?", "ht"))
        time.sleep(3)  # several retry rounds while Rasa is still down
        assert person.received()[-1].params["text"] == i18n.t("ht", "channels.waiting")
        assert [c.params["text"] for c in person.received()].count(i18n.t("ht", "channels.waiting")) == 1
        before = len(person.received())
    finally:
        servers.stack.start_rasa(servers.stack.model)

    # Back: both kept messages are answered, in the order they were written.
    fake_telegram.wait_for("sendMessage", 740001, before + 2, timeout=60)
    time.sleep(2)
    answers = [c.params["text"] for c in person.received()[before:]]
    assert any(i18n.t("ht", "workshops.list_intro") in a for a in answers), answers
    courses = next(i for i, a in enumerate(answers) if i18n.t("ht", "workshops.list_intro") in a)
    health = next(i for i, a in enumerate(answers) if "CESFAM" in a)
    assert courses < health


def test_one_person_flooding_is_told_once_and_does_not_hold_up_others(
    servers: Servers, fake_telegram: FakeTelegram
) -> None:
    conf = gateway_settings(servers.records_url, servers.rasa_url, fake_telegram, rate_burst=3, rate_interval=60)
    with GatewayThread(conf) as gateway:
        for n in range(15):
            fake_telegram.push(telegram_api.text(750001, f"hola {n}", "es"))
        other = TelegramPerson(fake_telegram, 750002, "es")
        other.say("que cursos hay?")
        assert i18n.t("es", "workshops.list_intro") in other.text
        time.sleep(3)
        flood = fake_telegram.texts(750001)
        assert flood.count(i18n.t("es", "channels.too_many")) == 1
        assert gateway.outcomes["limited"] == 12

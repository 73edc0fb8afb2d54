"""Odd messages get a polite answer in the person's language; nothing is written half-way."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from puente import i18n
from records.db import unit_of_work
from records.models import Enrolment, LeaseGuaranteeApplication, Resident
from tests.conftest import Servers
from tests.e2e.conftest import Chat

pytestmark = pytest.mark.servers

LONG = ("mwen bezwen ed pou papye mwen ak kou panyol la, " * 120)[:5000]
ODD = {
    "empty": ("", "ht"),
    "whitespace": ("   \n  ", "ht"),
    "5000 characters": (LONG, "ht"),
    "emoji only": ("😀🙏🇭🇹", "ht"),
    "english": ("Hello, where can I see a doctor around here?", "ht"),
    "french": ("Bonjour, où se trouve la mairie s'il vous plaît ?", "ht"),
    "sql-looking": ("'; DROP TABLE residents; --", "ht"),
    "mixed script": ("bonjou مرحبا kijan ou ye", "ar"),  # any Arabic script: answered in Arabic
}


def counts(servers: Servers) -> tuple[int, int, int]:
    with unit_of_work(servers.records) as session:
        return (
            session.scalar(select(func.count(Resident.id))) or 0,
            session.scalar(select(func.count(Enrolment.id))) or 0,
            session.scalar(select(func.count(LeaseGuaranteeApplication.id))) or 0,
        )


@pytest.mark.parametrize("kind", list(ODD))
def test_odd_message_gets_a_polite_reply_in_the_right_language(servers: Servers, chat: Chat, kind: str) -> None:
    chat.say("bonjou")
    chat.press('"language": "ht"')
    before = counts(servers)
    message, expected = ODD[kind]
    replies = chat.say(message)
    assert any((r.get("text") or "").strip() for r in replies), replies
    chat.assert_language(expected)
    assert counts(servers) == before


def test_the_tables_survive_sql_looking_answers_inside_a_form(servers: Servers, chat: Chat) -> None:
    chat.say("hola")
    chat.press('"language": "es"')
    chat.say("quiero postular al aval del arriendo")
    chat.press("/affirm")
    chat.say("'; DROP TABLE residents; --")  # not a household size: asked again
    assert i18n.t("es", "lease.ask_household") in chat.text or i18n.t("es", "lease.bad_household") in chat.text
    chat.say("2")
    chat.say("1")
    chat.say("Robert'); SELECT 1; --")  # not a name: asked again
    chat.say("Roberto Diaz")
    chat.say("912345678")
    with unit_of_work(servers.records) as session:
        person = session.scalars(select(Resident).where(Resident.sender_id == chat.sender)).one()
        assert person.name == "Roberto Diaz"

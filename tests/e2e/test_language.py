"""The conversation's language through the real servers: it moves only for a reason."""

from __future__ import annotations

import pytest

from puente import i18n
from tests.e2e.conftest import Chat

pytestmark = pytest.mark.servers


def test_french_from_a_new_contact_is_answered_in_creole_with_the_buttons_once(chat: Chat) -> None:
    chat.say("bonjour je ne parle pas espagnol", language_hint="+56912345678")
    assert chat.keys == ["language.offer", "utter_language_chosen", "menu.intro"]
    assert {b["title"] for b in chat.last[0]["buttons"]} == {str(i18n.lookup(c, "meta.name")) for c in i18n.languages()}
    chat.assert_language("ht")
    chat.say("merci, je veux m'inscrire au cours d'espagnol")
    assert "language.offer" not in chat.keys
    chat.assert_language("ht")


def test_english_gets_the_language_buttons(chat: Chat) -> None:
    chat.say("hello, I need help with my papers please")
    assert "language.offer" in chat.keys
    offer = chat.last[0]
    assert "¿En qué idioma" in offer["text"] and "Nan ki lang" in offer["text"] and "بأي لغة" in offer["text"]


@pytest.mark.parametrize(
    ("opening", "language"),
    [("bonjou, mwen bezwen enfòmasyon sou kou yo", "ht"), ("مرحبا، بدي معلومات عن الدورات", "ar")],
)
def test_chilean_names_and_times_keep_the_conversation_language(chat: Chat, opening: str, language: str) -> None:
    chat.say(opening)
    chat.assert_language(language)
    for message in ("registro social de hogares", "oficina de migrantes", "cesfam martes 9am"):
        chat.say(message)
        chat.assert_language(language)


def test_saying_one_does_not_understand_spanish_switches_away_from_it(chat: Chat) -> None:
    chat.say("hola, quiero información de los cursos")
    chat.assert_language("es")
    chat.say("m pa pale panyòl")
    chat.assert_language("ht")
    chat.say("ما بحكي اسباني")
    chat.assert_language("ar")

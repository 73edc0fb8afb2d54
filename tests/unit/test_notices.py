"""The language of the gateway's own notices (waiting, voice note, sticker, slow down)."""

from __future__ import annotations

from bot.gateway import notice, notice_language
from bot.rasa_client import Button
from puente import i18n


def test_the_conversation_language_comes_first() -> None:
    assert notice_language("ar", "hola que tal", "+56911112222") == "ar"


def test_else_the_message_own_language_not_the_chilean_number() -> None:
    assert notice_language(None, "bonjou m bezwen ed", "+56911112222") == "ht"
    assert notice_language(None, "مرحبا", "+56911112222") == "ar"
    assert notice_language(None, "bonjour je ne parle pas espagnol", "+56911112222") == "ht"


def test_a_phone_language_or_a_number_from_abroad_is_evidence() -> None:
    assert notice_language(None, "", "fr-FR") == "ht"
    assert notice_language(None, "", "+50937000005") == "ht"
    assert notice_language(None, "", "+963912345678") == "ar"


def test_a_first_contact_with_nothing_to_go_by_gets_every_language() -> None:
    assert notice_language(None, "", "+56911112222") is None
    assert notice_language(None, "👍", None) is None
    reply = notice("channels.voice", None, [Button("topics.request_human", "/request_human")])
    for code in i18n.languages():
        assert i18n.t(code, "channels.voice") in reply.text
    assert reply.buttons[0].payload == "/request_human"
    assert all(i18n.t(code, "topics.request_human") in reply.buttons[0].title for code in i18n.languages())

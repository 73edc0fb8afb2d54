"""Language identification on short chat messages."""

from __future__ import annotations

import pytest

from puente.langid import choose, identify


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("mwen vle aprann panyol", "ht"),
        ("kote lopital la ye, m bezwen wè dokte", "ht"),
        ("donde saco hora en el cesfam", "es"),
        ("quiero inscribirme en el curso de espanol", "es"),
        ("بدي سجل بدورة الاسباني", "ar"),
        ("hola مرحبا", "ar"),  # any Arabic script decides
        ("shu el wara2 elli lazem lal aval", "ar"),  # Arabizi
        ("baddi 7ada ye7ki ma3i", "ar"),
    ],
)
def test_clear_messages_are_identified(text: str, language: str) -> None:
    guess = identify(text)
    assert guess.language == language and guess.strong


@pytest.mark.parametrize("text", ["ok", "si", "1", "mesi", "👍👍", "", "   ", "no"])
def test_one_or_two_words_never_change_the_language(text: str) -> None:
    for current in ("es", "ht", "ar"):
        assert choose(text, current) == current


def test_english_or_french_keeps_the_conversation_language() -> None:
    assert choose("hello I need some help with my papers please", "ht") == "ht"
    assert choose("bonjour je voudrais un rendez-vous chez le médecin", "ar") == "ar"


def test_a_new_conversation_uses_the_channel_hint_then_spanish() -> None:
    assert choose("👍", None, "ar") == "ar"
    assert choose("👍", None, "fr-FR") == "ht"  # a phone in French, in Quilicura: most likely Haitian
    assert choose("👍", None, "en-US") == "es"
    assert choose("👍", None, None) == "es"
    assert choose("mesi", None, None) == "ht"  # a weak guess is enough when there is nothing else


def test_a_clear_message_in_another_language_switches() -> None:
    assert choose("kijan pou m enskri nan kou panyol la", "es") == "ht"


def test_codes_copied_from_the_bot_are_not_arabizi() -> None:
    assert identify("mi codigo es GRA-2KFK8, quiero saber cuando empieza").language == "es"
    assert choose("GA-7K3P9Q", "ht") == "ht"


@pytest.mark.parametrize(
    "text",
    ["tengo hora a las 9am en el cesfam", "el curso es a las 7pm?", "curso de español nivel a2", "depto de 50 m2"],
)
def test_times_levels_and_units_are_no_arabizi(text: str) -> None:
    assert choose(text, "es") == "es"
    assert identify(text).language != "ar"


def test_a_romanised_word_of_the_conversation_keeps_it() -> None:
    assert choose("wen el cesfam", "ar") == "ar"  # py3langid alone says Spanish
    assert choose("hola, quiero que me escribas en español por favor", "ar") == "es"

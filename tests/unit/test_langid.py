"""Language identification on short chat messages."""

from __future__ import annotations

import pytest

from puente.langid import choose, decide, identify


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


def test_english_keeps_the_conversation_language_and_offers_the_buttons() -> None:
    decision = decide("hello I need some help with my papers please", "ht")
    assert decision.language == "ht" and decision.offer_choice


def test_french_means_a_haitian_writer() -> None:
    for text, current in [("bonjour je ne parle pas espagnol", None), ("bonjour je voudrais un rendez-vous", "es")]:
        decision = decide(text, current, "+56")
        assert decision.language == "ht" and decision.offer_choice, text


@pytest.mark.parametrize(
    ("text", "current", "language"),
    [
        ("m pa pale panyòl", "es", "ht"),
        ("ما بحكي اسباني", "es", "ar"),
        ("no hablo espanol, kreyol", "es", "ht"),
        ("no entiendo, hablame en español", "ht", "es"),
        ("en kreyòl souple", "es", "ht"),
        ("arabic please", "es", "ar"),
        ("bil 3arabi law sama7t", "ht", "ar"),
    ],
)
def test_a_choice_or_a_refusal_moves_the_language(text: str, current: str, language: str) -> None:
    assert decide(text, current, "+56").language == language


@pytest.mark.parametrize(
    ("text", "current"),
    [
        ("curso de espanol", "ht"),  # the course's name, not a choice
        ("registro social de hogares", "ar"),
        ("calle los aromos 1234 quilicura", "ht"),
        ("oficina de migrantes", "ar"),
        ("ok gracias", "ht"),
        ("arriendo a se 280 mil", "ht"),  # Chilean words inside Creole
    ],
)
def test_names_and_chilean_words_never_move_the_language(text: str, current: str) -> None:
    assert decide(text, current, "+56").language == current


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

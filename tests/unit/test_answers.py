"""Reading names, phones and numbers the way people type them."""

from __future__ import annotations

import pytest

from actions.common import parse_int, yes_or_no
from actions.people import clean_name, clean_phone
from rasa_plugins.normalize import fold


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("9 8765 4321", "+56987654321"),
        ("+56 9 8765 4321", "+56987654321"),
        ("56987654321", "+56987654321"),
        ("٩٨٧٦٥٤٣٢١", "+56987654321"),
        ("+509 3456 7890", "+50934567890"),
        ("09 8765 4321", "+56987654321"),
        ("0056 9 8765 4321", "+56987654321"),
        ("00509 3456 7890", "+50934567890"),
        ("0 2 2810 8365", None),  # a landline is no mobile to call back
        ("hola", None),
        ("123", None),
    ],
)
def test_phone_numbers(typed: str, stored: str | None) -> None:
    assert clean_phone(typed) == stored


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("Marie Joseph", True),
        ("José-Luis O'Neill", True),
        ("أحمد خليل", True),
        ("12345", False),
        ("x", False),
        ("select * from residents; drop table residents", False),
        # Courtesies have a name's shape but are messages (the training data says which).
        ("bonjou", False),
        ("السلام عليكم", False),
        ("Gracias", False),
        ("Mesi Jean", True),
        ("Dieumerci Joseph", True),
        ("Esperanza Gracia", True),
    ],
)
def test_names(typed: str, ok: bool) -> None:
    assert (clean_name(typed) is not None) == ok


@pytest.mark.parametrize(
    ("typed", "lang", "number"),
    [
        ("4", "es", 4),
        ("٣", "ar", 3),
        ("somos 5 en la casa", "es", 5),
        ("twa", "ht", 3),
        ("tres", "es", 3),
        ("somos tres en la casa", "es", 3),  # a number word inside a short answer counts
        ("de", "es", None),
        ("ثلاثة", "ar", 3),
        ("premye a, madi swa", "ht", 1),  # an ordinal picks, even the first
        ("el primero porfa", "es", 1),
        ("الأول", "ar", 1),
        ("una pregunta", "es", None),  # "one" in a phrase is an article
    ],
)
def test_numbers(typed: str, lang: str, number: int | None) -> None:
    assert parse_int(typed, lang) == number


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        ("Kreyòl", "kreyol"),
        ("أريد", "اريد"),
        ("مدرسة", "مدرسه"),
        ("holaaaaa", "holaa"),
        ("إقامة", "اقامه"),
        ("١٢", "12"),
    ],
)
def test_spelling_folding(word: str, folded: str) -> None:
    assert fold(word) == folded


@pytest.mark.parametrize(
    ("typed", "lang", "number"),
    [
        ("el dos", "es", 2),
        ("la segunda", "es", 2),
        ("نحنا خمسة", "ar", 5),
        ("الأولى", "ar", 1),
        ("dezyèm nan", "ht", 2),
        ("nou se kat moun lakay la", "ht", 4),
        ("tengo una pregunta", "es", None),  # "una" in a phrase is an article
        ("somos 4, mi esposo yo y los 2 niños", "es", None),  # two numbers: ask again
    ],
)
def test_number_words_inside_short_answers(typed: str, lang: str, number: int | None) -> None:
    assert parse_int(typed, lang) == number


@pytest.mark.parametrize(
    ("typed", "total"),
    [
        ("somos 4, mi esposo yo y los 2 niños", 4),
        ("tengo 2 hijos y somos 4 en total", 4),
        ("nou 5 lakay la, 3 timoun", 5),
        ("نحنا ٦، انا وزوجي و٤ ولاد", 6),
        ("5", 5),
    ],
)
def test_a_household_counts_the_largest_number_named(typed: str, total: int) -> None:
    assert parse_int(typed, "es", largest=True) == total


class Said:
    def __init__(self, text: str, intent: str) -> None:
        self.latest_message = {"text": text, "intent": {"name": intent}}


@pytest.mark.parametrize(
    ("typed", "intent", "answer"),
    [
        ("si", "affirm", True),
        ("non pa kounya, m ap pase biwo a pito", "ask_service_info", False),
        ("اي بس بسرعة", "nlu_fallback", True),
        ("donde queda el cesfam", "ask_service_info", None),
    ],
)
def test_a_yes_or_no_is_read_by_its_intent_else_its_first_word(typed: str, intent: str, answer: bool | None) -> None:
    assert yes_or_no(Said(typed, intent)) is answer  # type: ignore[arg-type]

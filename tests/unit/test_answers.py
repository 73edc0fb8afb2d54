"""Reading names, phones and numbers the way people type them."""

from __future__ import annotations

import pytest

from actions.common import parse_int
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
        ("somos tres en la casa", "es", None),
        ("de", "es", None),
        ("ثلاثة", "ar", 3),
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

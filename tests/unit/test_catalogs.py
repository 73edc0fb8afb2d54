"""Every text exists in every language, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import yaml

from puente import i18n

ROOT = Path(__file__).resolve().parents[2]


def placeholders(text: Any) -> set[str]:
    """The {names} of a text, over all its plural forms."""
    forms = text.values() if i18n.is_plural(text) else [text]
    return {name for form in forms for _, name, _, _ in string.Formatter().parse(str(form)) if name}


def forms(text: Any) -> list[str]:
    return [str(f) for f in text.values()] if i18n.is_plural(text) else [str(text)]


# Texts that may read the same in every language: names, codes, formats.
SAME_AS_SPANISH = {"desk.", "handoff.from_mediator", "common.list_separator"}
OTHERS = [code for code in i18n.languages() if code != i18n.DEFAULT]


def _spanish_texts() -> dict[str, Any]:
    # desk.*: what mediators read, all of whom speak Spanish.
    return {k: v for k, v in i18n.texts(i18n.DEFAULT).items() if not k.startswith("desk.")}


@pytest.mark.parametrize("language", OTHERS)
def test_catalog_has_every_key_with_the_same_placeholders(language: str) -> None:
    reference, other = _spanish_texts(), i18n.texts(language)
    assert set(reference) <= set(other), sorted(set(reference) - set(other))
    for key in reference:
        assert placeholders(reference[key]) == placeholders(other[key]), key
        assert placeholders(other[key]) <= placeholders(reference[key]) | {"n"}, key


@pytest.mark.parametrize("language", OTHERS)
def test_no_text_is_left_in_spanish(language: str) -> None:
    other = i18n.texts(language)
    same = [
        key
        for key, text in _spanish_texts().items()
        if forms(text) == forms(other.get(key)) and not key.startswith(tuple(SAME_AS_SPANISH))
    ]
    assert not same, same


def test_every_count_picks_its_plural_form() -> None:
    assert i18n.t("es", "workshops.seats_left", n=1) != i18n.t("es", "workshops.seats_left", n=3).replace("3", "1")
    assert "1 cupos" not in i18n.t("es", "workshops.seats_left", n=1)
    arabic = {n: i18n.t("ar", "workshops.seats_left", n=i18n.isolate(n, "ar")) for n in (1, 2, 3, 11)}
    assert len(set(arabic.values())) == 4  # one, two, few (3-10) and other (11+) differ in Arabic


def test_weekdays_are_seven_in_every_language() -> None:
    for code in i18n.languages():
        assert len(i18n.t(code, "common.weekdays").split(",")) == 7


def test_every_domain_response_has_a_variation_per_language() -> None:
    responses: dict[str, list[dict[str, Any]]] = {}
    for path in (ROOT / "domain").glob("*.yml"):
        responses.update((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("responses", {}))
    assert responses
    for name, variations in responses.items():
        if name.startswith("utter_faq/"):  # labels for the ResponseSelector; the answer comes from the records
            continue
        languages = {
            next((c["value"] for c in v.get("condition", []) if c.get("name") == "language"), i18n.DEFAULT)
            for v in variations
        }
        assert languages == set(i18n.languages()), name


def test_codes_stay_readable_in_right_to_left_text() -> None:
    assert i18n.isolate("ESP-4F7Q", "ar") == "\u2068ESP-4F7Q\u2069"
    assert i18n.isolate("ESP-4F7Q", "es") == "ESP-4F7Q"


def _arabic_texts() -> list[str]:
    """Every Arabic text a person may read: the catalog's and the seeded records'."""
    found = [form for text in i18n.texts("ar").values() for form in forms(text)]

    def walk(node: Any, arabic: bool) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, arabic or key == "ar")
        elif isinstance(node, list):
            for value in node:
                walk(value, arabic)
        elif arabic and isinstance(node, str):
            found.append(node)

    walk(yaml.safe_load((ROOT / "records" / "seed" / "quilicura.yml").read_text(encoding="utf-8")), False)
    return found


def _survives(text: str) -> list[str]:
    """The left-to-right runs (hours, phones, codes, Latin names) broken in the visual order a phone
    shows (the Unicode bidi algorithm, python-bidi) once the text leaves through i18n.display."""
    from bidi import get_display

    shown = get_display(i18n.display(text))
    bare = text.replace("\u2068", "").replace("\u2069", "")
    runs = [i18n.trim_run(m.group(0))[0] for m in i18n.LTR_RUN.finditer(bare)]
    return [run for run in runs if run not in shown]


def test_arabic_texts_keep_numbers_ranges_codes_and_latin_names_intact() -> None:
    texts = _arabic_texts()
    assert len(texts) > 100
    broken = {text: runs for text in texts if (runs := _survives(text))}
    assert not broken, broken
    # "$500.000" reads as dollars with a decimal point to an Arabic reader: "500 ألف بيزو".
    assert not [text for text in texts if "$" in text]


def test_the_display_check_catches_text_sent_as_written() -> None:
    from bidi import get_display

    text = "ساعات العمل 8:30-14:00 والهاتف 600 360 7777"
    assert "8:30-14:00" not in get_display(text) and "600 360 7777" not in get_display(text)
    assert not _survives(text)
    assert i18n.display(i18n.display(text)) == i18n.display(text)
    assert i18n.display("Horario 8:30-14:00") == "Horario 8:30-14:00"  # left-to-right text untouched
    # A bracket opened in the Arabic closes outside the isolate; one opened inside stays in.
    assert i18n.display("(مثلاً 9 1234 5678)") == "(مثلاً \u20689 1234 5678\u2069)"
    assert i18n.display("مكتب Oficina (OMIL) هنا") == "مكتب \u2068Oficina (OMIL)\u2069 هنا"
    assert i18n.display("الهاتف: +56 2 2810 8365") == "الهاتف: \u2068+56 2 2810 8365\u2069"  # the plus too

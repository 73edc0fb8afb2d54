"""Every text exists in every language, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest
import yaml

from puente import i18n

ROOT = Path(__file__).resolve().parents[2]


def flatten(node: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(node, dict) and not prefix.endswith("numbers."):
        out: dict[str, Any] = {}
        for key, value in node.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): node}


def placeholders(text: Any) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(str(text)) if name}


@pytest.mark.parametrize("language", [code for code in i18n.languages() if code != i18n.DEFAULT])
def test_catalog_has_every_key_with_the_same_placeholders(language: str) -> None:
    reference = flatten(i18n.catalog(i18n.DEFAULT))
    other = flatten(i18n.catalog(language))
    # desk.*: what mediators read, all of whom speak Spanish.
    texts = {k for k in reference if not k.startswith(("meta.", "common.numbers", "desk."))}
    assert texts <= set(other), sorted(texts - set(other))
    for key in texts:
        assert placeholders(reference[key]) == placeholders(other[key]), key


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

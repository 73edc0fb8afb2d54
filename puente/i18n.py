"""Message catalogs: every text an action builds, in every supported language.

A language is supported when `puente/messages/<code>.yml` exists; adding one is adding that
file (plus its NLU data and domain responses), not code.
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOG_DIR = Path(__file__).with_name("messages")
DEFAULT = "es"


@cache
def catalog(language: str) -> dict[str, Any]:
    path = CATALOG_DIR / f"{language}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}


@lru_cache(maxsize=1)
def languages() -> tuple[str, ...]:
    """Supported language codes, the default first."""
    found = sorted(p.stem for p in CATALOG_DIR.glob("*.yml"))
    return tuple([DEFAULT] + [code for code in found if code != DEFAULT])


def supported(language: str | None) -> str:
    return language if language in languages() else DEFAULT


def lookup(language: str, key: str) -> Any:
    node: Any = catalog(language)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def t(language: str | None, key: str, **values: Any) -> str:
    """The text for `key` in `language` (Spanish if missing there), with {placeholders} filled."""
    template = lookup(supported(language), key)
    if template is None:
        template = lookup(DEFAULT, key)
    if template is None:
        raise KeyError(key)
    return str(template).format(**values) if values else str(template)


def rtl(language: str | None) -> bool:
    return bool(lookup(supported(language), "meta.rtl"))


def isolate(value: object, language: str | None) -> str:
    """Keeps codes, numbers and links readable inside right-to-left text (Unicode FSI...PDI)."""
    text = str(value)
    return f"\u2068{text}\u2069" if rtl(language) else text


def from_hint(hint: str | None) -> str | None:
    """The supported language a channel's hint suggests: Telegram's `language_code` ("fr-HT")
    through each catalog's `meta.channel_hints`, or a WhatsApp number ("+509...") through
    `meta.phone_prefixes` (the longest matching prefix wins)."""
    if not hint:
        return None
    digits = hint.lstrip("+")
    if digits.isdigit():
        best: tuple[int, str | None] = (0, None)
        for code in languages():
            for prefix in lookup(code, "meta.phone_prefixes") or []:
                if digits.startswith(str(prefix)) and len(str(prefix)) > best[0]:
                    best = (len(str(prefix)), code)
        return best[1]
    base = hint.replace("_", "-").split("-")[0].lower()
    for code in languages():
        if base == code or base in (lookup(code, "meta.channel_hints") or []):
            return code
    return None

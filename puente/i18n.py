"""Message catalogs: every text an action builds, in every supported language.

A language is supported when `puente/messages/<code>.yml` exists; adding one is adding that
file (plus its NLU data and domain responses), not code.
"""

from __future__ import annotations

import re
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


def is_plural(node: Any) -> bool:
    return isinstance(node, dict) and "other" in node and set(node) <= set(PLURAL_FORMS)


def texts(language: str) -> dict[str, Any]:
    """Every text of a catalog by dotted key ("workshops.seats_left"); a text with plural forms
    stays one mapping, and the `meta` and number-word sections are left out."""
    found: dict[str, Any] = {}

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict) and not is_plural(node):
            for key, value in node.items():
                walk(value, f"{prefix}{key}.")
        else:
            found[prefix.rstrip(".")] = node

    walk({k: v for k, v in catalog(language).items() if k != "meta"}, "")
    return {k: v for k, v in found.items() if not k.startswith(("common.numbers", "common.ordinals"))}


def t(language: str | None, key: str, **values: Any) -> str:
    """The text for `key` in `language` (Spanish if missing there), with {placeholders} filled."""
    template = lookup(supported(language), key)
    if template is None:
        template = lookup(DEFAULT, key)
    if template is None:
        raise KeyError(key)
    if isinstance(template, dict):
        template = plural(template, values)
    return str(template).format(**values) if values else str(template)


PLURAL_FORMS = ("one", "two", "few", "other")


def plural(forms: dict[str, str], values: dict[str, Any]) -> str:
    """The form of a text for the count among `values` ({n}, {months}...): "one", "two", "few"
    (3 to 10, as Arabic needs) or "other"; a catalog gives only the forms its language uses."""
    count = next((int(v) for v in map(_bare, values.values()) if v.isdigit()), None)
    if count == 1 and "one" in forms:
        return forms["one"]
    if count == 2 and "two" in forms:
        return forms["two"]
    if count is not None and 3 <= count % 100 <= 10 and "few" in forms:
        return forms["few"]
    return forms["other"]


def _bare(value: object) -> str:
    return str(value).strip("\u2068\u2069 ")


def rtl(language: str | None) -> bool:
    return bool(lookup(supported(language), "meta.rtl"))


def isolate(value: object, language: str | None) -> str:
    """Keeps codes, numbers and links readable inside right-to-left text (Unicode FSI...PDI)."""
    text = str(value)
    return f"\u2068{text}\u2069" if rtl(language) else text


RTL_LETTER = re.compile(r"[\u0590-\u08FF\uFB1D-\uFDFF\uFE70-\uFEFF]")
# A left-to-right run: Latin words, numbers, times, ranges, phones, codes, links ("8:30-14:00",
# "600 360 7777", "Oficina Municipal de Migrantes", "GA-7K3P9Q"), up to its last letter or digit.
LTR_RUN = re.compile(
    r"(?:\+(?=\d))?[A-Za-z0-9\u00C0-\u024F$€]"
    r"(?:(?:[A-Za-z0-9\u00C0-\u024F$€ :/+()\[\]@_%'’&\-–]|[.,](?=\S))*[A-Za-z0-9\u00C0-\u024F)\]])?"
)


def display(text: str) -> str:
    """A text as it must leave for a phone: inside right-to-left text every left-to-right run is
    isolated (FSI...PDI), so hours, phone numbers, codes and Latin names keep their order whatever
    wrote them (catalog, records, console, a mediator). Lines without right-to-left letters (the
    Spanish of a notice in every language) are left as they are.
    Applied where texts leave the gateway and the local chat; idempotent."""
    if not RTL_LETTER.search(text):
        return text
    return "\n".join(_display_line(line) if RTL_LETTER.search(line) else line for line in text.split("\n"))


def _display_line(line: str) -> str:
    bare = line.replace("\u2068", "").replace("\u2069", "")
    return LTR_RUN.sub(_isolated, bare)


def trim_run(run: str) -> tuple[str, str]:
    """A left-to-right run without the closing brackets opened in the right-to-left text before it
    ("(مثلاً 9 1234 5678)"): those stay outside the isolate, to mirror with their opening one."""
    tail = ""
    pairs = {")": "(", "]": "["}
    while run and run[-1] in pairs and run.count(run[-1]) > run.count(pairs[run[-1]]):
        tail = run[-1] + tail
        run = run[:-1]
    stripped = run.rstrip()
    return stripped, run[len(stripped) :] + tail


def _isolated(match: re.Match[str]) -> str:
    run, tail = trim_run(match.group(0))
    return f"\u2068{run}\u2069{tail}" if run else tail


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

"""Which language a message is in, tuned for short chat messages.

Rules, in order (measured on the NLU test split by tests/nlu and benchmarks/nlu.py):
1. Any character of a language's own script (Arabic) decides it.
2. Romanised Arabic (Arabizi: "shu el wara2", "3ndi so2al") by its digits-as-letters and marker words.
3. py3langid restricted to the Latin-script languages plus English and French (so that an English
   or French message is recognised as neither Spanish nor Creole), trusted above a cut-off.
4. One- or two-word messages ("ok", "si", "1", "mesi") never change the language: they only give a
   weak guess, used when the conversation has no language yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from puente import i18n

CONFIDENCE = 0.8
SHORT = 2
OTHERS = ("en", "fr")  # recognised so they are not mistaken for es/ht, never answered in
SCRIPTS = {"arabic": re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")}
WORD = re.compile(r"[^\W\d_]+(?:[\d][^\W\d_]+)*[\d]?", re.UNICODE)
# Codes people copy from the bot ("GRA-2KFK8", "GA-7K3P9Q") and links are in no language.
NOT_WORDS = re.compile(r"\b[A-Z0-9]{2,}(?:-[A-Z0-9]+)+\b|https?://\S+|\S+@\S+")
ARABIZI_DIGIT = re.compile(r"(?<![\d])(?:[a-z]+[235789][a-z]*|[235789][a-z]{2,})(?![\d])")
# Digits and letters that are no Arabizi: ordinals (3er, 2do), times (9am, 7pm, 14h), course levels
# (a2, b1) and units (50m2, 2kg): they carry no language at all.
NO_LANGUAGE = re.compile(
    r"^(?:\d+(?:er|ro|do|to|vo|no|mo|ra|da|ta|va|na|ma)"
    r"|\d{1,2}(?:am|pm|hrs?|h)|[abc][12]|\d*(?:m2|m3|km|kg|cm|mm|mts?|lts?|gb|mb))$"
)


@dataclass(frozen=True)
class Guess:
    language: str | None
    strong: bool  # strong guesses may switch the conversation's language


def _meta(language: str, key: str) -> list[str] | str | None:
    return i18n.lookup(language, f"meta.{key}")


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    latin = [lang for lang in i18n.languages() if _meta(lang, "script") in (None, "latin")]
    identifier.set_languages(sorted(set(latin) | set(OTHERS)))
    return identifier


def _markers(language: str, key: str = "markers") -> set[str]:
    return {m.lower() for m in (_meta(language, key) or [])}


def _romanised(words: list[str], text: str) -> str | None:
    """A language written in Latin letters though its own script is another (Arabizi)."""
    for lang in i18n.languages():
        markers = _markers(lang, "latin_markers")
        if not markers:
            continue
        hits = sum(w in markers for w in words)
        digit_words = sum(1 for w in ARABIZI_DIGIT.findall(text) if not NO_LANGUAGE.match(w))
        if hits >= 2 or digit_words >= 1 or (words and hits == len(words)):
            return lang
    return None


def identify(text: str) -> Guess:
    text = (text or "").strip()
    for lang in i18n.languages():
        script = _meta(lang, "script")
        if isinstance(script, str) and script in SCRIPTS and SCRIPTS[script].search(text):
            return Guess(lang, True)
    lowered = NOT_WORDS.sub(" ", text).lower()
    words = WORD.findall(lowered)
    if not words:
        return Guess(None, False)
    romanised = _romanised(words, lowered)
    if romanised:
        return Guess(romanised, len(words) > SHORT)
    if len(words) > SHORT:
        lang, probability = _identifier().classify(lowered)
        if probability >= CONFIDENCE:
            return Guess(lang, True)
    return Guess(_by_markers(words), False)


def _by_markers(words: list[str]) -> str | None:
    """A weak guess from words typical of one language ("mesi", "orevwa zanmi"), if one stands out."""
    hits = {lang: sum(w in _markers(lang) for w in words) for lang in i18n.languages()}
    best = max(hits.values(), default=0)
    leaders = [lang for lang, n in hits.items() if n == best]
    return leaders[0] if best and len(leaders) == 1 else None


def _romanised_current(text: str, current: str | None) -> bool:
    """A word of the current language written in Latin letters ("wen el cesfam" in an Arabic
    conversation): the Latin-script guess does not move the conversation away from it."""
    if not current:
        return False
    markers = _markers(current, "latin_markers")
    return bool(markers) and any(w in markers for w in WORD.findall(NOT_WORDS.sub(" ", text).lower()))


def choose(text: str, current: str | None, hint: str | None = None) -> str:
    """The language to answer in after this message."""
    guess = identify(text)
    supported = i18n.languages()
    if guess.language in supported and (guess.strong or current is None) and not _romanised_current(text, current):
        return guess.language
    if current in supported:
        return current
    return i18n.from_hint(hint) or i18n.DEFAULT

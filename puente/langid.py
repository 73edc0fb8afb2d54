"""Which language to answer in, message by message, tuned for short chat messages.

The conversation's language only moves for a reason. `decide` weighs, in order:
1. An explicit choice: a language named as a request ("en kreyòl", "بالعربي", "arabic please",
   a bare "español"), not as a topic ("curso de español").
2. A refusal: "m pa pale panyòl", "je ne parle pas espagnol", "ما بحكي اسباني" leave the refused
   language for the one the message is written in.
3. Strong evidence in the message. Strong means: a letter of a language's own script (Arabic);
   Arabizi (digits as letters, or two of its marker words); or at least three words that are no
   names, codes, times or numbers and that py3langid or the marker words assign confidently.
   Inside a conversation, a message that also holds a word of the conversation's language
   ("wen el cesfam" in Arabic, "m bezwen hora" in Creole) does not move it.
4. The conversation's language; for a first message, any weak guess (one typical word).
5. The channel hint (phone language, phone prefix), then Spanish.

French is written here by Haitians: it means Creole, with the language buttons offered once.
English is answered in the conversation's language with the buttons, since none is English.
Names and institutions (`puente/neutral.yml`: CESFAM, Registro Civil, Quilicura, course names...)
carry no language and are removed before anything is counted.
Measured on tests/langid/*.yml by `make bench-langid` and tests/langid.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import yaml

from puente import i18n

CONFIDENCE = 0.8
SENTENCE = 5  # content words that make a sentence, enough to switch to Spanish
STRONG_WORDS = 3  # content words needed before py3langid or markers may switch a conversation
OTHERS = ("en", "fr")  # recognised so they are not mistaken for es/ht; never answered in
FRENCH_MEANS = "ht"  # a French writer in Quilicura is most likely Haitian
SCRIPTS = {"arabic": re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")}
# A word, with the digits Arabizi writes as letters ("3arabi", "7ki", "so2al").
WORD = re.compile(r"(?:\d(?=[^\W\d_]))?[^\W\d_]+(?:\d[^\W\d_]+)*\d?", re.UNICODE)
# Codes people copy from the bot ("GRA-2KFK8"), links, emails and phone numbers are in no language.
NOT_WORDS = re.compile(r"\b[A-Z0-9]{2,}(?:-[A-Z0-9]+)+\b|https?://\S+|www\.\S+|\S+@\S+|\+?\d[\d\s.-]{5,}\d")
ARABIZI_DIGIT = re.compile(r"(?<![\d])(?:[a-z]+[235789][a-z]*|[235789][a-z]{2,})(?![\d])")
# Digits and letters that are no Arabizi: ordinals (3er, 2do), times (9am, 7pm, 14h), course levels
# (a2, b1) and units (50m2, 2kg): they carry no language at all.
NO_LANGUAGE = re.compile(
    r"^(?:\d+(?:er|ro|do|to|vo|no|mo|ra|da|ta|va|na|ma|e|eme|yem)"
    r"|\d{1,2}(?:am|pm|hrs?|h)|[abc][12]|\d*(?:m2|m3|km|kg|cm|mm|mts?|lts?|gb|mb))$"
)
NEUTRAL_FILE = Path(__file__).with_name("neutral.yml")
# Typical words per language, one per line: <code>.txt, and <code>_latin.txt for a language written
# in Latin letters though its script is another (Arabizi).
LEXICON_DIR = Path(__file__).with_name("lexicon")


@dataclass(frozen=True)
class Guess:
    language: str | None  # a supported language, or "en"/"fr"
    strong: bool  # strong guesses may switch the conversation's language


@dataclass(frozen=True)
class Decision:
    language: str
    reason: str  # choice | refusal | message | conversation | hint | default
    offer_choice: bool = False  # show the language buttons (a French or English writer)


def _meta(language: str, key: str) -> list[str] | str | None:
    return i18n.lookup(language, f"meta.{key}")


@lru_cache(maxsize=1)
def _identifier():  # type: ignore[no-untyped-def]
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    latin = [lang for lang in i18n.languages() if _meta(lang, "script") in (None, "latin")]
    identifier.set_languages(sorted(set(latin) | set(OTHERS)))
    return identifier


@cache
def _neutral() -> dict[str, list[str]]:
    return yaml.safe_load(NEUTRAL_FILE.read_text(encoding="utf-8"))


@cache
def _neutral_phrases() -> re.Pattern[str]:
    """Names, longest first, matched as whole words without accents."""
    phrases = sorted({_fold(p) for p in _neutral()["names"]}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(p) for p in phrases) + r")\b")


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@cache
def words(key: str) -> frozenset[str]:
    """A word list of neutral.yml (requests, topics, negations, causes), folded."""
    return frozenset(_fold(str(w)) for w in _neutral()[key])


@cache
def _markers(language: str, key: str = "markers") -> frozenset[str]:
    """Typical words (`markers`, `latin_markers`) or names (`names`) of a language."""
    others = _neutral()["others"]
    words = list(others[language].get(key, []) if language in others else _meta(language, key) or [])
    lexicon = LEXICON_DIR / f"{language}{'_latin' if key == 'latin_markers' else ''}.txt"
    if key != "names" and lexicon.is_file():
        lines = lexicon.read_text(encoding="utf-8").splitlines()
        words += [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    return frozenset(_fold(str(m)) for m in words)


@cache
def _names_of_languages() -> dict[str, str]:
    """Every way of writing a language's name ("kreyol", "عربي", "spanish") → its code."""
    found: dict[str, str] = {}
    for code in (*i18n.languages(), *OTHERS):
        found.update(dict.fromkeys(_markers(code, "names"), code))
    return found


def _script_language(text: str) -> str | None:
    for lang in i18n.languages():
        script = _meta(lang, "script")
        if isinstance(script, str) and script in SCRIPTS and SCRIPTS[script].search(text):
            return lang
    return None


def _cleaned(text: str) -> str:
    """The message folded, without codes, links, emails and phone numbers."""
    return _fold(NOT_WORDS.sub(" ", text))


def _tokens(text: str) -> list[str]:
    """All words, folded, codes and links removed (language names and courtesy words included)."""
    return WORD.findall(_cleaned(text))


def content_words(text: str) -> list[str]:
    """The words that can tell a language: no names, institutions, codes, times, levels or units."""
    cleaned = _neutral_phrases().sub(" ", _cleaned(text))
    return [w for w in WORD.findall(cleaned) if not NO_LANGUAGE.match(w)]


VOWELS = re.compile(r"(?<=.)[aeiouy]+")
REPEATS = re.compile(r"(.)\1+")


def skeleton(word: str) -> str:
    """A romanised word without its vowels or doubled letters: Arabizi has no fixed spelling
    ("keefik", "kifik"; "mrhba", "marhaba"), its consonants are what people agree on."""
    return VOWELS.sub("", REPEATS.sub(r"\1", word))


@cache
def _typical_words() -> frozenset[str]:
    return frozenset().union(*(_markers(lang) for lang in (*i18n.languages(), *OTHERS)))


@cache
def _skeletons(language: str) -> frozenset[str]:
    """Skeletons of a language's romanised words; those of three letters or more only, minus any
    a typical word of another language shares ("madrase" and "madres")."""
    found = {skeleton(w) for w in _markers(language, "latin_markers")}
    return frozenset(s for s in found if len(s) >= 3) - {skeleton(w) for w in _typical_words()}


def _hits(words: list[str], folded: str) -> dict[str, int]:
    """How many words are typical of each language; Arabizi words with digits count for the
    language written in Latin letters ("3ndi", "so2al"), and so do other spellings of its words."""
    hits = {lang: sum(w in _markers(lang) for w in words) for lang in (*i18n.languages(), *OTHERS)}
    for lang in i18n.languages():
        latin = _markers(lang, "latin_markers")
        if latin:
            digit_words = [w for w in ARABIZI_DIGIT.findall(folded) if not NO_LANGUAGE.match(w)]
            known = _typical_words()
            spelled = [w for w in words if w not in latin and w not in known and skeleton(w) in _skeletons(lang)]
            hits[lang] += sum(w in latin for w in words) + len(digit_words) + len(spelled)
    return hits


def identify(text: str) -> Guess:
    """The language a message is written in, and whether that evidence is strong: its script;
    or its typical words, where they clearly lead (at least two, and a third of the words);
    or py3langid on three words or more, where the typical words agree."""
    text = (text or "").strip()
    scripted = _script_language(text)
    if scripted:
        return Guess(scripted, True)
    words = content_words(text)
    if not words:
        return Guess(None, False)
    raw = _hits(words, _cleaned(text))
    hits = dict(raw)
    hits[FRENCH_MEANS] += hits.pop("fr")  # French and Creole lead to the same answer
    ranked = sorted(hits.values(), reverse=True)
    leader = next(lang for lang, n in hits.items() if n == ranked[0]) if ranked[0] > ranked[1] else None
    if leader == FRENCH_MEANS and raw["fr"] > raw[FRENCH_MEANS]:
        leader = "fr"
    if leader and ranked[0] >= 2 and ranked[0] * 3 >= len(words):
        return Guess(leader, True)
    if len(words) >= STRONG_WORDS:
        lang, probability = _identifier().classify(" ".join(words))
        if probability >= CONFIDENCE and raw[lang] and raw[lang] >= max(raw.values()):
            return Guess(lang, True)
    return Guess(leader, False)


def _negated(tokens: list[str], i: int) -> bool:
    """A negation shortly before word i, with no "in" between ("no hablo español" but not
    "no entiendo, háblame en español")."""
    for j in range(i - 1, max(-1, i - 5), -1):
        if tokens[j] in words("prepositions") or tokens[j] in words("except"):
            return False
        if tokens[j] in words("negations"):
            return True
    return False


def _clauses(text: str) -> list[list[str]]:
    """The message's words, clause by clause ("no entiendo nada, español")."""
    return [words for part in re.split(r"[,.;:!?¿¡،؛؟\n]+", text) if (words := _tokens(part))]


def _choice(text: str) -> str | None:
    """The language last named as a request: alone or with courtesy words ("kreyol souple",
    "arabic please"), or after "in" ("en español", "an kreyòl", "bil 3arabi"); never as a topic
    ("curso de español") nor refused ("m pa pale panyòl")."""
    names, requests = _names_of_languages(), words("requests")
    chosen = None
    for tokens in _clauses(text):
        others = [t for t in tokens if t not in names and t not in requests]
        for i, word in enumerate(tokens):
            code = names.get(word)
            if not code or _negated(tokens, i) or (i and tokens[i - 1] in words("topics")):
                continue
            before = tokens[i - 1] if i else ""
            verb = next((t for t in reversed(tokens[max(0, i - 3) : i]) if t not in words("speak_with")), "")
            said_to_speak = verb in words("speak") | words("except") and not set(tokens) & words("topics")
            if not others or said_to_speak or before in words("prepositions"):
                chosen = code
    return chosen


def _refused(text: str) -> str | None:
    """The language a person says they do not speak or read."""
    names = _names_of_languages()
    for tokens in _clauses(text):
        for i, word in enumerate(tokens):
            if word in names and _negated(tokens, i):
                return names[word]
    return None


def decide(text: str, current: str | None, hint: str | None = None) -> Decision:
    """The language to answer in after this message, and why."""
    supported = i18n.languages()
    current = current if current in supported else None
    from_hint = i18n.from_hint(hint)
    chosen = _choice(text or "")
    if chosen in supported or chosen == "fr":
        return Decision(FRENCH_MEANS if chosen == "fr" else chosen, "choice", offer_choice=chosen == "fr")
    guess = identify(text)
    language = FRENCH_MEANS if guess.language == "fr" else guess.language
    french = guess.language == "fr"
    refused = _refused(text or "")
    if refused == language and guess.strong and len(content_words(text)) >= SENTENCE:
        refused = None  # "mi hermano no habla bien el español", written in good Spanish
    if chosen or (refused and language in (None, refused, "en")):  # English asked for, or no way out
        ways_out = [lang for lang in (current, from_hint, *supported) if lang and lang != refused]
        return Decision(ways_out[0], "choice", offer_choice=True)
    if refused and language in supported:
        return Decision(language, "refusal", offer_choice=french)
    if guess.language == "en":
        return Decision(current or from_hint or i18n.DEFAULT, "conversation" if current else "hint", guess.strong)
    if language in supported and (current is None or (guess.strong and _may_switch(text, current, language))):
        return Decision(language, "message", offer_choice=french and language != current)
    if current:
        return Decision(current, "conversation")
    return Decision(from_hint, "hint") if from_hint else Decision(i18n.DEFAULT, "default")


def _may_switch(text: str, current: str, language: str) -> bool:
    """Spanish is all around (forms, places, what staff say): moving a conversation to it takes a
    sentence, not a few borrowed words ("arriendo a se 280 mil", "miercoles en la tarde")."""
    if language == current or _keeps(text, current):
        return False
    return language != i18n.DEFAULT or _script_language(text) is not None or len(content_words(text)) >= SENTENCE


def _keeps(text: str, current: str | None) -> bool:
    """A message that holds words of the conversation's language (in its Latin spelling too) at
    least half as often as the other's does not move it: "wen el cesfam" in Arabic, "m bezwen
    hora" in Creole."""
    if not current or _script_language(text):
        return False
    hits = _hits(content_words(text), _cleaned(text))
    return hits[current] > 0 and hits[current] * 2 >= max(hits.values())


def choose(text: str, current: str | None, hint: str | None = None) -> str:
    """The language to answer in after this message."""
    return decide(text, current, hint).language

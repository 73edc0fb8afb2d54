"""Picking the text of a record in the reader's language."""

from __future__ import annotations

from typing import Protocol, TypeVar


class HasLanguage(Protocol):
    language: str
    machine_translated: bool


T = TypeVar("T", bound=HasLanguage)


def localized(texts: list[T], language: str, fallback: str = "es") -> tuple[T | None, bool]:
    """The text in `language`, else the fallback language; the flag says a fallback was used."""
    by_lang = {t.language: t for t in texts}
    if language in by_lang:
        return by_lang[language], False
    chosen = by_lang.get(fallback) or (texts[0] if texts else None)
    return chosen, chosen is not None

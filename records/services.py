"""The services directory and matching what people type to a service."""

from __future__ import annotations

import difflib
import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.orm import Session

from records.models import Service


def fold(text: str) -> str:
    """Lower case without accents: "Cédula" and "cedula" match."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


def all_services(session: Session) -> list[Service]:
    return list(session.scalars(select(Service).order_by(Service.id)))


def find(session: Session, wanted: str | None) -> Service | None:
    """By key ("health"), else by a known alias in any language, tolerating typos."""
    if not wanted:
        return None
    services = all_services(session)
    target = fold(wanted)
    for service in services:
        if service.key == target:
            return service
    aliases = {fold(alias): s for s in services for text in s.texts for alias in text.aliases}
    if target in aliases:
        return aliases[target]
    close = difflib.get_close_matches(target, list(aliases), n=1, cutoff=0.8)
    if close:
        return aliases[close[0]]
    # An alias inside a longer phrase ("el consultorio de aqui").
    words = f" {target} "
    for alias, service in sorted(aliases.items(), key=lambda kv: -len(kv[0])):
        if len(alias) >= 3 and f" {alias} " in words:
            return service
    return None


def mentioned(session: Session, text: str) -> list[tuple[int, Service]]:
    """Every service an alias names in the text, with where the alias ends (in the folded text).
    A longer alias hides the shorter ones inside it ("oficina de migrantes" over "oficina")."""
    folded = fold(text)
    aliases = sorted(
        ((fold(alias), s) for s in all_services(session) for t in s.texts for alias in t.aliases),
        key=lambda pair: -len(pair[0]),
    )
    taken: list[tuple[int, int]] = []
    found = []
    for alias, service in aliases:
        if len(alias) < 3:
            continue
        for hit in re.finditer(rf"(?<!\w){re.escape(alias)}(?!\w)", folded):
            if all(hit.end() <= start or hit.start() >= end for start, end in taken):
                taken.append(hit.span())
                found.append((hit.end(), service))
    return found

"""Loads the readable seed file into the records; running it again never duplicates.

`records setup` (every start) only adds what is missing, so what staff edited in the console is
kept; `records seed` rewrites the records from the file on purpose (update=True).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, time
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from records.models import FaqEntry, FaqText, Service, ServiceText, Workshop, WorkshopSession, WorkshopText

SEED_FILE = Path(__file__).with_name("seed") / "quilicura.yml"


def _time(value: Any) -> time:
    if isinstance(value, int):  # YAML 1.1 reads 18:30 as sexagesimal minutes
        return time(value // 60, value % 60)
    return time.fromisoformat(str(value))


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _by_key(session: Session, model: type, key: str) -> Any:
    return session.scalars(select(model).where(model.key == key)).first()


def _rows_by_language(owner: Any, specs: dict[str, Any], make: Callable[..., Any]) -> Iterator[tuple[Any, Any]]:
    """Each language's text row of `owner` (made and attached when missing) with its seed spec."""
    existing = {t.language: t for t in owner.texts}
    for lang, spec in specs.items():
        row = existing.get(lang)
        if row is None:
            row = make(language=lang)
            owner.texts.append(row)
        yield row, spec


def load(session: Session, path: Path = SEED_FILE, update: bool = True) -> dict[str, int]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in data.get("services", []):
        found = _by_key(session, Service, item["key"])
        if found is not None and not update:
            continue
        service = found or Service(key=item["key"])
        service.category = item.get("category", item["key"])
        service.address = item.get("address", "")
        service.phone = str(item.get("phone", ""))
        service.url = item.get("url", "")
        for row, text in _rows_by_language(service, item["texts"], ServiceText):
            row.name = text["name"]
            row.description = text.get("description", "")
            row.hours = text.get("hours", "")
            row.requirements = list(text.get("requirements", []))
            row.aliases = list(text.get("aliases", []))
            row.machine_translated = bool(text.get("machine_translated", False))
        session.add(service)
    for item in data.get("workshops", []):
        found_w = _by_key(session, Workshop, item["key"])
        if found_w is not None and not update:
            continue
        workshop = found_w or Workshop(key=item["key"])
        for wrow, text in _rows_by_language(workshop, item["texts"], WorkshopText):
            wrow.name = text["name"]
            wrow.description = text.get("description", "")
        session.add(workshop)
        session.flush()
        for spec in item.get("sessions", []):
            ws = session.scalars(select(WorkshopSession).where(WorkshopSession.code == spec["code"])).first()
            if ws is None:
                ws = WorkshopSession(code=spec["code"], workshop_id=workshop.id)
                session.add(ws)
            ws.starts_on = _date(spec["starts_on"])
            ws.ends_on = _date(spec["ends_on"])
            ws.weekdays = list(spec.get("weekdays", []))
            ws.start_time = _time(spec["start_time"])
            ws.end_time = _time(spec["end_time"])
            ws.place = spec["place"]
            ws.capacity = int(spec["capacity"])
    for item in faq_items(data, path):
        entry = _by_key(session, FaqEntry, item["key"])
        if entry is not None and not update:
            continue
        entry = entry or FaqEntry(key=item["key"])
        entry.topic = item.get("topic", "")
        entry.source_url = item.get("source", "")
        entry.source_note = item.get("source_note", "")
        for frow, text in _rows_by_language(entry, item["texts"], FaqText):
            frow.questions = list(text["questions"])
            frow.answer = " ".join(text["answer"].split())
            frow.machine_translated, frow.reviewed = False, True
        session.add(entry)
    session.flush()
    return {
        "services": len(data.get("services", [])),
        "workshops": len(data.get("workshops", [])),
        "sessions": sum(len(w.get("sessions", [])) for w in data.get("workshops", [])),
        "faq": len(faq_items(data, path)),
    }


def faq_items(data: dict[str, Any], path: Path = SEED_FILE) -> list[dict[str, Any]]:
    """The FAQ entries of the seed file and of `seed/faq/<topic>.yml` beside it, one file per topic.
    Seeded entries are drafts: staff mark each verified in the console after checking its source.
    (`seed/faq_drafts/` holds 43 written entries not loaded yet: README, "FAQ retrieval".)"""
    items = list(data.get("faq", []))
    for topic_file in sorted(path.with_name("faq").glob("*.yml")):
        items += (yaml.safe_load(topic_file.read_text(encoding="utf-8")) or {}).get("faq", [])
    return items

"""Frequent questions: entries staff keep in three languages, their answers, and the NLU data they
become when published (retrieval intent `faq/<key>` in nlu/<lang>/faq.yml).

Answers are read here at reply time, so an edited answer is live at once; only new or changed
questions need a new model (puente/publish.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from puente import i18n
from records.models import FaqEntry, FaqText
from records.services import fold

KEY = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
MIN_QUESTIONS = 2  # fewer than two examples teaches the model nothing it can generalise from


class FaqError(ValueError):
    """What staff typed cannot be saved or published; the message says why, in Spanish."""


@dataclass(frozen=True)
class Answer:
    text: str
    language: str  # the language of `text`: the reader's, or Spanish when theirs is missing
    machine: bool  # a machine translation no person has approved yet
    source: str = ""  # the official page it rests on
    verified: bool = False  # office staff checked it against its source


def entries(session: Session) -> list[FaqEntry]:
    return list(session.scalars(select(FaqEntry).order_by(FaqEntry.key)))


def by_key(session: Session, key: str) -> FaqEntry | None:
    return session.scalars(select(FaqEntry).where(FaqEntry.key == key)).first()


def text_of(entry: FaqEntry, language: str) -> FaqText | None:
    return next((t for t in entry.texts if t.language == language), None)


def key_from(title: str) -> str:
    """A readable key from a question: "¿Es gratis el curso?" -> "es_gratis_el_curso"."""
    words = re.findall(r"[a-z0-9]+", fold(title))
    key = "_".join(words)[:40].strip("_")
    return key if KEY.match(key) else ""


def create(session: Session, key: str) -> FaqEntry:
    if not KEY.match(key):
        raise FaqError("La clave usa solo minúsculas sin tilde, números y _ (por ejemplo: horario_oficina).")
    if by_key(session, key) is not None:
        raise FaqError(f"Ya existe una pregunta con la clave «{key}».")
    entry = FaqEntry(key=key)
    session.add(entry)
    session.flush()
    return entry


def clean_questions(lines: list[str]) -> list[str]:
    """One example per line, blank lines and repeats dropped, order kept."""
    seen: set[str] = set()
    kept = []
    for line in lines:
        # Brackets would be read as entity annotations ("[RUT](service)") in Rasa's NLU format.
        question = " ".join(re.sub(r"[\[\]{}]", " ", line).split())
        if question and question.casefold() not in seen:
            seen.add(question.casefold())
            kept.append(question)
    return kept


def save_text(
    session: Session, entry: FaqEntry, language: str, questions: list[str], answer: str, reviewed: bool
) -> FaqText | None:
    """Stores one language of an entry; empty questions and answer remove that language."""
    questions = clean_questions(questions)
    answer = answer.strip()
    row = text_of(entry, language)
    if not questions and not answer:
        if row is not None:
            entry.texts.remove(row)
        return None
    if row is None:
        row = FaqText(language=language)
        entry.texts.append(row)
    row.questions = questions
    row.answer = answer
    # A machine draft stays flagged until a person ticks "reviewed"; a person's own text needs no review.
    row.reviewed = reviewed or not row.machine_translated
    entry.updated_at = datetime.now(timezone.utc)
    session.flush()
    return row


def draft(session: Session, entry: FaqEntry, language: str, translate: Callable[[str, str, str], str]) -> FaqText:
    """Fills a missing language by machine translation from Spanish (else any language present).
    The draft stays unreviewed until a person approves it. `translate(text, source, target)`
    raises when the service is down; nothing is written then."""
    sources = [t for t in sorted(entry.texts, key=lambda t: t.language != "es") if t.language != language]
    source = next((t for t in sources if t.answer), None)
    if source is None:
        raise FaqError("Escriba primero la respuesta en otro idioma.")
    answer = translate(source.answer, source.language, language)
    questions = [translate(q, source.language, language) for q in source.questions]
    row = text_of(entry, language) or FaqText(language=language)
    if row not in entry.texts:
        entry.texts.append(row)
    row.answer = answer
    row.questions = clean_questions(questions)
    row.machine_translated = True
    row.reviewed = False
    session.flush()
    return row


def answer(session: Session, key: str, language: str) -> Answer | None:
    """The answer for the reader: theirs (flagged if an unreviewed draft), else the Spanish one."""
    entry = by_key(session, key)
    if entry is None or not entry.active:
        return None
    for lang in (language, "es", *sorted(t.language for t in entry.texts)):
        row = text_of(entry, lang)
        if row is not None and row.answer:
            machine = row.machine_translated and not row.reviewed
            return Answer(row.answer, lang, machine, entry.source_url, entry.verified)
    return None


def problems(entry: FaqEntry) -> list[str]:
    """Why an entry cannot be published yet (in Spanish, for staff)."""
    found = []
    if not any(t.answer for t in entry.texts):
        found.append("no tiene respuesta")
    for text in entry.texts:
        if text.questions and len(text.questions) < MIN_QUESTIONS:
            found.append(f"{text.language}: escriba al menos {MIN_QUESTIONS} formas de preguntarlo")
    if not any(t.questions for t in entry.texts):
        found.append("no tiene preguntas de ejemplo")
    return found


def publishable(session: Session) -> list[FaqEntry]:
    return [e for e in entries(session) if e.active and not problems(e)]


def _block_list(lines: list[str]) -> str:
    return "".join(f"    - {line}\n" for line in lines)


def export(session: Session) -> dict[str, str]:
    """The training files for the publishable entries: path (relative to the project) -> text.

    Every supported language gets a file, empty if it has no questions, so a removed entry's
    examples disappear. The domain file lists `utter_faq/<key>`: Rasa's ResponseSelector needs one
    response per label, though the bot says the answer from the records (actions/faq.py).
    """
    chosen = publishable(session)
    files: dict[str, str] = {}
    header = "# Written by the staff console's Publish (records/faq.py): edit the FAQ there, not here.\n"
    for language in i18n.languages():
        blocks = []
        for entry in chosen:
            text = text_of(entry, language)
            if text is not None and text.questions:
                blocks.append(f"- intent: faq/{entry.key}\n  examples: |\n{_block_list(text.questions)}")
        body = "nlu:\n" + "".join(blocks) if blocks else "nlu: []\n"
        files[f"nlu/{language}/faq.yml"] = header + 'version: "3.1"\n' + body
    responses = {
        f"utter_faq/{entry.key}": [{"text": f"faq/{entry.key} (the answer is read from the records)"}]
        for entry in chosen
    }
    domain = {"version": "3.1", "intents": ["faq"], "responses": responses}
    files["domain/faq.yml"] = header + yaml.safe_dump(domain, allow_unicode=True, sort_keys=False)
    return files


def verify(session: Session, entry: FaqEntry, who: str, when: datetime) -> None:
    """Office staff checked the entry against its source: the bot stops calling it unchecked."""
    if not entry.source_url:
        raise FaqError("Sin fuente oficial no se puede marcar como revisada: agregue el enlace primero.")
    entry.verified_by, entry.verified_at = who, when


def unverify(entry: FaqEntry) -> None:
    entry.verified_by, entry.verified_at = "", None


def mark_published(session: Session, keys: list[str], when: datetime) -> None:
    for entry in entries(session):
        if entry.key in keys:
            entry.published_at = when

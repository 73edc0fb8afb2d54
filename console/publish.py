"""Publish: the FAQ's questions become NLU data, a model is trained beside the serving one, and
the running Rasa server loads it through its model API (PUT /model).

The bot keeps answering with the old model the whole time. Any failure (a question that already
teaches another topic, training, loading) restores the training files as they were, leaves the old
model serving and records why, in Spanish, for staff.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import yaml
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from puente import keys, settings, stack
from records import faq
from records.db import unit_of_work
from records.models import FaqPublication
from records.services import fold

# A publication still "running" after this long died with its process.
STALE_AFTER = timedelta(hours=2)
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")


class Busy(faq.FaqError):
    pass


@dataclass(frozen=True)
class Target:
    """Where the training data lives, where models go, and the Rasa server that serves them."""

    root: Path
    models: Path
    rasa_urls: tuple[str, ...]  # every replica loads the new model


def default_target() -> Target:
    conf = settings.console()
    return Target(root=conf.training_dir, models=conf.models_dir, rasa_urls=settings.load().gateway.replicas)


Trainer = Callable[[Path, Path, Path], Path]


def running(session: Session) -> FaqPublication | None:
    return session.scalars(select(FaqPublication).where(FaqPublication.state == "running")).first()


def latest(session: Session) -> FaqPublication | None:
    return session.scalars(select(FaqPublication).order_by(FaqPublication.id.desc())).first()


def begin(session: Session, who: str) -> FaqPublication:
    current = running(session)
    if current is not None:
        if datetime.now(timezone.utc) - _aware(current.started_at) < STALE_AFTER:
            raise Busy("Ya hay una publicación en curso; espere a que termine.")
        _finish(current, "failed", "Se interrumpió (el servidor se reinició durante la publicación).")
    publication = FaqPublication(started_by=who, state="running", step="Preparando los datos", detail="", model="")
    session.add(publication)
    session.flush()
    return publication


def pending(session: Session, root: Path) -> bool:
    """The FAQ questions differ from the training data on disk: a Publish is needed."""
    return any(_read(root / path) != text for path, text in faq.export(session).items())


def clashes(session: Session, root: Path) -> list[str]:
    """FAQ questions that are already examples of another intent: training on both would teach
    the model two answers for one sentence."""
    taught: dict[str, str] = {}
    for path in sorted((root / "nlu").rglob("*.yml")):
        if path.name == "faq.yml":
            continue
        for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "intent" in block and isinstance(block.get("examples"), str):
                for line in block["examples"].splitlines():
                    example = ANNOTATION.sub(r"\1", line.strip().removeprefix("- "))
                    taught.setdefault(fold(example), block["intent"])
    found = []
    for entry in faq.publishable(session):
        for text in entry.texts:
            for question in text.questions:
                intent = taught.get(fold(question))
                if intent:
                    found.append(f"«{question}» ({entry.key}, {text.language}) ya es un ejemplo de «{intent}»")
    return found


def run(engine: Engine, publication_id: int, target: Target, trainer: Trainer | None = None) -> None:
    """Does the publication; every step is written to its row so the console can show it."""
    train = trainer or (lambda root, models, log: stack.train_model(root, models, log))

    def step(text: str) -> None:
        with unit_of_work(engine) as session:
            row = session.get(FaqPublication, publication_id)
            assert row is not None
            row.step = text

    previous: dict[Path, str | None] = {}
    try:
        with unit_of_work(engine) as session:
            problems = clashes(session, target.root)
            if problems:
                raise faq.FaqError("Cambie estas preguntas y publique de nuevo: " + "; ".join(problems))
            files = faq.export(session)
            keys = [entry.key for entry in faq.publishable(session)]
        for relative, text in files.items():
            path = target.root / relative
            previous[path] = _read(path)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        step("Entrenando el modelo (varios minutos)")
        log = target.root / "var" / "log" / f"publish-{publication_id}.log"
        try:
            model = train(target.root, target.models, log)
        except stack.TrainingFailed as error:
            raise faq.FaqError(f"El entrenamiento falló; el bot sigue con el modelo anterior.\n{error}") from error
        for number, url in enumerate(target.rasa_urls, 1):
            step(f"Cargando el modelo nuevo en el bot ({number} de {len(target.rasa_urls)})")
            load(url, model)
    except Exception as error:  # whatever broke, the old model and data stay
        for path, text in previous.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")
        reason = str(error) if isinstance(error, faq.FaqError) else f"Error inesperado: {type(error).__name__}: {error}"
        with unit_of_work(engine) as session:
            row = session.get(FaqPublication, publication_id)
            assert row is not None
            _finish(row, "failed", reason)
        return
    with unit_of_work(engine) as session:
        now = datetime.now(timezone.utc)
        faq.mark_published(session, keys, now)
        row = session.get(FaqPublication, publication_id)
        assert row is not None
        row.model = model.name
        _finish(row, "done", f"El bot ya usa el modelo nuevo ({len(keys)} preguntas frecuentes).")


def start(engine: Engine, publication_id: int, target: Target) -> threading.Thread:
    """Runs the publication in the background; the page polls its row."""
    thread = threading.Thread(target=run, args=(engine, publication_id, target), name="publish", daemon=True)
    thread.start()
    return thread


def load(rasa_url: str, model: Path) -> None:
    """PUT /model swaps the agent only once the new model has loaded; until then the old one answers."""
    token = {"token": keys.rasa_token()}  # Rasa's API answers nobody without it
    try:
        response = httpx.put(f"{rasa_url}/model", params=token, json={"model_file": str(model.resolve())}, timeout=600)
        response.raise_for_status()
        status = httpx.get(f"{rasa_url}/status", params=token, timeout=30).json()
    except httpx.HTTPError as error:
        # Named by its kind and status only: the error's own text quotes the URL, token included.
        code = error.response.status_code if isinstance(error, httpx.HTTPStatusError) else type(error).__name__
        raise faq.FaqError(f"El servidor del bot no cargó el modelo nuevo ({code}); sigue con el anterior.") from error
    if not str(status.get("model_file", "")).endswith(model.name):
        raise faq.FaqError(f"El servidor del bot sigue con {status.get('model_file')}, no con {model.name}.")


def _finish(row: FaqPublication, state: str, detail: str) -> None:
    row.state = state
    row.step = "Listo" if state == "done" else "Falló"
    row.detail = detail
    row.finished_at = datetime.now(timezone.utc)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.is_file() else None

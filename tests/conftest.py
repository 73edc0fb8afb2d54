"""Shared fixtures: real databases (a SQLite file and PostgreSQL), migrated and seeded, and the real
Rasa server and action server on loopback with the trained model."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine

from puente import keys
from puente.settings import app_database_url
from puente.stack import Stack, free_port, train
from records import db, migrate, seed
from records.db import unit_of_work
from tests.fakes import telegram_api

ALWAYS_OPEN = "mon-sun 00:00-24:00"
# Rasa answers its HTTP API (parse, conversations, status) only with this token (rasa_plugins/serve.py).
TOKEN = {"token": keys.rasa_token()}
PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def postgres_available() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return None
    except psycopg.Error as error:
        return f"PostgreSQL not reachable at {PG_ADMIN}: {error}".strip()


def require_postgres() -> None:
    reason = postgres_available()
    if reason is None:
        return
    if os.environ.get("CI"):  # CI must run these, never skip them
        pytest.fail(reason)
    pytest.skip(reason)


def create_pg_database() -> tuple[str, str]:
    name = f"puente_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def prepared(url: str) -> str:
    url = app_database_url(url)
    migrate.upgrade(url)
    with unit_of_work(db.engine_for(url)) as session:
        seed.load(session)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh, migrated and seeded records database; the actions and records use it via DATABASE_URL."""
    if request.param == "sqlite":
        url = prepared(f"sqlite:///{tmp_path / 'records.db'}")
        monkeypatch.setenv("DATABASE_URL", url)
        yield url
        db.engine_for(url).dispose()
        return
    require_postgres()
    name, raw = create_pg_database()
    url = prepared(raw)
    monkeypatch.setenv("DATABASE_URL", url)
    yield url
    db.engine_for(url).dispose()
    drop_pg_database(name)


@pytest.fixture
def engine(database_url: str) -> Engine:
    return db.engine_for(database_url)


@dataclass
class Servers:
    rasa_url: str
    records: Engine
    tracker: Engine
    stack: Stack

    @property
    def records_url(self) -> str:
        return self.records.url.render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    folder: Path = tmp_path_factory.mktemp("stack")
    records_url = prepared(f"sqlite:///{folder / 'records.db'}")
    tracker_url = f"sqlite:///{folder / 'tracker.db'}"
    stack = Stack(
        rasa_port=free_port(),
        action_port=free_port(),
        # PUENTE_MODEL pins a model while the data is being edited; by default the current one.
        model=Path(os.environ["PUENTE_MODEL"]) if os.environ.get("PUENTE_MODEL") else train(),
        env={
            "DATABASE_URL": records_url,
            "TRACKER_DATABASE_URL": tracker_url,
            # Hand-off is set up (tests/channels/test_handoff.py); it opens requests only while a
            # test has mediators registered, and the office is always open, so replies do not
            # depend on the hour the tests run at.
            "TELEGRAM_TOKEN": telegram_api.TOKEN,
            "MEDIATORS_CHAT_ID": str(telegram_api.MEDIATORS_GROUP),
            "OFFICE_HOURS": ALWAYS_OPEN,
        },
    )
    stack.start()
    try:
        yield Servers(stack.rasa_url, db.engine_for(records_url), db.make_engine(tracker_url), stack)
    finally:
        stack.stop()

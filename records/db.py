"""Engine and units of work: one session per unit, committed or rolled back whole."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from puente import keys, settings


def make_engine(url: str) -> Engine:
    # hide_parameters: a failed statement's error message would otherwise quote its values (what
    # someone wrote, a name, a phone), and errors are logged.
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            keys.private_file(Path(path))
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            dbapi_conn.execute("PRAGMA foreign_keys=ON")
            dbapi_conn.execute("PRAGMA journal_mode=WAL")

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            # Take the write lock at the start: no lock upgrade, so no deadlock between writers.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, hide_parameters=True)


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    return make_engine(url)


def engine() -> Engine:
    return engine_for(settings.load().database_url)


@contextmanager
def unit_of_work(bind: Engine | None = None) -> Iterator[Session]:
    """A transaction: commits when the block ends, rolls everything back on any error."""
    factory = sessionmaker(bind=bind or engine(), expire_on_commit=False)
    with factory() as session, session.begin():
        yield session

"""puente.logs as the processes use it: the JSON and the readable format, which loggers speak at which
level, the loud warning of the debugging switch, and SQL errors that do not quote their values."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from puente import logs
from records import db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    names = ["", *logs.OURS, *logs.CHATTY, "puente.logs", "sanic.root", "sanic.error", "uvicorn", "uvicorn.error"]
    saved = {n: (lg.level, list(lg.handlers), lg.propagate) for n in names for lg in [logging.getLogger(n)]}
    yield
    for name, (level, handlers, propagate) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers
        logger.propagate = propagate
    logging.captureWarnings(False)


def configured(env: dict[str, str]) -> io.StringIO:
    stream = io.StringIO()
    logs.configure("gateway", stream=stream, env=env)
    return stream


def test_json_lines_carry_time_level_logger_process_message_and_extra_fields(restore_logging: None) -> None:
    out = configured({"LOG_FORMAT": "json"})
    logging.getLogger("puente.gateway").info("delivered %d notices", 3, extra={"channel": "telegram", "ms": 12.5})
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("records.retention").exception("retention failed")
    first, second = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["message"] == "delivered 3 notices" and first["level"] == "INFO"
    assert (first["logger"], first["process"]) == ("puente.gateway", "gateway")
    assert (first["channel"], first["ms"]) == ("telegram", 12.5)
    assert first["time"].endswith("+00:00")
    assert second["level"] == "ERROR" and "ValueError: boom" in second["exception"]


def test_readable_lines_by_default(restore_logging: None) -> None:
    out = configured({})
    logging.getLogger("puente.gateway").warning("rasa unavailable", extra={"attempt": 2})
    line = out.getvalue().strip()
    assert " WARNING gateway puente.gateway rasa unavailable attempt=2" in line
    with pytest.raises(ValueError):
        json.loads(line)


def test_libraries_stay_quiet_below_warning_even_at_debug(restore_logging: None) -> None:
    out = configured({"LOG_LEVEL": "DEBUG"})
    # What python-telegram-bot and httpx write at DEBUG and INFO: payloads, and URLs with the bot token.
    logging.getLogger("telegram.Bot").debug("Calling Bot API endpoint `sendMessage` with parameters `{'text': 'hola'}`")
    logging.getLogger("httpx").info("HTTP Request: POST https://api.telegram.org/bot123:ABC/getUpdates")
    logging.getLogger("some.library").info("chatter")
    logging.getLogger("bot.gateway").debug("our own debug line")
    written = out.getvalue()
    assert "hola" not in written and "123:ABC" not in written and "chatter" not in written
    assert "our own debug line" in written
    assert "LOG_LEVEL=DEBUG" in written  # the Rasa server reads LOG_LEVEL too, and logs texts at DEBUG


def test_the_message_text_switch_lets_libraries_talk_and_says_so_first(restore_logging: None) -> None:
    out = configured({"LOG_LEVEL": "DEBUG", "LOG_MESSAGE_TEXT": "true", "LOG_FORMAT": "json"})
    logging.getLogger("telegram.Bot").debug("parameters `{'text': 'hola'}`")
    first, *rest = (json.loads(line) for line in out.getvalue().splitlines())
    assert first["level"] == "WARNING" and "LOG_MESSAGE_TEXT is on" in first["message"]
    assert any("hola" in entry["message"] for entry in rest)


def test_a_level_that_does_not_exist_stops_the_start() -> None:
    with pytest.raises(SystemExit, match="LOG_LEVEL"):
        logs.Options.from_env({"LOG_LEVEL": "chatty"})


def test_a_failed_statement_does_not_quote_its_values(tmp_path: Path) -> None:
    engine = db.make_engine(f"sqlite:///{tmp_path / 'x.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (name TEXT UNIQUE)"))
        conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": "Rosa Quispe"})
    with pytest.raises(SQLAlchemyError) as caught, engine.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": "Rosa Quispe"})
    assert "Rosa" not in str(caught.value) and "hidden due to hide_parameters" in str(caught.value)
    engine.dispose()


def test_the_records_command_logs_json_when_asked(tmp_path: Path) -> None:
    env = {**os.environ, "LOG_FORMAT": "json", "DATABASE_URL": f"sqlite:///{tmp_path / 'r.db'}",
           "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 'no-tracker-yet.db'}"}  # fmt: skip
    for command in (["migrate"], ["retention", "--dry-run"]):
        done = subprocess.run(
            [sys.executable, "-m", "records", *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
    assert "would delete" in done.stdout and "events" in done.stdout  # the counts, for cron's mail
    (entry,) = (json.loads(line) for line in done.stderr.splitlines())
    assert entry["process"] == "records" and entry["message"] == "retention dry run" and entry["events"] == 0

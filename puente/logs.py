"""Logging for every process of ours: `configure("<process>")` at each entry point.

LOG_FORMAT=json: one JSON object per line (time, level, logger, process, message, any `extra=` fields,
exception), for a log collector. Otherwise readable lines. LOG_LEVEL (INFO) sets our own loggers.

What migrants write is personal data, and so are names and phone numbers. Our code never passes them
to a log call (records.db also keeps SQL parameters out of error messages). Libraries do at DEBUG:
python-telegram-bot logs every API payload, httpx every URL (which holds the bot token), so
third-party loggers stay at WARNING whatever LOG_LEVEL says, unless LOG_MESSAGE_TEXT=true, a debugging
switch that says loudly at start what it lets through.

Only the standard library here: the Rasa server's environment can load this module too.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import IO, Any

# Our packages: they follow LOG_LEVEL. rasa_sdk only logs start-up and action registration at INFO.
OURS = ("puente", "bot", "actions", "records", "console", "rasa_sdk")
# Loggers that carry payloads, URLs with tokens or request lines at INFO or DEBUG.
CHATTY = ("telegram", "httpx", "httpcore", "hpack", "sqlalchemy.engine", "uvicorn.access", "sanic.access")
# Attributes every LogRecord has; anything else on a record came from `extra=` and is written out.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "taskName"}

log = logging.getLogger("puente.logs")


def _flag(value: str) -> bool:
    return value.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Options:
    json: bool = False
    level: int = logging.INFO
    message_text: bool = False  # LOG_MESSAGE_TEXT: libraries' DEBUG output (message texts, tokens) too

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Options:
        env = dict(os.environ) if env is None else env
        name = env.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"
        level = logging.getLevelName(name)
        if not isinstance(level, int):
            raise SystemExit(f"LOG_LEVEL: {name!r} is not a level (DEBUG, INFO, WARNING, ERROR)")
        return cls(
            json=env.get("LOG_FORMAT", "").strip().lower() == "json",
            level=level,
            message_text=_flag(env.get("LOG_MESSAGE_TEXT", "")),
        )


def _extras(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


class JsonFormatter(logging.Formatter):
    """One line of JSON per record; values JSON does not know are written as their str()."""

    def __init__(self, process: str = "") -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if self.process:
            entry["process"] = self.process
        entry.update(_extras(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`2026-11-25 10:00:00,123 INFO gateway puente.gateway message key=value`"""

    def __init__(self, process: str = "") -> None:
        super().__init__("%(asctime)s %(levelname)s " + (f"{process} " if process else "") + "%(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = _extras(record)
        if not extras:
            return line
        first, newline, rest = line.partition("\n")  # after the message, before a traceback
        fields = " ".join(f"{key}={value}" for key, value in extras.items())
        return f"{first} {fields}{newline}{rest}"


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever sys.stderr is when a line is logged, not the one at start: a gateway run
    inside tests (pytest swaps stderr per test) must not write to a stream closed since."""

    @property  # type: ignore[override]
    def stream(self) -> IO[str]:
        return sys.stderr

    @stream.setter
    def stream(self, value: IO[str]) -> None:
        pass


def configure(process: str, stream: IO[str] | None = None, env: dict[str, str] | None = None) -> Options:
    """Replaces whatever handlers were installed before (rasa-sdk's coloured ones, basicConfig) with
    one handler on stderr in the configured format. Call it once, at the start of a process."""
    if env is None:
        from puente import settings  # stdlib only as well; .env holds LOG_* like every other setting

        settings._load_dotenv(settings.ROOT / ".env")
    options = Options.from_env(env)
    handler: logging.Handler = logging.StreamHandler(stream) if stream is not None else _Stderr()
    handler.setFormatter(JsonFormatter(process) if options.json else TextFormatter(process))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    libraries = options.level if options.message_text else max(options.level, logging.WARNING)
    root.setLevel(libraries)
    for name in OURS:
        logging.getLogger(name).setLevel(options.level)
    for name in CHATTY:
        logging.getLogger(name).setLevel(libraries)
    for name in ("sanic.root", "sanic.error", "sanic.access", "uvicorn", "uvicorn.error", "uvicorn.access"):
        server_log = logging.getLogger(name)  # servers set up handlers of their own: one format for all
        server_log.handlers.clear()
        server_log.propagate = True
    logging.captureWarnings(True)
    if options.message_text:
        log.warning(
            "LOG_MESSAGE_TEXT is on: libraries log at %s what people write, and the Telegram bot token. "
            "Personal data: turn it off after debugging and delete these logs.",
            logging.getLevelName(libraries),
        )
    if options.level <= logging.DEBUG:
        log.warning("LOG_LEVEL=DEBUG: the Rasa server, which reads LOG_LEVEL too, logs what people write at DEBUG")
    return options

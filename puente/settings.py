"""Configuration from environment variables, with working defaults (see .env.example)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _load_dotenv(path: Path) -> None:
    """Reads KEY=VALUE lines from .env without overriding the real environment."""
    if not path.is_file():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            os.environ.setdefault(key.strip(), value.strip().strip('"').strip("'"))


def app_database_url(url: str) -> str:
    """SQLAlchemy 2 URL for our code: plain postgresql:// means psycopg 3 here."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def tracker_database_url() -> str:
    """Where the Rasa server keeps conversations (SQLAlchemy 1.4 and psycopg2 in its environment).

    Beside the records on PostgreSQL (own tables); a file of its own with SQLite, so the two
    processes never wait on one file lock.
    """
    _load_dotenv(ROOT / ".env")
    url = os.environ.get("TRACKER_DATABASE_URL", "")
    if not url:
        records = os.environ.get("DATABASE_URL", "")
        is_pg = records.startswith(("postgresql", "postgres://"))
        url = records if is_pg else f"sqlite:///{ROOT / 'var' / 'tracker.db'}"
    if url.startswith(("postgresql", "postgres://")):
        return "postgresql://" + url.split("://", 1)[1]  # psycopg2, the driver of Rasa's environment
    return url


@dataclass(frozen=True)
class Settings:
    database_url: str
    action_port: int
    rasa_port: int
    retention_months: int = 12


def load() -> Settings:
    _load_dotenv(ROOT / ".env")
    return Settings(
        database_url=app_database_url(os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'puente.db'}")),
        action_port=int(os.environ.get("ACTION_PORT", "5055")),
        rasa_port=int(os.environ.get("RASA_PORT", "5005")),
        retention_months=int(os.environ.get("RETENTION_MONTHS", "12")),
    )

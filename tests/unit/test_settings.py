"""Where the records and the conversations are kept, from the environment."""

from __future__ import annotations

import pytest

from puente import settings


def test_records_use_psycopg3_for_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h:5432/db")
    assert settings.load().database_url == "postgresql+psycopg://u@h:5432/db"


def test_conversations_sit_beside_the_records_on_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@h:5432/db")
    assert settings.tracker_database_url() == "postgresql://u@h:5432/db"


def test_conversations_get_their_own_sqlite_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/records.db")
    assert settings.tracker_database_url().endswith("var/tracker.db")
    monkeypatch.setenv("TRACKER_DATABASE_URL", "sqlite:////tmp/elsewhere.db")
    assert settings.tracker_database_url() == "sqlite:////tmp/elsewhere.db"

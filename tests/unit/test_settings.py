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


def test_no_channel_configured_means_the_local_chat(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TELEGRAM_TOKEN", "WHATSAPP_TOKEN", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_APP_SECRET",
                 "WHATSAPP_VERIFY_TOKEN"):  # fmt: skip
        monkeypatch.setenv(name, "")
    conf = settings.load()
    assert conf.telegram is None and conf.whatsapp is None


def test_half_a_whatsapp_configuration_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WHATSAPP_TOKEN", "t")
    monkeypatch.setenv("WHATSAPP_APP_SECRET", "")  # without it webhooks could not be checked
    with pytest.raises(SystemExit, match="WHATSAPP_APP_SECRET"):
        settings.load()

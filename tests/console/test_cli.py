"""The first admin comes from a command (never a default password); the secret key from settings
or a private file."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine

from console import __main__ as cli
from console.app import secret_key
from puente import settings
from records import staff
from records.db import unit_of_work
from records.models import StaffRole


def run_cli(database_url: str, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DATABASE_URL=database_url)
    return subprocess.run([sys.executable, "-m", "console", *args], input=stdin, text=True, capture_output=True,
                          env=env, cwd=settings.ROOT, timeout=60)  # fmt: skip


def test_the_first_admin_is_made_by_a_command_reading_the_password_from_stdin(
    database_url: str, engine: Engine
) -> None:
    done = run_cli(database_url, "admin", "add", "Jefa@Quilicura.cl", "--password-stdin", stdin="una-clave-segura\n")
    assert done.returncode == 0, done.stderr
    assert "jefa@quilicura.cl (admin)" in done.stdout
    again = run_cli(database_url, "admin", "add", "jefa@quilicura.cl", "--password-stdin", stdin="otra-clave-xx\n")
    assert again.returncode == 1 and "Ya existe" in again.stderr
    short = run_cli(database_url, "staff", "add", "b@quilicura.cl", "--password-stdin", stdin="corta\n")
    assert short.returncode == 1 and "al menos 10" in short.stderr
    with unit_of_work(engine) as session:
        account = staff.authenticate(session, "jefa@quilicura.cl", "una-clave-segura")
        assert account is not None and account.role is StaffRole.admin
        assert "una-clave-segura" not in account.password_hash and account.password_hash.startswith("$argon2")
        assert staff.find(session, "b@quilicura.cl") is None


def test_the_password_is_asked_twice_and_must_match(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["primera-clave-1", "segunda-clave-2"])
    monkeypatch.setattr(cli.getpass, "getpass", lambda prompt: next(answers))
    assert cli.main(["admin", "add", "x@quilicura.cl"]) == 1
    assert "no coinciden" in capsys.readouterr().err
    answers = iter(["misma-clave-123", "misma-clave-123"])
    assert cli.main(["staff", "add", "x@quilicura.cl", "--name", "Equis"]) == 0
    with unit_of_work(engine) as session:
        account = staff.authenticate(session, "x@quilicura.cl", "misma-clave-123")
        assert account is not None and (account.role, account.name) == (StaffRole.staff, "Equis")


def test_without_a_configured_secret_one_is_made_once_readable_only_by_the_owner(tmp_path: Path) -> None:
    path = tmp_path / "var" / "console_secret"
    first = secret_key("", path)
    assert len(first) >= 40
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert secret_key("", path) == first
    assert secret_key("from-the-environment", path) == "from-the-environment"


def test_console_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CONSOLE_HOST", "CONSOLE_PORT", "CONSOLE_SECRET", "CONSOLE_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(settings, "_load_dotenv", lambda path: None)
    assert settings.console() == settings.Console("127.0.0.1", 8089, "", False)
    monkeypatch.setenv("CONSOLE_PORT", "9000")
    monkeypatch.setenv("CONSOLE_COOKIE_SECURE", "true")
    conf = settings.console()
    assert (conf.port, conf.cookie_secure) == (9000, True)

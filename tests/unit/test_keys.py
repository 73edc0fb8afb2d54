"""Shared secrets: kept 0600, the same value for every process, compared in constant time on bytes."""

from __future__ import annotations

import stat
from pathlib import Path

from puente import keys


def test_a_secret_is_made_once_unreadable_to_others_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "var" / "action_secret"
    first = keys.kept("action_secret", path=path)
    assert len(first) >= 40 and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert keys.kept("action_secret", path=path) == first
    assert keys.kept("action_secret", "from-the-environment", path=path) == "from-the-environment"


def test_comparison_takes_text_or_bytes_and_never_raises() -> None:
    assert keys.same("s3cret", "s3cret") and keys.same(b"s3cret", "s3cret")
    assert not keys.same(None, "s3cret") and not keys.same("", "s3cret")
    # hmac.compare_digest raises TypeError on a str with non-ASCII letters: a 500 instead of a 403.
    assert not keys.same("contraseña", "s3cret") and keys.same("contraseña", "contraseña")
    assert not keys.same(b"\xff\xfe", "s3cret")


def test_the_records_sqlite_file_and_its_journal_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    from sqlalchemy import text

    from records.db import engine_for, unit_of_work

    path = tmp_path / "records.db"
    with unit_of_work(engine_for(f"sqlite:///{path}")) as session:
        session.execute(text("CREATE TABLE t (x TEXT)"))
        session.execute(text("INSERT INTO t VALUES ('Rose Pierre, +56 9 1234 5678')"))
    made = [p for p in tmp_path.iterdir() if p.name.startswith("records.db")]
    assert path in made
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in made), [(p.name, oct(p.stat().st_mode)) for p in made]

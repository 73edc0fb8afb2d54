"""Secrets our own processes share: set in the environment, else generated once into var/<name>.

The file is created 0600 from the start, so no other user of the machine can read it, and every
process started from this checkout (`make run`, the tests) finds the same value. The SQLite files
of the records and the conversations are created the same way (`private_file`).
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
from pathlib import Path

from puente import settings


def kept(name: str, configured: str = "", path: Path | None = None) -> str:
    """`configured` when set, else the key kept in `path` (var/<name>), made on first use."""
    if configured:
        return configured
    path = path or settings.ROOT / "var" / name
    if path.is_file():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it just now
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key


def rasa_token() -> str:
    """The token of Rasa's HTTP API (conversations, model, parse): RASA_TOKEN, else var/rasa_token."""
    return kept("rasa_token", os.environ.get("RASA_TOKEN", ""))


def action_secret() -> str:
    """What Rasa sends the action server with every call: ACTION_SECRET, else var/action_secret."""
    return kept("action_secret", os.environ.get("ACTION_SECRET", ""))


ACTION_SECRET_HEADER = "X-Puente-Action-Secret"


def same(given: str | bytes | None, expected: str) -> bool:
    """Constant-time comparison on bytes (a str with non-ASCII letters would make compare_digest raise)."""
    if given is None:
        return False
    raw = given.encode("utf-8", "surrogateescape") if isinstance(given, str) else given
    return hmac.compare_digest(raw, expected.encode("utf-8"))


def private_file(path: Path) -> None:
    """Creates `path` empty and 0600 when it is missing. The SQLite driver would make it by the
    umask (usually 0644: every user of the machine could read names and phones); SQLite gives its
    -wal and -shm files the mode of the database file, and reads an empty file as an empty database."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))

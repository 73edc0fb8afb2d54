"""Short codes people can read aloud and type on a phone: no 0/O, 1/I/L."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(prefix: str, length: int = 5) -> str:
    return f"{prefix}-" + "".join(secrets.choice(ALPHABET) for _ in range(length))

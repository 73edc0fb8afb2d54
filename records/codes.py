"""Short codes people can read aloud and type on a phone: no 0/O, 1/I/L."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(prefix: str, length: int = 5) -> str:
    return f"{prefix}-" + "".join(secrets.choice(ALPHABET) for _ in range(length))


def normalise(code: str) -> str:
    """What a person typed ("esp 4f7q", "ESP-4F7Q.") in the stored form."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())
    return f"{cleaned[:-5]}-{cleaned[-5:]}" if len(cleaned) > 5 else cleaned

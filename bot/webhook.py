"""Reading a webhook's body without trusting its size: Telegram's and WhatsApp's endpoints are
public, and a body is read into memory only up to a limit."""

from __future__ import annotations

from starlette.requests import Request

# A WhatsApp delivery or a Telegram update is a few kilobytes; media come as ids, never inline.
MAX_BODY = 1_000_000


async def capped_body(request: Request, limit: int = MAX_BODY) -> bytes | None:
    """The body, or None when it is larger than `limit`: refused on its Content-Length before
    reading, and while reading when that header is missing or lies."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)

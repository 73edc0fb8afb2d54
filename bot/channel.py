"""What every channel shares: a received message, the interface a channel implements, and
splitting long texts for channels with a size limit."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from typing import Protocol

from bot.rasa_client import Reply


class Kind(str, enum.Enum):
    """What a person sent. Only `text` (typed, a button or a command) goes to Rasa; the other
    kinds get a short reply in the person's language saying what the bot understands."""

    text = "text"
    voice = "voice"
    media = "media"  # photo, video, document, animation
    sticker = "sticker"
    location = "location"
    contact = "contact"
    edited = "edited"
    unsupported = "unsupported"
    silent = "silent"  # reactions, read receipts, joins: no reply at all


@dataclass(frozen=True)
class Incoming:
    channel: str  # "telegram", "whatsapp"
    address: str  # where replies go: Telegram chat id, WhatsApp phone (wa_id)
    external_id: str  # the channel's id for this update: a redelivery has the same one
    kind: Kind
    text: str = ""
    hint: str | None = None  # Telegram's language_code, or the WhatsApp number
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def sender_id(self) -> str:
        """How Rasa and the records know this conversation."""
        return f"{self.channel}:{self.address}"


class Notice(str, enum.Enum):
    """Outcome of sending a notification the bot starts."""

    sent = "sent"
    held = "held"  # the channel does not allow it now (WhatsApp's 24-hour window): keep it


class Channel(Protocol):
    name: str

    async def send(self, address: str, replies: list[Reply], language: str) -> None:
        """Sends Rasa's replies (text and buttons); raises on failure after the channel's retries."""

    async def typing(self, address: str) -> None:
        """Shows that the bot is working, where the channel can."""

    async def notify(self, address: str, text: str, language: str, last_inbound_at_age: float | None) -> Notice:
        """Sends a message the bot starts; `last_inbound_at_age` is seconds since the person last wrote."""


# A sentence ends at . ! ? … or the Arabic question mark, followed by a space.
_SENTENCE_END = re.compile(r"(?<=[.!?…؟])\s+")


def split_text(text: str, limit: int) -> list[str]:
    """Cuts a text into pieces of at most `limit` characters: between paragraphs if it can,
    else between sentences, else between words, and only as a last resort inside a word."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    current = ""
    for unit in _units(text, limit):
        joiner = "\n" if unit.startswith("\n") else " "
        unit = unit.lstrip("\n")
        candidate = f"{current}{joiner}{unit}" if current else unit
        if len(candidate) <= limit:
            current = candidate
        else:
            pieces.append(current)
            current = unit
    if current:
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def _units(text: str, limit: int) -> list[str]:
    """Lines, sentences and words, each no longer than `limit`; a unit starting a new line keeps
    a leading newline so the line break survives."""
    units: list[str] = []
    for line_no, line in enumerate(text.split("\n")):
        first = True
        for sentence in _SENTENCE_END.split(line):
            parts = [sentence] if len(sentence) <= limit else _words(sentence, limit)
            for part in parts:
                units.append(("\n" if first and line_no else "") + part)
                first = False
        if first and line_no:  # an empty line
            units.append("\n")
    return units


def _words(sentence: str, limit: int) -> list[str]:
    out: list[str] = []
    current = ""
    for word in sentence.split(" "):
        while len(word) > limit:  # a "word" longer than a message: cut it
            if current:
                out.append(current)
                current = ""
            out.append(word[:limit])
            word = word[limit:]
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= limit:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    return out

"""What a person reads, turn by turn: the invariants every conversation test checks on every turn.

One helper for all of them (REST e2e tests, the conversation corpus, the Telegram and WhatsApp
tests), so a dialogue bug such as a rule that never listens fails everywhere at once:
- the message is answered: at least one message comes back;
- no message is empty, none appears twice in one reply;
- at most MAX_MESSAGES messages (a phone screen, a data plan);
- "I did not understand" never follows an answer in the same reply;
- where the actions of the turn are known (Rasa's tracker): no fallback action ran after another
  action had answered (the fallback's safety net hides that from the person, not from the tests).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from puente import i18n

MAX_MESSAGES = 4

# What the bot says when it did not understand (catalog keys).
NOT_UNDERSTOOD = ("fallback.give_up", "fallback.did_you_mean", "fallback.rephrase", "handoff.not_understood")
FALLBACK_ACTIONS = ("action_default_fallback", "action_two_stage_fallback")
NOT_ANSWERS = ("action_listen", "action_extract_slots", "action_session_start")


@dataclass
class Message:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    key: str | None = None  # the catalog key or response name, where the test can know it


@dataclass
class Turn:
    said: str
    messages: list[Message]
    actions: list[str] | None = None  # the actions Rasa ran for this message, where known

    @property
    def keys(self) -> list[str | None]:
        return [m.key for m in self.messages]

    @property
    def texts(self) -> list[str]:
        return [m.text for m in self.messages]

    def show(self) -> str:
        lines = [f"> {self.said!r}"] + [f"< [{m.key}] {m.text[:160]!r}" for m in self.messages]
        if self.actions is not None:
            lines.append(f"  actions: {self.actions}")
        return "\n".join(lines)


@cache
def _not_understood_openings() -> tuple[str, ...]:
    """The not-understood texts in every language, up to their first placeholder."""
    return tuple(i18n.t(lang, key).split("{")[0].strip()[:40] for lang in i18n.languages() for key in NOT_UNDERSTOOD)


def not_understood(message: Message) -> bool:
    if message.key is not None:
        return message.key in NOT_UNDERSTOOD
    return any(message.text.strip().startswith(opening) for opening in _not_understood_openings())


def problems(turn: Turn, max_messages: int = MAX_MESSAGES) -> list[str]:
    """What breaks the contract in this turn (empty when it holds)."""
    found = []
    if not turn.messages:
        found.append("no reply")
    if any(not (m.text.strip() or m.buttons) for m in turn.messages):
        found.append("an empty message")
    twice = [text for text, n in Counter(t.strip() for t in turn.texts).items() if n > 1 and text]
    if twice:
        found.append(f"{len(twice)} message(s) sent more than once, such as {twice[0][:60]!r}")
    if len(turn.messages) > max_messages:
        found.append(f"{len(turn.messages)} messages (at most {max_messages})")
    flags = [not_understood(m) for m in turn.messages]
    if any(flags) and not flags[0]:
        found.append("'not understood' after an answer")
    if turn.actions:
        answered = False
        for action in turn.actions:
            if action in FALLBACK_ACTIONS and answered:
                found.append(f"{action} after an answer (a rule that does not end by listening)")
                break
            answered = answered or action not in NOT_ANSWERS + FALLBACK_ACTIONS
    return found


def check(turn: Turn, max_messages: int = MAX_MESSAGES) -> Turn:
    found = problems(turn, max_messages)
    assert not found, "turn breaks the conversation contract: " + "; ".join(found) + "\n" + turn.show()
    return turn


def visible(text: str) -> str:
    """A text without the invisible direction marks `i18n.display` adds (to look for words in it)."""
    return text.replace("\u2068", "").replace("\u2069", "")

"""The language-ID set (tests/langid/<lang>.yml): a conversation's language never moves without a
reason, and a first message is answered in its writer's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from benchmarks.langid_scoring import load, score, sets

FIRST_TARGET = 0.98


@pytest.mark.parametrize("path", sets(), ids=lambda p: p.stem)
def test_the_set_is_large_and_varied(path: Path) -> None:
    data = load(path)
    assert len(data["first"]) >= 300 and len(set(data["first"])) == len(data["first"])
    assert sum(1 for c in data["mid"] if c["before"] == data["language"]) >= 80  # must stay
    assert sum(1 for c in data["mid"] if c["before"] != data["language"]) >= 30  # must switch


@pytest.mark.parametrize("path", sets(), ids=lambda p: p.stem)
def test_no_wrong_switch_mid_conversation(path: Path) -> None:
    result = score(path)
    wrong = [e for e in result.errors if e.startswith("mid") and e.split()[1] == result.language]
    assert result.wrong_switches == 0, wrong


@pytest.mark.parametrize("path", sets(), ids=lambda p: p.stem)
def test_first_messages_are_answered_in_their_language(path: Path) -> None:
    result = score(path)
    misses = [e for e in result.errors if e.startswith("first")]
    assert result.first_accuracy >= FIRST_TARGET, misses

"""Scores `puente.langid` on the language-ID set (tests/langid/<lang>.yml).

Each file holds messages whose conversation language is its `language`:
- `first`: a new conversation's first message, from a Chilean number (+56, which hints Spanish);
- `mid`: `{before, text}`: the conversation was in `before`; after `text` it must be in `language`.
A wrong switch is a `mid` case whose language should have stayed (`before` == `language`) but moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from puente import langid

SET_DIR = Path(__file__).resolve().parents[1] / "tests" / "langid"
FIRST_HINT = "+56"  # most migrants here have Chilean numbers: the hint says Spanish


@dataclass
class LangidScore:
    language: str
    first_total: int = 0
    first_correct: int = 0
    mid_total: int = 0
    mid_correct: int = 0
    wrong_switches: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def first_accuracy(self) -> float:
        return self.first_correct / self.first_total if self.first_total else 0.0

    @property
    def mid_accuracy(self) -> float:
        return self.mid_correct / self.mid_total if self.mid_total else 0.0


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def sets() -> list[Path]:
    return sorted(SET_DIR.glob("*.yml"))


def score(path: Path) -> LangidScore:
    data = load(path)
    expected = data["language"]
    result = LangidScore(expected)
    for text in data["first"]:
        got = langid.choose(str(text), None, FIRST_HINT)
        result.first_total += 1
        result.first_correct += got == expected
        if got != expected:
            result.errors.append(f"first  {text!r} → {got}")
    for case in data["mid"]:
        got = langid.choose(str(case["text"]), case["before"], FIRST_HINT)
        result.mid_total += 1
        result.mid_correct += got == expected
        if got != expected:
            result.wrong_switches += case["before"] == expected
            result.errors.append(f"mid    {case['before']} + {case['text']!r} → {got}")
    return result

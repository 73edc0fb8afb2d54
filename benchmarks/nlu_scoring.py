"""Scoring a model on the held-out test split (tests/nlu/<lang>.yml), per language.

Shared by the NLU test (floor 0.90) and benchmarks/nlu.py (figures, ours beside Rasa's default).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from puente import i18n, langid

ROOT = Path(__file__).resolve().parents[1]
ENTITY = re.compile(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))")
FALLBACK = "nlu_fallback"


def test_split(language: str) -> Iterator[tuple[str, str]]:
    """(text, intent) pairs of the held-out split of one language, entity markup removed."""
    data = yaml.safe_load((ROOT / "tests" / "nlu" / f"{language}.yml").read_text(encoding="utf-8"))
    for block in data["nlu"]:
        for line in block["examples"].splitlines():
            if line.strip().startswith("- "):
                yield ENTITY.sub(lambda m: m.group(1), line.strip()[2:]), block["intent"]


@dataclass
class Score:
    language: str
    total: int = 0
    correct: int = 0
    fallbacks: int = 0
    langid_correct: int = 0
    pairs: list[tuple[str, str]] = field(default_factory=list)  # (expected, predicted)
    errors: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def fallback_rate(self) -> float:
        return self.fallbacks / self.total if self.total else 0.0

    def per_faq_entry(self) -> dict[str, tuple[int, int]]:
        """FAQ entry -> (right, asked): the retrieval accuracy of each entry."""
        found: dict[str, tuple[int, int]] = {}
        for expected, predicted in self.pairs:
            if expected.startswith("faq/"):
                right, asked = found.get(expected, (0, 0))
                found[expected] = (right + (predicted == expected), asked + 1)
        return found

    @property
    def langid_accuracy(self) -> float:
        return self.langid_correct / self.total if self.total else 0.0

    @property
    def macro_f1(self) -> float:
        labels = {expected for expected, _ in self.pairs}
        f1s = []
        for label in labels:
            tp = sum(1 for e, p in self.pairs if e == label and p == label)
            fp = sum(1 for e, p in self.pairs if e != label and p == label)
            fn = sum(1 for e, p in self.pairs if e == label and p != label)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / (tp + fn) if tp + fn else 0.0
            f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
        return sum(f1s) / len(f1s) if f1s else 0.0


def top_intent(parse: dict[str, Any]) -> tuple[str, bool]:
    """The classifier's best intent, and whether the fallback would ask instead of acting on it."""
    name = (parse.get("intent") or {}).get("name") or ""
    if name == "faq":  # a retrieval intent: the entry the ResponseSelector chose ("faq/cuenta_rut")
        response = ((parse.get("response_selector") or {}).get("faq") or {}).get("response") or {}
        return response.get("intent_response_key") or name, False
    if name != FALLBACK:
        return name, False
    ranking = [r["name"] for r in parse.get("intent_ranking") or [] if r.get("name") != FALLBACK]
    return (ranking[0] if ranking else ""), True


def score(language: str, parse: Callable[[str], dict[str, Any]]) -> Score:
    result = Score(language)
    for text, expected in test_split(language):
        predicted, fell_back = top_intent(parse(text))
        result.total += 1
        result.correct += predicted == expected
        result.fallbacks += fell_back
        result.pairs.append((expected, predicted))
        if predicted != expected:
            result.errors.append((text, expected, predicted))
        # Language identification as the bot applies it to a new conversation's first message.
        result.langid_correct += langid.choose(text, None) == language
    return result


def languages() -> tuple[str, ...]:
    return tuple(code for code in i18n.languages() if (ROOT / "tests" / "nlu" / f"{code}.yml").exists())

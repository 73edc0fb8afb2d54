"""Sanity checks of the NLU data of one language: counts, leaks, clashes, entity values.

Usage: python tools/check_nlu.py es
"""

from __future__ import annotations

import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ENTITY = re.compile(r"\[([^\]]+)\](\{[^}]*\}|\([^)]*\))")
VALUES = {
    "service": {"health", "school", "id_card", "visa", "social_registry", "employment", "migrant_office", "legal_aid"},
    "workshop": {"spanish_course", "grammar_workshop", "job_training", "cultural_outing", "chilean_culture"},
    "language": {"es", "ht", "ar"},
    "gender": {"female", "male", "other", "undisclosed"},
}
MIN_TRAIN = {
    **dict.fromkeys(["greet", "goodbye", "thank", "affirm", "deny", "choose_language"], 15),
    "out_of_scope": 30,
    "report_gender": 15,  # short answers to one optional question, mostly given by button
}
DEFAULT_MIN = 40
# FAQ entries are written by staff in the console (records/faq.py asks for at least two each).
FAQ_MIN = 2


def plain(example: str) -> str:
    return " ".join(ENTITY.sub(lambda m: m.group(1), example).lower().split())


def examples(path: Path) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for block in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu", []):
        if "intent" in block:
            lines = [ln[2:].strip() for ln in block["examples"].splitlines() if ln.strip().startswith("- ")]
            out[block["intent"]].extend(lines)
    return out


def check(lang: str) -> list[str]:
    problems: list[str] = []
    train: dict[str, list[str]] = defaultdict(list)
    for path in sorted((ROOT / "nlu" / lang).glob("*.yml")):
        for intent, lines in examples(path).items():
            train[intent].extend(lines)
    test = examples(ROOT / "tests" / "nlu" / f"{lang}.yml")
    owner: dict[str, str] = {}
    for intent, lines in train.items():
        need = FAQ_MIN if intent.startswith("faq/") else MIN_TRAIN.get(intent, DEFAULT_MIN)
        if len(lines) < need:
            problems.append(f"{intent}: {len(lines)} training examples, need {need}")
        for dup, n in Counter(plain(x) for x in lines).items():
            if n > 1:
                problems.append(f"{intent}: duplicate {dup!r}")
        for line in lines:
            key = plain(line)
            if owner.setdefault(key, intent) != intent:
                problems.append(f"{key!r} is under {owner[key]} and {intent}")
            for m in ENTITY.finditer(line):
                spec = m.group(2)
                if spec.startswith("{"):
                    import json

                    d = json.loads(spec)
                    ent, val = d["entity"], d.get("value", m.group(1))
                else:
                    ent, val = spec[1:-1], m.group(1)
                if ent in VALUES and val not in VALUES[ent]:
                    problems.append(f"{intent}: {line!r}: {ent} value {val!r} is not canonical")
    trained = {plain(x) for lines in train.values() for x in lines}
    for intent, lines in test.items():
        if intent not in train:
            problems.append(f"test intent {intent} not in training")
        # An FAQ entry has one held-out line here; tests/faq/<topic>.yml holds another, asked end to end.
        if not intent.startswith("faq/") and not 8 <= len(lines) <= 12:
            problems.append(f"test {intent}: {len(lines)} examples, want 8-10")
        for line in lines:
            if plain(line) in trained:
                problems.append(f"test line also in training: {line!r}")
    for intent in set(train) - set(test):
        if intent.startswith("faq/"):  # staff's entries: tests/e2e asks the seeded ones in other words
            continue
        problems.append(f"no test examples for {intent}")
    print(f"{lang}: " + ", ".join(f"{i}={len(v)}" for i, v in sorted(train.items())))
    return problems


if __name__ == "__main__":
    found = check(sys.argv[1])
    print("\n".join(found) or "OK")
    sys.exit(1 if found else 0)

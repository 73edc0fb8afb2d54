"""The trained model understands people in each language (held-out split, never trained on)."""

from __future__ import annotations

import subprocess
from typing import Any

import httpx
import pytest

from benchmarks.nlu_scoring import languages, score
from puente.stack import ROOT, VENVS, rasa_env
from tests.conftest import TOKEN, Servers
from tools.check_nlu import check

pytestmark = pytest.mark.servers
FLOOR = 0.90


@pytest.fixture(scope="module")
def parse(servers: Servers):  # type: ignore[no-untyped-def]
    client = httpx.Client(timeout=30)

    def _parse(text: str) -> dict[str, Any]:
        response = client.post(f"{servers.rasa_url}/model/parse", params=TOKEN, json={"text": text})
        response.raise_for_status()
        return response.json()

    return _parse


@pytest.mark.parametrize("language", languages())
def test_intent_accuracy_per_language(parse, language: str) -> None:  # type: ignore[no-untyped-def]
    result = score(language, parse)
    print(
        f"\n{language}: intent accuracy {result.accuracy:.3f}, macro-F1 {result.macro_f1:.3f}, "
        f"fallback {result.fallback_rate:.3f}, language id {result.langid_accuracy:.3f} on {result.total} messages"
    )
    assert result.total >= 100
    assert result.accuracy >= FLOOR, result.errors[:20]


@pytest.mark.parametrize("language", languages())
def test_language_identification_on_the_test_split(parse, language: str) -> None:  # type: ignore[no-untyped-def]
    result = score(language, parse)
    # Short messages get no strong guess; a new conversation then falls back to Spanish.
    assert result.langid_accuracy >= (0.75 if language != "es" else 0.95), result.langid_accuracy


@pytest.mark.parametrize("language", languages())
def test_training_data_is_clean(language: str) -> None:
    assert check(language) == []


def test_rasa_data_validate_is_clean() -> None:
    """Domain, rules and training data agree, with warnings counted as failures."""
    done = subprocess.run(
        [str(VENVS / "rasa" / "bin" / "rasa"), "data", "validate", "--fail-on-warnings",
         "--data", "nlu", "stories", "--domain", "domain", "--config", "config.yml"],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

"""Rasa's own check of the dialogue: `rasa test core` on the test stories beside this file must
predict every action of every story (100%), including the listen that ends each turn."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from puente.stack import ROOT, VENVS, rasa_env, train

pytestmark = pytest.mark.servers
STORIES = Path(__file__).parent


def test_every_test_story_is_predicted_action_by_action(tmp_path: Path) -> None:
    model = Path(os.environ["PUENTE_MODEL"]) if os.environ.get("PUENTE_MODEL") else train()
    done = subprocess.run(
        [str(VENVS / "rasa" / "bin" / "rasa"), "test", "core", "--stories", str(STORIES), "--model", str(model),
         "--out", str(tmp_path), "--fail-on-prediction-errors", "--no-plot"],
        cwd=ROOT, env=rasa_env(), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    failed = tmp_path / "failed_test_stories.yml"
    detail = failed.read_text(encoding="utf-8") if failed.is_file() else ""
    assert done.returncode == 0, detail or done.stdout[-3000:] + done.stderr[-3000:]
    assert "# None of the test stories failed" in detail or not detail.strip(), detail

"""The turn contract can fail: a real rule that does not end by listening breaks it, and so does
the reply the confirmation loop used to give (tests/turns.py is what every conversation test uses)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from puente.stack import ROOT, VENVS, Stack, free_port, rasa_env
from tests import turns
from tests.conftest import prepared
from tests.e2e.conftest import Chat

# What "quiero cancelar mi inscripcion" → "si" gave before the confirmations were one action: the
# cancellation, then Rasa's core fallback nine times (each "not understood" with the menu and the
# office's card), until its limit of predictions per turn.
LOOP = turns.Turn(
    "si",
    [turns.Message("Listo, cancelé tu inscripción.", key="workshops.cancelled")]
    + [
        turns.Message(text, key=key)
        for _ in range(9)
        for text, key in (
            ("Disculpa, no logré entenderte. Puedes elegir un tema o hablar con una persona:", "fallback.give_up"),
            ("*Oficina Municipal de Migrantes de Quilicura*", "card:migrant_office"),
        )
    ],
    ["action_workshop_cancel_confirm"] + ["action_default_fallback"] * 9,
)


def test_the_old_confirmation_loop_breaks_every_invariant_it_should() -> None:
    found = turns.problems(LOOP)
    assert any("19 messages" in p for p in found), found
    assert any("more than once" in p for p in found), found
    assert "'not understood' after an answer" in found
    assert any(p.startswith("action_default_fallback after an answer") for p in found), found
    with pytest.raises(AssertionError, match="conversation contract"):
        turns.check(LOOP)


def test_a_good_turn_passes_and_an_empty_one_does_not() -> None:
    good = turns.Turn("gracias", [turns.Message("¡De nada!", key="utter_thank")], ["utter_thank", "action_listen"])
    assert turns.problems(good) == []
    assert turns.problems(turns.Turn("gracias", [], ["action_listen"])) == ["no reply"]


def broken_model(tmp_path: Path) -> Path:
    """Puente's dialogue with one rule broken on purpose: after thanking, it does not listen."""
    for part in ("domain", "stories"):
        shutil.copytree(ROOT / part, tmp_path / part)
    rules_file = tmp_path / "stories" / "rules.yml"
    rules = yaml.safe_load(rules_file.read_text(encoding="utf-8"))
    thank = next(r for r in rules["rules"] if r["rule"] == "thank")
    thank["wait_for_user_input"] = False
    rules_file.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    subprocess.run(
        [str(VENVS / "rasa" / "bin" / "rasa"), "train", "core", "--domain", "domain", "--stories", "stories",
         "--config", str(ROOT / "config.yml"), "--out", "models", "--fixed-model-name", "broken"],
        cwd=tmp_path, env=rasa_env(), check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    return tmp_path / "models" / "broken.tar.gz"


@pytest.mark.servers
def test_a_rule_that_does_not_end_by_listening_fails_the_turn_contract(tmp_path: Path) -> None:
    folder = tmp_path / "stack"
    folder.mkdir()
    stack = Stack(
        rasa_port=free_port(),
        action_port=free_port(),
        model=broken_model(tmp_path),
        env={
            "DATABASE_URL": prepared(f"sqlite:///{folder / 'records.db'}"),
            "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}",
        },
    ).start()
    try:
        chat = Chat(stack, "test:broken-rule")  # type: ignore[arg-type]
        chat.say("/greet")
        assert chat.keys == ["utter_greet"]
        with pytest.raises(AssertionError, match="action_default_fallback after an answer"):
            chat.say("/thank")
        # The fallback's safety net listened instead of looping: the person read one answer.
        assert len(chat.last) == 1
    finally:
        stack.stop()

"""Runs our actions in-process through rasa-sdk's executor, with trackers as Rasa sends them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]


def load_domain() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted((ROOT / "domain").glob("*.yml")):
        for key, value in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            if isinstance(value, dict):
                merged.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                merged.setdefault(key, []).extend(value)
    return merged


class ActionRunner:
    def __init__(self) -> None:
        self.executor = ActionExecutor()
        self.executor.register_package("actions")
        self.domain = load_domain()

    async def __call__(
        self,
        action: str,
        sender: str = "telegram:1",
        text: str = "",
        intent: str = "",
        entities: dict[str, str] | None = None,
        slots: dict[str, Any] | None = None,
        active_loop: str | None = None,
        events: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        tracker = {
            "sender_id": sender,
            "slots": {"language": "es", **(slots or {})},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 1.0},
                "entities": [{"entity": k, "value": v} for k, v in (entities or {}).items()],
                "intent_ranking": [],
                "metadata": {},
            },
            "events": events or [],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": active_loop} if active_loop else {},
            "latest_action_name": "action_listen",
        }
        response = await self.executor.run(
            {"next_action": action, "sender_id": sender, "tracker": tracker, "domain": self.domain, "version": "3.6.2"}
        )
        return response or {}


@pytest.fixture(scope="session")
def run_action() -> ActionRunner:
    return ActionRunner()


def texts(response: dict[str, Any]) -> str:
    return "\n".join(r.get("text") or "" for r in response.get("responses", []))

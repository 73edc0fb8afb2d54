"""What the local chat (`make run`) prints."""

from __future__ import annotations

from bot.chat import render
from bot.rasa_client import Button, Reply


def test_button_numbers_stay_outside_the_right_to_left_isolation() -> None:
    shown, buttons = render([Reply("ساعات العمل 8:30-14:00", [Button("العربية", "/x"), Button("Kreyòl", "/y")])])
    assert "   [1] العربية" in shown and "   [2] Kreyòl" in shown
    assert "\u20688:30-14:00\u2069" in shown  # the hours keep their order inside the Arabic line
    assert [b.payload for b in buttons] == ["/x", "/y"]

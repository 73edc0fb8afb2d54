"""Rasa's FallbackClassifier, plus: a message without a single letter falls back.

DIET gives an emoji-only, punctuation-only or number-only message a confident intent from its bias
alone ("👍", "..." came out as `affirm` at 0.96; "9 876 543" as `workshop_list` at 1.0). Such a
message says nothing by itself: inside a form it is read as the answer by its shape (a phone, a
group's number), elsewhere the bot asks instead of acting on it.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


def has_words(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class WordlessFallbackClassifier(FallbackClassifier):
    def _should_fallback(self, message: Message) -> bool:
        text = message.get(TEXT) or ""
        if not text.startswith("/") and not has_words(text):
            return True
        return super()._should_fallback(message)

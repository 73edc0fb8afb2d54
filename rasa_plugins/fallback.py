"""Rasa's FallbackClassifier, plus: a message without a single letter or digit falls back.

DIET gives an emoji-only or punctuation-only message (no tokens but the raw text) a confident
intent from its bias alone ("👍", "..." came out as `affirm` at 0.96). Such a message is not
understood, so the bot must ask instead of acting on it.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message


def has_words(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class WordlessFallbackClassifier(FallbackClassifier):
    def _should_fallback(self, message: Message) -> bool:
        text = message.get(TEXT) or ""
        if not text.startswith("/") and not has_words(text):
            return True
        return super()._should_fallback(message)

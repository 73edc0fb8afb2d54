"""Every conversation of the corpus, through the real Rasa and action servers: at each turn the
replies are the expected ones, in the expected language, and the turn contract holds."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from records import residents, seed
from records.db import unit_of_work
from records.models import Resident
from tests.conftest import Servers
from tests.conversations import corpus
from tests.e2e.conftest import Chat

pytestmark = pytest.mark.servers

CONVERSATIONS = {c.name: c for c in map(corpus.load, corpus.paths())}


def fresh_records(records: Engine) -> None:
    """Each conversation meets the seeded records: no one enrolled, every seat free."""
    with unit_of_work(records) as session:
        for sender in session.scalars(select(Resident.sender_id)).all():
            residents.erase(session, sender)
        seed.load(session)


def test_the_corpus_has_25_conversations_per_language() -> None:
    for lang in ("es", "ht", "ar"):
        talks = [c for c in CONVERSATIONS.values() if c.path.parent.name == lang]
        assert len(talks) >= 25, f"{lang}: {len(talks)} conversations"
        assert all(4 <= len(c.steps) <= 15 for c in talks), [c.name for c in talks if not 4 <= len(c.steps) <= 15]


@pytest.mark.parametrize(
    "conversation",
    [
        pytest.param(name, marks=pytest.mark.xfail(reason=talk.known_failure)) if talk.known_failure else name
        for name, talk in sorted(CONVERSATIONS.items())
    ],
)
def test_conversation(servers: Servers, conversation: str) -> None:
    fresh_records(servers.records)
    corpus.play(Chat(servers, f"corpus:{conversation}"), CONVERSATIONS[conversation])

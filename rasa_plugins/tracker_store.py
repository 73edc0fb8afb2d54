"""SQL tracker store that forgets a person completely when they ask.

Rasa 3.6 has no API to delete a conversation, and deleting rows from outside is undone when Rasa
saves the tracker at the end of the turn. So the deletion happens here, in the save itself: a turn in
which the erasure (`actions/privacy.forget`) erased the records (it sets the `data_erased` slot) removes every stored
event of that sender instead of adding more.
"""

from __future__ import annotations

from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from puente import settings

ERASED_SLOT = "data_erased"


def erased_in_last_turn(tracker: DialogueStateTracker) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, SlotSet) and event.key == ERASED_SLOT and event.value:
            return True
    return False


class ErasingSQLTrackerStore(SQLTrackerStore):
    def __init__(self, host: str | None = None, **kwargs: Any) -> None:
        super().__init__(host=host or settings.tracker_database_url(), **kwargs)

    async def save(self, tracker: DialogueStateTracker) -> None:
        if not erased_in_last_turn(tracker):
            await super().save(tracker)
            return
        with self.session_scope() as session:
            session.query(self.SQLEvent).filter(self.SQLEvent.sender_id == tracker.sender_id).delete()
            session.commit()

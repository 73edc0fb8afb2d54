"""Hand-off records on SQLite and PostgreSQL: who may act as a mediator, and a claim race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from records import handoffs
from records.db import unit_of_work
from records.models import Handoff, HandoffOutcome, HandoffState


def test_only_registered_active_mediators_count(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        handoffs.register_mediator(session, 1001, "Rose", ["es", "ht"])
        handoffs.register_mediator(session, 1002, "Samir", ["AR", "es "])
        handoffs.register_mediator(session, 1003, "Ana", ["es"], active=False)
    with unit_of_work(engine) as session:
        assert handoffs.mediator_for(session, 1001).languages == ["es", "ht"]
        assert handoffs.mediator_for(session, 1002).languages == ["ar", "es"]
        assert handoffs.mediator_for(session, 1003) is None  # deactivated
        assert handoffs.mediator_for(session, 9999) is None  # anybody else
        assert [m.name for m in handoffs.speakers_of(session, "ar")] == ["Samir", "Rose"]


def test_one_open_request_per_person(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        first, new = handoffs.request(session, "telegram:1", "ht", "lease_guarantee_info")
        again, new_again = handoffs.request(session, "telegram:1", "ht")
        assert new and not new_again and again.id == first.id


def test_of_several_mediators_claiming_at_once_exactly_one_wins(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        mediators = [handoffs.register_mediator(session, 2000 + n, f"M{n}", ["es"]) for n in range(8)]
        handoff_id = handoffs.request(session, "whatsapp:50900000000", "ht")[0].id

    def press_claim(n: int) -> bool:
        with unit_of_work(engine) as session:
            return handoffs.claim(session, handoff_id, mediators[n])

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(press_claim, range(8)))
    assert results.count(True) == 1
    with unit_of_work(engine) as session:
        held = session.get(Handoff, handoff_id)
        assert held.state == HandoffState.held and held.mediator_id == mediators[results.index(True)].id
        assert held.claimed_at is not None


def test_ending_records_the_outcome_once(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        mediator = handoffs.register_mediator(session, 3001, "Rose", ["ht"])
        handoff = handoffs.request(session, "telegram:2", "ht")[0]
        assert handoffs.claim(session, handoff.id, mediator)
        assert handoffs.end(session, handoff.id, HandoffOutcome.referred)
        assert not handoffs.end(session, handoff.id, HandoffOutcome.resolved)
        session.refresh(handoff)
        assert handoff.outcome == HandoffOutcome.referred and handoff.ended_at is not None
        assert handoffs.open_for(session, "telegram:2") is None


def test_unclaimed_and_idle_requests_are_found(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        handoffs.request(session, "telegram:3", "ar")
    with unit_of_work(engine) as session:
        assert [h.sender_id for h in handoffs.unclaimed_since(session, -1)] == ["telegram:3"]
        assert handoffs.unclaimed_since(session, 10) == []
        assert [h.sender_id for h in handoffs.idle_since(session, -1)] == ["telegram:3"]

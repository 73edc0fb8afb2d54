"""Hand-off records on SQLite and PostgreSQL: who may act as a mediator, and a claim race."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import Engine, select

from puente import i18n
from records import chats, handoffs, outbox
from records.db import unit_of_work
from records.models import Handoff, HandoffMessage, HandoffOutcome, HandoffState, OutboxMessage, utcnow


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


def test_an_open_question_of_the_bot_is_recorded_and_closed_when_a_mediator_takes_over(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        chats.await_answer(session, "telegram:7", "forget_me")  # no chat yet (erased): nothing is made
        assert chats.find(session, "telegram:7") is None
        chats.ensure(session, "telegram:7", "telegram")
        chats.await_answer(session, "telegram:7", "forget_me")
        assert chats.find(session, "telegram:7").awaiting_answer == "forget_me"  # type: ignore[union-attr]
        mediator = handoffs.register_mediator(session, 3002, "Luis", ["es"])
        handoff = handoffs.request(session, "telegram:7", "es")[0]
        assert handoffs.claim(session, handoff.id, mediator)
        # Asked before the hand-off: the person's next words are for the mediator.
        assert chats.find(session, "telegram:7").awaiting_answer is None  # type: ignore[union-attr]


def test_a_deactivated_mediators_conversations_go_back_to_the_queue_and_the_person_is_told(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        rose = handoffs.register_mediator(session, 3003, "Rose", ["ht"])
        handoff = handoffs.request(session, "telegram:8", "ht")[0]
        assert handoffs.claim(session, handoff.id, rose)
        handoffs.register_mediator(session, 3003, "Rose", ["ht"], active=False)  # the console's switch
        session.refresh(handoff)
        assert handoff.state == HandoffState.requested and handoff.mediator_id is None
        assert handoffs.mediator_for(session, 3003) is None  # nothing more relayed to her
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.sender_id == "telegram:8")).all()
        assert [m.text for m in told] == [i18n.t("ht", "handoff.mediator_left")]
        handoffs.register_mediator(session, 3003, "Rose", ["ht"], active=False)  # saved again: told once
        assert len(session.scalars(select(OutboxMessage).where(OutboxMessage.sender_id == "telegram:8")).all()) == 1


def test_unclaimed_and_idle_requests_are_found(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        handoffs.request(session, "telegram:3", "ar")
    with unit_of_work(engine) as session:
        assert [h.sender_id for h in handoffs.unclaimed_since(session, -1)] == ["telegram:3"]
        assert handoffs.unclaimed_since(session, 10) == []
        assert [h.sender_id for h in handoffs.idle_since(session, -1)] == ["telegram:3"]


def test_a_request_is_announced_by_one_gateway_only(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        handoff_id = handoffs.request(session, "telegram:31", "ar", "workshop_list")[0].id

    def take(_: int) -> list[int]:
        with unit_of_work(engine) as session:
            return [h.id for h in handoffs.to_announce(session)]

    with ThreadPoolExecutor(4) as pool:
        taken = [i for batch in pool.map(take, range(4)) for i in batch]
    assert taken == [handoff_id]
    with unit_of_work(engine) as session:
        handoffs.unannounce(session, handoff_id)  # the post failed: next round again
        assert [h.id for h in handoffs.to_announce(session)] == [handoff_id]


def test_the_usual_wait_is_measured_once_there_are_enough_claims(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        mediator = handoffs.register_mediator(session, 3001, "Rose", ["es", "ht"])
        assert handoffs.usual_wait_minutes(session, default=15) == 15  # nothing measured yet
        now = utcnow()
        for n, minutes in enumerate((4, 6, 8, 30, 7)):
            handoff = handoffs.request(session, f"telegram:4{n}", "ht")[0]
            handoff.requested_at = now - timedelta(minutes=minutes)
            session.flush()
            assert handoffs.claim(session, handoff.id, mediator)
        assert handoffs.usual_wait_minutes(session, default=15) == 7  # the median, not the mean (11)


def test_what_was_said_is_erased_after_the_retention_and_on_request(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        old = handoffs.request(session, "telegram:51", "ht", transcript=[{"who": "person", "text": "bonjou"}])[0]
        handoffs.add_message(session, old.id, from_mediator=False, text="mwen bezwen èd", translation="[es] ...")
        handoffs.end(session, old.id, HandoffOutcome.resolved)
        old.ended_at = utcnow() - timedelta(days=40)
        recent = handoffs.request(session, "whatsapp:96399", "ar", transcript=[{"who": "person", "text": "مرحبا"}])[0]
        handoffs.add_message(session, recent.id, from_mediator=True, text="Hola")
        outbox.queue(session, "whatsapp:96399", "ar", "handoff", "مرحبا")
    with unit_of_work(engine) as session:
        assert handoffs.purge(session, keep_days=30) == 1
    with unit_of_work(engine) as session:
        emptied = session.get_one(Handoff, old.id)
        assert emptied.transcript is None and emptied.outcome == HandoffOutcome.resolved  # the figures stay
        assert session.scalars(select(HandoffMessage).where(HandoffMessage.handoff_id == old.id)).all() == []
        assert session.get_one(Handoff, recent.id).transcript  # within the retention: kept
        handoffs.forget(session, "whatsapp:96399")
    with unit_of_work(engine) as session:
        forgotten = session.get_one(Handoff, recent.id)
        assert (forgotten.sender_id, forgotten.transcript, forgotten.state) == ("erased", None, HandoffState.ended)
        assert session.scalars(select(HandoffMessage).where(HandoffMessage.handoff_id == recent.id)).all() == []
        assert session.scalars(select(OutboxMessage).where(OutboxMessage.sender_id == "whatsapp:96399")).all() == []


def test_a_claim_can_be_given_back_only_by_its_mediator(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        rose = handoffs.register_mediator(session, 3101, "Rose", ["es"])
        samir = handoffs.register_mediator(session, 3102, "Samir", ["es", "ar"])
        handoff = handoffs.request(session, "telegram:61", "ar")[0]
        assert handoffs.claim(session, handoff.id, rose)
        assert not handoffs.unclaim(session, handoff.id, samir.id)
        assert handoffs.unclaim(session, handoff.id, rose.id)
        session.refresh(handoff)
        assert handoff.state == HandoffState.requested and handoff.mediator_id is None
        assert handoffs.claim(session, handoff.id, samir)

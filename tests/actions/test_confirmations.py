"""A yes or a no acts on the question just asked, and the fallback never follows an answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from records import enrolment as seats
from records.db import unit_of_work
from records.models import Enrolment, EnrolmentStatus, WorkshopSession
from tests.actions.conftest import ActionRunner
from tests.records.helpers import resident

SENDER = "telegram:77"


def keys(response: dict[str, Any]) -> list[str]:
    return [r.get("key") for r in response.get("responses", [])]


def asked_just_now(action: str) -> list[dict[str, Any]]:
    return [
        {"event": "action", "name": action},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "si"},
    ]


def status(engine: Engine, code: str) -> EnrolmentStatus:
    with unit_of_work(engine) as session:
        return session.scalars(select(Enrolment.status).where(Enrolment.code == code)).one()


def enrolled(engine: Engine) -> str:
    with unit_of_work(engine) as session:
        first = session.scalars(select(WorkshopSession).order_by(WorkshopSession.id)).first()
        assert first is not None
        return seats.enrol(session, resident(session, SENDER, "es"), first.id).code


async def run(run_action: ActionRunner, action: str, events: list[dict[str, Any]], **slots: Any) -> dict[str, Any]:
    return await run_action(action, sender=SENDER, text="si", intent="affirm", slots=slots, events=events)


async def test_a_yes_to_the_cancel_question_cancels(engine: Engine, run_action: ActionRunner) -> None:
    code = enrolled(engine)
    slots = {"pending_confirmation": "workshop_cancel", "cancel_code": code}
    done = await run(run_action, "action_yes", asked_just_now("action_workshop_cancel_ask"), **slots)
    assert keys(done) == ["workshops.cancelled"]
    assert {"event": "slot", "name": "pending_confirmation", "value": None} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in done["events"]
    ]
    assert status(engine, code) is EnrolmentStatus.cancelled


async def test_a_yes_to_an_older_question_asks_it_again(engine: Engine, run_action: ActionRunner) -> None:
    code = enrolled(engine)
    stale = asked_just_now("action_workshop_cancel_ask")
    stale[1:1] = [{"event": "action", "name": "action_workshop_list"}]  # a topic change came in between
    slots = {"pending_confirmation": "workshop_cancel", "cancel_code": code}
    again = await run(run_action, "action_yes", stale, **slots)
    assert keys(again) == ["workshops.cancel_confirm"]
    assert status(engine, code) is EnrolmentStatus.enrolled
    # ...and a yes to that re-asked question (asked by action_yes itself) acts.
    done = await run(run_action, "action_yes", asked_just_now("action_yes"), **slots)
    assert keys(done) == ["workshops.cancelled"]


async def test_a_no_keeps_things_and_a_yes_to_nothing_shows_the_menu(engine: Engine, run_action: ActionRunner) -> None:
    kept = await run(run_action, "action_no", asked_just_now("action_confirm_forget"), pending_confirmation="forget_me")
    assert keys(kept) == ["common.nothing_changed"]
    nothing = await run(run_action, "action_yes", asked_just_now("action_menu"))
    assert keys(nothing) == ["menu.intro"]


async def test_the_fallback_after_an_answer_listens_instead_of_saying_it_did_not_understand(
    engine: Engine, run_action: ActionRunner
) -> None:
    events = [{"event": "user", "text": "gracias"}, {"event": "action", "name": "utter_thank"}]
    done = await run(run_action, "action_default_fallback", events)
    assert done["responses"] == []
    assert [e["event"] for e in done["events"]] == ["followup"]
    assert done["events"][0]["name"] == "action_listen"
    first = await run(run_action, "action_default_fallback", [{"event": "user", "text": "zzz"}])
    assert keys(first)[0] == "fallback.give_up"


async def test_a_no_in_words_to_the_consent_question_reaches_the_form_as_its_answer(
    engine: Engine, run_action: ActionRunner
) -> None:
    # rasa-sdk validates only the slots the form still lists: a refused consent must stay listed,
    # or the "no" is dropped and the person is asked again.
    said = await run_action(
        "validate_lease_form",
        sender=SENDER,
        text="non pa kounya, m ap pase biwo a pito",
        intent="ask_service_info",
        slots={"requested_slot": "privacy_consent", "language": "ht"},
        active_loop="lease_form",
    )
    assert {"event": "slot", "name": "privacy_consent", "value": False} in [
        {k: e.get(k) for k in ("event", "name", "value")} for e in said["events"]
    ]
    stopped = await run_action(
        "action_stop_form", sender=SENDER, intent="deny", slots={"requested_slot": "privacy_consent"},
        active_loop="lease_form",
    )  # fmt: skip
    assert keys(stopped) == ["privacy.refused_lease"]


async def test_a_misunderstanding_right_after_a_form_answer_asks_did_you_mean_instead_of_giving_up(
    engine: Engine, run_action: ActionRunner
) -> None:
    # The phone number had the intent nlu_fallback too, so Rasa's two-stage fallback gives up at
    # once; it was a form answer, understood, so this is the first misunderstanding.
    after_a_form = [
        {"event": "user", "text": "9 8123 4567", "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "action", "name": "enrol_form"},
        {"event": "action", "name": "action_enrol_submit"},
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": "m pito pa di"},
    ]
    first = await run_action(
        "action_default_fallback", sender=SENDER, text="m pito pa di", intent="nlu_fallback", events=after_a_form
    )
    assert keys(first) == ["fallback.did_you_mean"]
    after_a_fallback = [*after_a_form[:1], {"event": "action", "name": "action_two_stage_fallback"}, after_a_form[-1]]
    second = await run_action(
        "action_default_fallback", sender=SENDER, text="m pito pa di", intent="nlu_fallback", events=after_a_fallback
    )
    assert keys(second)[0] == "fallback.give_up"

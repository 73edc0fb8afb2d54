"""Asking for a person, in the action server: a hand-off request where mediators can answer,
the office's contact where they cannot, and when the office opens if it is closed."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from puente import i18n, office
from records import handoffs
from records.db import unit_of_work
from records.models import Handoff
from tests.actions.conftest import ActionRunner, texts
from tests.fakes import telegram_api


@pytest.fixture
def handoff_set_up(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("TELEGRAM_TOKEN", telegram_api.TOKEN)
    monkeypatch.setenv("MEDIATORS_CHAT_ID", str(telegram_api.MEDIATORS_GROUP))
    monkeypatch.setenv("OFFICE_HOURS", "mon-sun 00:00-24:00")
    with unit_of_work(engine) as session:
        handoffs.register_mediator(session, 5001, "Rose Pierre", ["es", "ht"])
    return engine


# The person's previous message was not understood either: the fallback's second stage.
AGAIN_NOT_UNDERSTOOD = [
    {"event": "user", "text": "papye sa yo"},
    {"event": "action", "name": "action_two_stage_fallback"},
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "mwen pa konprann anyen nan papye sa yo"},
]


def requests(engine: Engine) -> list[Handoff]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(Handoff)))


async def test_two_turns_not_understood_ask_a_mediator(handoff_set_up: Engine, run_action: ActionRunner) -> None:
    reply = await run_action("action_default_fallback", sender="whatsapp:50937000000", intent="nlu_fallback",
                             text="mwen pa konprann anyen nan papye sa yo", slots={"language": "ht"},
                             events=AGAIN_NOT_UNDERSTOOD)  # fmt: skip
    assert texts(reply).startswith(i18n.t("ht", "handoff.not_understood"))
    assert i18n.t("ht", "handoff.requested", minutes=15) in texts(reply)
    (request,) = requests(handoff_set_up)
    assert (request.sender_id, request.language) == ("whatsapp:50937000000", "ht")
    again = await run_action("action_request_human", sender="whatsapp:50937000000", slots={"language": "ht"})
    assert texts(again) == i18n.t("ht", "handoff.already_waiting", position=1)
    assert len(requests(handoff_set_up)) == 1


async def test_without_mediators_or_on_the_local_chat_the_offices_contact(
    handoff_set_up: Engine, run_action: ActionRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = await run_action("action_request_human", sender="local-chat")  # no mediator can answer there
    assert i18n.t("es", "handoff.office_contact") in texts(local)
    monkeypatch.delenv("MEDIATORS_CHAT_ID")
    fallback = await run_action(
        "action_default_fallback",
        sender="telegram:9",
        intent="nlu_fallback",
        text="xyz abc",
        events=AGAIN_NOT_UNDERSTOOD,
    )
    assert i18n.t("es", "handoff.not_understood") not in texts(fallback)
    assert i18n.t("es", "fallback.give_up") in texts(fallback)
    assert requests(handoff_set_up) == []


async def test_outside_office_hours_the_person_is_told_when_it_opens(
    handoff_set_up: Engine, run_action: ActionRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    tomorrow = datetime.now(office.parse("mon 08:00-09:00").tz) + timedelta(days=1)
    monkeypatch.setenv("OFFICE_HOURS", f"{office.DAYS[tomorrow.weekday()]} 09:00-13:00")
    reply = await run_action("action_request_human", sender="telegram:77", slots={"language": "ar"})
    assert texts(reply) == i18n.t("ar", "handoff.requested_closed", day=i18n.t("ar", "handoff.tomorrow"), time="09:00")

"""Our actions answer from the records, in the person's language, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select

from puente import i18n
from records.db import unit_of_work
from records.models import Enrolment, Resident, Service
from tests.actions.conftest import ActionRunner, texts


async def test_the_health_centre_answer_comes_from_the_records(engine: Engine, run_action: ActionRunner) -> None:
    with unit_of_work(engine) as session:
        address = session.scalars(select(Service.address).where(Service.key == "health")).one()
    reply = await run_action("action_service_info", intent="ask_service_info", entities={"service": "health"})
    assert address in texts(reply)


async def test_a_creole_speaker_gets_the_service_in_creole(engine: Engine, run_action: ActionRunner) -> None:
    with unit_of_work(engine) as session:
        service = session.scalars(select(Service).where(Service.key == "id_card")).one()
        creole = next(t for t in service.texts if t.language == "ht")
    reply = await run_action("action_service_info", entities={"service": "kat idantite"}, slots={"language": "ht"})
    assert creole.name in texts(reply) and creole.requirements[0] in texts(reply)


@pytest.mark.parametrize(
    ("said", "lang", "asked"),
    [
        ("bil shughl el adim sahib el shughl ma 3atani, بدي محامي", "ar", "legal_aid"),  # context, then the ask
        ("صاحب الشغل ما عطاني معاشي من شهرين، بدي محامي", "ar", "legal_aid"),
        ("m pa gen kanè, eske yo ka ban m randevou dokte kanmenm", "ht", "health"),
        ("necesito un abogado porque no me pagan en el trabajo", "es", "legal_aid"),  # the ask, then why
        ("no tengo carnet, me pueden dar hora medica igual?", "es", "health"),
    ],
)
async def test_of_several_services_named_the_one_asked_for_is_answered(
    engine: Engine, run_action: ActionRunner, said: str, lang: str, asked: str
) -> None:
    reply = await run_action("action_service_info", text=said, intent="ask_service_info", slots={"language": lang})
    assert [r.get("key") for r in reply["responses"]][:1] == [f"card:{asked}"], texts(reply)


async def test_no_service_named_offers_the_topics_as_buttons(engine: Engine, run_action: ActionRunner) -> None:
    reply = await run_action("action_service_info", slots={"language": "ar"})
    buttons = reply["responses"][0]["buttons"]
    assert len(buttons) == 8 and buttons[0]["payload"] == '/ask_service_info{"service": "health"}'
    assert any("\u0600" <= ch <= "\u06ff" for ch in reply["responses"][0]["text"])


async def test_the_workshop_list_shows_seats_left(engine: Engine, run_action: ActionRunner) -> None:
    reply = await run_action("action_workshop_list", entities={"workshop": "cultural_outing"})
    text = texts(reply)
    assert "SAL" not in text  # session codes are internal
    assert "Quedan 3 cupos" in text


async def test_status_without_enrolments_says_so_and_writes_nothing(engine: Engine, run_action: ActionRunner) -> None:
    reply = await run_action("action_workshop_status", sender="telegram:nobody")
    assert "No tienes inscripciones" in texts(reply)
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count(Resident.id))) == 0


async def test_records_down_gives_a_polite_answer_in_the_persons_language(
    engine: Engine, run_action: ActionRunner, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    reply = await run_action("action_workshop_status", slots={"language": "ht"})
    assert "anrejistreman" in texts(reply) or "biwo" in texts(reply).lower()
    monkeypatch.undo()
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count(Enrolment.id))) == 0


async def test_the_general_list_shows_the_next_group_of_each_workshop(engine: Engine, run_action: ActionRunner) -> None:
    reply = await run_action("action_workshop_list", slots={"language": "ht"})
    buttons = reply["responses"][0]["buttons"]
    assert len(buttons) == 5  # the five workshops of the seed, one button each
    assert texts(reply).count("📍") == 5


async def test_gender_is_kept_only_for_a_consenting_person_and_saying_it_again_replaces_it(
    engine: Engine, run_action: ActionRunner
) -> None:
    from records import residents
    from records.models import Gender, ResidentGender

    nobody = await run_action("action_report_gender", sender="telegram:41", intent="report_gender",
                              entities={"gender": "female"}, slots={"language": "ar"})  # fmt: skip
    assert texts(nobody) == i18n.t("ar", "people.gender_not_kept")
    with unit_of_work(engine) as session:
        person = residents.record_consent(session, "telegram:41", "ar")
        person_id = person.id
    for value in ("female", "undisclosed"):
        said = await run_action("action_report_gender", sender="telegram:41", intent="report_gender",
                                entities={"gender": value}, slots={"language": "ar"})  # fmt: skip
        assert texts(said) == i18n.t("ar", "people.gender_saved")
    with unit_of_work(engine) as session:
        assert session.get_one(ResidentGender, person_id).gender is Gender.undisclosed
    odd = await run_action("action_report_gender", sender="telegram:41", entities={"gender": "robot"})
    assert texts(odd) == i18n.t("es", "people.gender_not_kept")


def test_a_typed_option_title_or_its_beginning_picks_that_option() -> None:
    from actions.common import chosen_option

    bands = ["Menos de $500.000", "Entre $500.000 y $800.000", "Más de $1.200.000"]
    assert chosen_option("menos de 500", bands) == 1
    assert chosen_option("Entre $500.000 y $800.000", bands) == 2
    assert chosen_option("mas de 1.200.000", bands) == 3
    assert chosen_option("اقل من 500", ["أقل من 500 ألف بيزو", "بين 500 ألف و800 ألف بيزو"]) == 1
    assert chosen_option("500", bands) is None  # one word: a number, read as such elsewhere
    assert chosen_option("de", bands) is None


async def test_the_language_survives_a_reverted_fallback(run_action) -> None:  # type: ignore[no-untyped-def]
    """The two-stage fallback reverts a misunderstood message's events, its language slot too: the
    next message, a Chilean name with no language of its own, must stay in the writer's language."""
    earlier = [
        {"event": "user", "text": "bonjou, mwen bezwen enfòmasyon sou kou yo", "parse_data": {"entities": []}},
        {"event": "user", "text": "registro social de hogares", "parse_data": {"entities": []}},
    ]
    response = await run_action(
        "action_detect_language", text="registro social de hogares", intent="ask_service_info",
        slots={"language": None}, events=earlier,
    )  # fmt: skip
    assert {"event": "slot", "timestamp": None, "name": "language", "value": "ht"} in response["events"]

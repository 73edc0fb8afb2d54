"""The same assistant with the records and the conversations on PostgreSQL (DATABASE_URL)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select, text

from puente.stack import Stack, free_port, train
from records import db
from records.db import unit_of_work
from records.models import Enrolment, Resident
from tests.conftest import Servers, create_pg_database, drop_pg_database, prepared, require_postgres
from tests.e2e.conftest import Chat
from tests.e2e.phrases import PHRASES

pytestmark = [pytest.mark.servers, pytest.mark.postgres]


@pytest.fixture(scope="module")
def pg_servers() -> Iterator[Servers]:
    require_postgres()
    name, url = create_pg_database()
    records_url = prepared(url)
    stack = Stack(rasa_port=free_port(), action_port=free_port(), model=train(), env={"DATABASE_URL": url})
    stack.start()
    try:
        yield Servers(stack.rasa_url, db.engine_for(records_url), db.make_engine(records_url), stack)
    finally:
        stack.stop()
        db.engine_for(records_url).dispose()
        drop_pg_database(name)


def test_a_creole_speaker_enrols_and_then_erases_everything_on_postgresql(pg_servers: Servers) -> None:
    chat = Chat(pg_servers, "telegram:4242")
    chat.say("bonjou")
    chat.press('"language": "ht"')
    chat.say(PHRASES["ht"]["courses"])
    chat.press('"workshop": "chilean_culture"')
    chat.press("/affirm")
    if any(b["payload"] == "1" for b in chat.buttons()):
        chat.press(0)
    chat.say(PHRASES["ht"]["name"])
    chat.say("9 5555 4444")
    code = re.search(r"\b[A-Z]{2,5}-[A-Z0-9]{5}\b", chat.text)
    assert code, chat.text
    with unit_of_work(pg_servers.records) as session:
        assert session.scalars(
            select(Enrolment.code).join(Resident).where(Resident.sender_id == chat.sender)
        ).one() == code.group(0)
    # The conversation is in PostgreSQL too, in Rasa's own table beside the records.
    assert chat.tracker_rows() > 0

    chat.say(PHRASES["ht"]["delete"])
    chat.press("/affirm")
    with unit_of_work(pg_servers.records) as session:
        assert session.scalar(select(func.count(Resident.id)).where(Resident.sender_id == chat.sender)) == 0
    assert chat.tracker_rows() == 0
    with pg_servers.tracker.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM events")).scalar_one() == 0

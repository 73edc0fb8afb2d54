"""The gateway's state on SQLite and PostgreSQL: redeliveries, leases, forgetting."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine, func, select

from records import chats, outbox, residents
from records.db import unit_of_work
from records.models import Chat, InboundMessage, InboundState, OutboxMessage
from tests.records.helpers import resident


def test_a_redelivered_message_is_stored_once(engine: Engine) -> None:
    def store(_: int) -> bool:
        with unit_of_work(engine) as session:
            return chats.receive(session, "whatsapp:5691", "whatsapp", "wamid.1", "hola", {}, None) is not None

    with ThreadPoolExecutor(8) as pool:
        stored = list(pool.map(store, range(8)))  # eight deliveries of one message at once
    assert stored.count(True) == 1
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(InboundMessage)) == 1
        assert session.scalar(select(func.count()).select_from(Chat)) == 1


def test_one_lease_per_conversation_until_released_or_expired(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        chat_id = chats.ensure(session, "telegram:1", "telegram").id
    with unit_of_work(engine) as session:
        assert chats.acquire(session, chat_id, "a", 60)
        assert not chats.acquire(session, chat_id, "b", 60)
        assert chats.acquire(session, chat_id, "a", 60)  # renewing one's own
    with unit_of_work(engine) as session:
        chats.release(session, chat_id, "a")
        assert chats.acquire(session, chat_id, "b", -1)  # taken, but already expired
        assert chats.acquire(session, chat_id, "c", 60)


def test_answered_messages_lose_their_text(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        message = chats.receive(session, "telegram:2", "telegram", "9", "mi RUT es 12.345.678-9", {"a": "b"}, "es")
        assert message is not None
        chats.finish(session, message.id)
        session.refresh(message)
        assert (message.text, message.metadata_, message.state) == (None, {}, InboundState.done)


def test_forgetting_a_person_removes_the_conversation_and_pending_notices(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        person = resident(session, "telegram:3", "ht")
        chats.receive(session, "telegram:3", "telegram", "10", "bonjou", {}, "fr")
        chats.remember_language(session, "telegram:3", "ar")
        outbox.notify(session, person.id, "test", lambda lang: "…")
    with unit_of_work(engine) as session:
        assert session.scalars(select(Chat.language)).one() == "ar"
        residents.erase(session, "telegram:3")
    with unit_of_work(engine) as session:
        for table in (Chat, InboundMessage, OutboxMessage):
            assert session.scalar(select(func.count()).select_from(table)) == 0

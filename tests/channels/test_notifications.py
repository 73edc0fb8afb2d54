"""Messages the bot starts (the outbox): delivered on the person's own channel and language,
exactly once, also across a gateway restart; WhatsApp's 24-hour window respected."""

from __future__ import annotations

import time
import uuid
from datetime import date, timedelta
from datetime import time as clock

import pytest
from sqlalchemy import select, update

from records import enrolment as seats
from records import outbox
from records.db import unit_of_work
from records.models import Chat, Enrolment, EnrolmentStatus, OutboxMessage, Workshop, WorkshopSession, utcnow
from tests.channels.conftest import GatewayThread, gateway_settings
from tests.channels.people import TelegramPerson
from tests.conftest import Servers
from tests.e2e.phrases import PHRASES
from tests.fakes import graph_api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram
from tests.records.helpers import resident

pytestmark = pytest.mark.servers


def one_seat_session(servers: Servers) -> int:
    with unit_of_work(servers.records) as session:
        workshop = session.scalars(select(Workshop).where(Workshop.key == "chilean_culture")).one()
        start = date.today() + timedelta(days=12)
        group = WorkshopSession(
            code=f"ONE-{uuid.uuid4().hex[:8]}", workshop_id=workshop.id, starts_on=start,
            ends_on=start + timedelta(days=20), weekdays=[5], start_time=clock(11), end_time=clock(13),
            place="Biblioteca municipal", capacity=1,
        )  # fmt: skip
        session.add(group)
        session.flush()
        return group.id


def wrote_hours_ago(servers: Servers, sender_id: str, hours: float) -> None:
    with unit_of_work(servers.records) as session:
        session.add(Chat(sender_id=sender_id, channel=sender_id.split(":")[0],
                         last_inbound_at=utcnow() - timedelta(hours=hours)))  # fmt: skip


def test_a_cancelled_seat_reaches_the_first_person_on_the_waitlist_on_their_channel(
    servers: Servers, fake_telegram: FakeTelegram, fake_graph: FakeGraph
) -> None:
    group_id = one_seat_session(servers)
    holder_sender, waiter_phone = "telegram:710001", "50937100002"
    wrote_hours_ago(servers, f"whatsapp:{waiter_phone}", 2)  # inside the 24-hour window
    with unit_of_work(servers.records) as session:
        seats.enrol(session, resident(session, holder_sender, "es"), group_id)
        waiting = seats.enrol(session, resident(session, f"whatsapp:{waiter_phone}", "ht"), group_id)
        assert waiting.status == EnrolmentStatus.waitlisted
        code = waiting.code
    fake_graph.fail(times=2)  # the Graph API hiccups: retried, still sent once

    conf = gateway_settings(servers.records_url, servers.rasa_url, fake_telegram, fake_graph)
    with GatewayThread(conf):
        holder = TelegramPerson(fake_telegram, 710001, "es")
        holder.say(PHRASES["es"]["cancel"])
        holder.press("/affirm")
        sent = fake_graph.wait_for(waiter_phone)
        assert len(sent) == 1 and code in graph_api.body_text(sent[0])
        assert "Bon nouvèl" in graph_api.body_text(sent[0]) or "plas" in graph_api.body_text(sent[0])
    with unit_of_work(servers.records) as session:
        note = session.scalars(select(OutboxMessage).where(OutboxMessage.sender_id == f"whatsapp:{waiter_phone}")).one()
        assert note.delivered_at is not None
        assert session.scalars(select(Enrolment).where(Enrolment.code == code)).one().status == EnrolmentStatus.enrolled

    # A restarted gateway (a new process) does not send it again.
    with GatewayThread(conf):
        time.sleep(3)  # several rounds of the outbox worker
    assert len(fake_graph.to(waiter_phone)) == 1


def test_two_gateways_never_send_one_notification_twice(
    servers: Servers, fake_telegram: FakeTelegram, fake_graph: FakeGraph
) -> None:
    senders = [f"telegram:7200{n:02d}" for n in range(20)]
    with unit_of_work(servers.records) as session:
        for sender in senders:
            person = resident(session, sender, "ar")
            outbox.notify(session, person.id, "test", lambda lang: f"إشعار تجريبي {lang}")
    conf = gateway_settings(servers.records_url, servers.rasa_url, fake_telegram)
    with GatewayThread(conf, owner="gw-a"), GatewayThread(conf, owner="gw-b"):
        for sender in senders:
            fake_telegram.wait_for("sendMessage", sender.split(":")[1])
        time.sleep(2)
    for sender in senders:
        assert len(fake_telegram.texts(sender.split(":")[1])) == 1


def test_outside_the_24_hour_window_a_whatsapp_notification_waits_until_the_person_writes(
    servers: Servers, fake_graph: FakeGraph
) -> None:
    phone = "56955000001"
    wrote_hours_ago(servers, f"whatsapp:{phone}", 30)
    with unit_of_work(servers.records) as session:
        person = resident(session, f"whatsapp:{phone}", "es")
        outbox.notify(session, person.id, "test", lambda lang: "Tu solicitud de aval fue aprobada.")
    with GatewayThread(gateway_settings(servers.records_url, servers.rasa_url, graph=fake_graph)) as gateway:
        time.sleep(3)
        assert fake_graph.to(phone) == []  # Meta would refuse a free-form message now
        with unit_of_work(servers.records) as session:
            held = session.scalars(select(OutboxMessage).where(OutboxMessage.sender_id == f"whatsapp:{phone}")).one()
            assert held.delivered_at is None and held.last_error == outbox.WINDOW and held.attempts == 0
        graph_api.post_webhook(gateway.url, graph_api.envelope([graph_api.text_message(phone, "hola")]))
        texts = [graph_api.body_text(m) for m in fake_graph.wait_for(phone, 2)]
        assert "Tu solicitud de aval fue aprobada." in texts


def test_outside_the_window_an_approved_template_carries_the_notification(
    servers: Servers, fake_graph: FakeGraph
) -> None:
    phone = "96355000002"
    wrote_hours_ago(servers, f"whatsapp:{phone}", 48)
    with unit_of_work(servers.records) as session:
        person = resident(session, f"whatsapp:{phone}", "ar")
        outbox.notify(session, person.id, "test", lambda lang: "تمت الموافقة على طلبك.\nالرمز: GA-ABC123")
    conf = gateway_settings(servers.records_url, servers.rasa_url, graph=fake_graph, template="puente_aviso")
    with GatewayThread(conf):
        sent = fake_graph.wait_for(phone)[0]
    assert sent["type"] == "template"
    assert sent["template"]["name"] == "puente_aviso" and sent["template"]["language"] == {"code": "ar"}
    # No newlines in a parameter; the code isolated, to keep its order in right-to-left text.
    assert graph_api.body_text(sent) == "تمت الموافقة على طلبك. · الرمز: \u2068GA-ABC123\u2069"


def test_notifications_for_people_on_other_channels_are_left_alone(servers: Servers, fake_graph: FakeGraph) -> None:
    with unit_of_work(servers.records) as session:
        person = resident(session, "telegram:730001", "es")
        note = outbox.notify(session, person.id, "test", lambda lang: "para Telegram")
        note_id = note.id
        session.execute(update(OutboxMessage).where(OutboxMessage.id == note_id).values(created_at=utcnow()))
    with GatewayThread(gateway_settings(servers.records_url, servers.rasa_url, graph=fake_graph)):
        time.sleep(2)
    with unit_of_work(servers.records) as session:
        assert session.get(OutboxMessage, note_id).claimed_until is None  # a WhatsApp-only gateway never took it

"""The records database going away under a running gateway (PostgreSQL, dropped mid-test): nothing is
acknowledged that was not stored, and the person is told politely."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from puente import i18n
from tests.channels.conftest import GatewayThread, gateway_settings
from tests.channels.people import TelegramPerson
from tests.conftest import create_pg_database, drop_pg_database, prepared, require_postgres
from tests.fakes import graph_api, telegram_api
from tests.fakes.graph_api import FakeGraph
from tests.fakes.rasa import FakeRasa
from tests.fakes.telegram_api import FakeTelegram
from tests.turns import visible

pytestmark = pytest.mark.postgres


@pytest.fixture
def doomed_database() -> Iterator[tuple[str, str]]:
    require_postgres()
    name, url = create_pg_database()
    yield name, prepared(url)
    drop_pg_database(name)


def test_with_the_database_gone_whatsapp_is_asked_to_redeliver_and_telegram_users_are_told(
    doomed_database: tuple[str, str], fake_telegram: FakeTelegram, fake_graph: FakeGraph
) -> None:
    name, url = doomed_database
    rasa = FakeRasa().start()
    try:
        with GatewayThread(gateway_settings(url, rasa.url, fake_telegram, fake_graph)) as gateway:
            person = TelegramPerson(fake_telegram, 780001, "ar")
            person.say("مرحبا")
            assert visible(person.text).startswith("recibido")  # working, through the (fake) Rasa

            drop_pg_database(name)
            message = graph_api.text_message("96378000002", "مرحبا", message_id="wamid.down-1")
            response = graph_api.post_webhook(gateway.url, graph_api.envelope([message]))
            assert response.status_code == 503  # not stored, so not acknowledged: Meta delivers it again

            person.send(telegram_api.text(780001, "شو الدورات الموجودة؟", "ar"))
            assert person.text == i18n.t("ar", "channels.down")
            assert fake_graph.to("96378000002") == []
    finally:
        rasa.stop()

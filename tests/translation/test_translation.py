"""The translation layer with the real deep-translator client against a fake LibreTranslate (and a fake
Google page) on 127.0.0.1, its cache on SQLite and PostgreSQL. Nothing here reaches the internet."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from deep_translator.constants import BASE_URLS
from sqlalchemy import Engine, func, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bot import translation
from bot.translation import Translation, TranslationUnavailable, translate, translate_or_none
from puente import settings
from puente.settings import Translator
from puente.stack import free_port
from records import db
from records.db import unit_of_work
from records.models import TranslationCacheEntry
from tests.fakes.google_translate import FakeGoogle
from tests.fakes.http import ThreadedServer
from tests.fakes.libretranslate import FakeLibreTranslate

TIMEOUT = 1.0


@pytest.fixture
def libre() -> Iterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate().start()
    yield fake
    fake.stop()


def libre_conf(url: str, backends: str = "es-ar=libre,ar-es=libre", **kwargs: str) -> Translator:
    return Translator(backends=settings.parse_translator_backends(backends), libre_url=url, timeout=TIMEOUT, **kwargs)


def cache_rows(engine: Engine) -> list[TranslationCacheEntry]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(TranslationCacheEntry)))


def test_spanish_to_arabic_through_a_self_hosted_libretranslate(libre: FakeLibreTranslate, engine: Engine) -> None:
    result = translate("Hola", "es", "ar", conf=libre_conf(libre.url), engine=engine)
    assert result == Translation("مرحبا", "es", "ar", machine=True, backend="libre")
    (request,) = libre.received()
    assert request["q"] == "Hola" and request["source"] == "es" and request["target"] == "ar"
    assert "api_key" not in request  # the server has no keys: none sent, not deep-translator's placeholder
    back = translate("Quiero aprender español", "ar", "es", conf=libre_conf(libre.url), engine=engine)
    assert back.text == "[es] Quiero aprender español" and back.machine


def test_the_same_text_again_comes_from_the_database(libre: FakeLibreTranslate, engine: Engine) -> None:
    conf = libre_conf(libre.url)
    first = translate("¿Dónde está el CESFAM?", "es", "ar", conf=conf, engine=engine)
    second = translate("¿Dónde está el CESFAM?", "es", "ar", conf=conf, engine=engine)
    assert len(libre.received()) == 1
    assert not first.cached and second.cached
    assert second.text == first.text == "أين يقع مركز الصحة العائلية؟" and second.machine
    (row,) = cache_rows(engine)
    assert (row.source, row.target, row.backend, row.text_out) == ("es", "ar", "libre", first.text)
    assert row.key == translation.cache_key("libre", "es", "ar", "¿Dónde está el CESFAM?")
    assert "CESFAM" not in row.key  # the original is not kept, only its hash
    translate("¿Dónde está el CESFAM?", "ar", "es", conf=conf, engine=engine)  # another pair, another entry
    assert len(libre.received()) == 2 and len(cache_rows(engine)) == 2


def test_a_pair_without_a_backend_sends_nothing_anywhere(libre: FakeLibreTranslate) -> None:
    conf = libre_conf(libre.url)  # es<->ar only
    with pytest.raises(TranslationUnavailable, match="no backend") as caught:
        translate("Bonjou", "ht", "es", conf=conf)
    assert (caught.value.source, caught.value.target, caught.value.backend) == ("ht", "es", "")
    for source, target in [("es", "ht"), ("ht", "ar"), ("es", "ar")]:  # nothing configured at all: no pair
        with pytest.raises(TranslationUnavailable):
            translate("Hola", source, target, conf=Translator())
    assert translate_or_none("Hola", "es", "ht", conf=conf) is None
    assert libre.received() == []


def test_none_turns_a_pair_off_under_a_wildcard(libre: FakeLibreTranslate) -> None:
    conf = libre_conf(libre.url, "*=libre,es-ht=none,ht-*=none")
    assert translation.backend_for("es", "ar", conf) == "libre"
    assert translation.backend_for("ES", "ht", conf) is None
    assert translation.backend_for("ht", "ar", conf) is None
    with pytest.raises(TranslationUnavailable):
        translate("Hola", "es", "ht", conf=conf)
    assert libre.received() == []


def test_the_same_language_or_no_text_is_returned_as_is_without_a_request(libre: FakeLibreTranslate) -> None:
    conf = libre_conf(libre.url, "*=libre")
    assert translate("Hola", "es", "ES", conf=conf) == Translation("Hola", "es", "es", machine=False, backend="")
    assert translate("  ", "es", "ar", conf=conf).machine is False
    assert translate("Bonjou", "ht", "ht", conf=Translator()).text == "Bonjou"  # nothing configured: still fine
    assert libre.received() == []


def test_a_silent_server_is_given_up_after_the_timeout(libre: FakeLibreTranslate, engine: Engine) -> None:
    libre.hang(seconds=TIMEOUT + 10)
    started = time.monotonic()
    with pytest.raises(TranslationUnavailable) as caught:
        translate("Hola", "es", "ar", conf=libre_conf(libre.url), engine=engine)
    assert time.monotonic() - started < TIMEOUT + 3
    assert caught.value.backend == "libre"
    assert "Hola" not in str(caught.value)  # the person's words stay out of logs
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert translate("Hola", "es", "ar", conf=libre_conf(libre.url), engine=engine).text == "مرحبا"  # next one works


def test_a_server_error_is_unavailable_and_not_cached(libre: FakeLibreTranslate, engine: Engine) -> None:
    libre.fail(status=500)
    with pytest.raises(TranslationUnavailable, match="server answered"):
        translate("Gracias", "es", "ar", conf=libre_conf(libre.url), engine=engine)
    assert cache_rows(engine) == []
    assert translate("Gracias", "es", "ar", conf=libre_conf(libre.url), engine=engine).text == "شكرا"
    assert len(libre.received()) == 2


def test_a_refused_connection_is_unavailable(engine: Engine) -> None:
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    started = time.monotonic()
    with pytest.raises(TranslationUnavailable, match="ConnectionError"):
        translate("Hola", "es", "ar", conf=libre_conf(closed), engine=engine)
    assert time.monotonic() - started < TIMEOUT + 3
    assert translate_or_none("Hola", "es", "ar", conf=libre_conf(closed), engine=engine) is None


def test_haitian_creole_reaches_a_libretranslate_that_has_a_model_for_it(engine: Engine) -> None:
    # deep-translator's LibreTranslate language list has no `ht`; the server decides, not the list.
    fake = FakeLibreTranslate(languages=("es", "ar", "ht")).start()
    try:
        result = translate("Kote CESFAM lan ye?", "ht", "es", conf=libre_conf(fake.url, "ht-es=libre"), engine=engine)
        assert result.text == "[es] Kote CESFAM lan ye?" and result.backend == "libre"
        (request,) = fake.received()
        assert (request["source"], request["target"]) == ("ht", "es")
    finally:
        fake.stop()


def test_a_libretranslate_without_creole_says_so_and_it_is_unavailable(
    libre: FakeLibreTranslate, engine: Engine
) -> None:
    with pytest.raises(TranslationUnavailable, match="ERR_BAD_REQUEST"):
        translate("Bonjou", "ht", "es", conf=libre_conf(libre.url, "ht-es=libre"), engine=engine)
    assert libre.received()[0]["source"] == "ht"


@pytest.mark.parametrize("suffix", ["", "/"])
def test_the_libretranslate_url_with_or_without_a_slash_and_an_api_key(suffix: str, engine: Engine) -> None:
    fake = FakeLibreTranslate(api_key="s3cret").start()
    try:
        with pytest.raises(TranslationUnavailable):  # a server with keys refuses a request without one
            translate("Hola", "es", "ar", conf=libre_conf(fake.url + suffix), engine=engine)
        keyed = libre_conf(fake.url + suffix, libre_api_key="s3cret")
        assert translate("Hola", "es", "ar", conf=keyed, engine=engine).text == "مرحبا"
        assert [r.get("api_key") for r in fake.received()] == [None, "s3cret"]
    finally:
        fake.stop()


def test_a_broken_cache_does_not_break_translation(libre: FakeLibreTranslate, tmp_path: Path) -> None:
    unmigrated = db.make_engine(f"sqlite:///{tmp_path / 'empty.db'}")  # no translation_cache table
    try:
        for _ in range(2):
            assert translate("Hola", "es", "ar", conf=libre_conf(libre.url), engine=unmigrated).text == "مرحبا"
        assert len(libre.received()) == 2  # nothing cached, both translated
    finally:
        unmigrated.dispose()


def test_google_for_creole_when_opted_in(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cloud path with the real GoogleTranslator, pointed at a fake page on loopback."""
    fake = FakeGoogle().start()
    monkeypatch.setitem(BASE_URLS, "GOOGLE_TRANSLATE", fake.url)
    try:
        conf = Translator(backends=settings.parse_translator_backends("ht-es=google,es-ht=google"), timeout=TIMEOUT)
        result = translate("Mwen bezwen yon randevou", "ht", "es", conf=conf, engine=engine)
        assert result == Translation("[es] Mwen bezwen yon randevou", "ht", "es", machine=True, backend="google")
        assert (fake.seen[0]["sl"], fake.seen[0]["tl"]) == ("ht", "es")
        with pytest.raises(TranslationUnavailable):
            translate("Hola", "es", "ar", conf=conf, engine=engine)  # not opted in for es-ar
        assert len(fake.seen) == 1
    finally:
        fake.stop()


def test_microsoft_for_creole_with_a_key(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The real MicrosoftTranslator, pointed at a fake endpoint on loopback; no language-list download."""
    seen: list[tuple[dict[str, str], str, str]] = []

    async def endpoint(request: Request) -> JSONResponse:
        body = await request.json()
        headers = request.headers
        seen.append(
            (
                dict(request.query_params),
                headers["ocp-apim-subscription-key"],
                headers.get("ocp-apim-subscription-region", ""),
            )
        )
        to = request.query_params["to"]
        return JSONResponse([{"translations": [{"text": f"[{to}] {body[0]['text']}", "to": to}]}])

    server = ThreadedServer(Starlette(routes=[Route("/translate", endpoint, methods=["POST"])]))
    server.start()
    monkeypatch.setitem(BASE_URLS, "MICROSOFT_TRANSLATE", f"{server.url}/translate?api-version=3.0")
    try:
        conf = Translator(
            backends=settings.parse_translator_backends("es-ht=microsoft"),
            microsoft_key="k3y",
            microsoft_region="brazilsouth",
            timeout=TIMEOUT,
        )
        result = translate("Su hora es el lunes", "es", "ht", conf=conf, engine=engine)
        assert result == Translation("[ht] Su hora es el lunes", "es", "ht", machine=True, backend="microsoft")
        ((params, key, region),) = seen
        assert (params["from"], params["to"], key, region) == ("es", "ht", "k3y", "brazilsouth")
    finally:
        server.stop()


async def test_translate_async_runs_off_the_event_loop(libre: FakeLibreTranslate, engine: Engine) -> None:
    result = await translation.translate_async("Hola", "es", "ar", conf=libre_conf(libre.url), engine=engine)
    assert result.text == "مرحبا"


def test_describe_says_which_backend_translates_each_pair() -> None:
    conf = Translator(
        backends=settings.parse_translator_backends("es-ar=libre,ar-es=libre,ht-*=google,*-ht=microsoft,es-en=google"),
        libre_url="http://127.0.0.1:5000",
        microsoft_key="k",
    )
    assert translation.describe(conf) == {
        "es-ht": "microsoft (cloud)",
        "es-ar": "libre (http://127.0.0.1:5000)",
        "ht-es": "google (cloud)",
        "ht-ar": "google (cloud)",
        "ar-es": "libre (http://127.0.0.1:5000)",
        "ar-ht": "microsoft (cloud)",
        "es-en": "google (cloud)",
    }
    assert set(translation.describe(Translator()).values()) == {"none"}


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRANSLATOR_BACKENDS", " es-ar = libre , ar-es=LIBRE, ht-es=google, *=none ")
    monkeypatch.setenv("TRANSLATOR_LIBRE_URL", "http://127.0.0.1:5000/")
    monkeypatch.setenv("TRANSLATOR_TIMEOUT", "2.5")
    conf = settings.load().translator
    assert conf.backends == (("es-ar", "libre"), ("ar-es", "libre"), ("ht-es", "google"), ("*-*", "none"))
    assert conf.libre_url == "http://127.0.0.1:5000" and conf.timeout == 2.5
    assert translation.describe(conf)["es-ht"] == "none"


def test_nothing_is_translated_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRANSLATOR_BACKENDS", "TRANSLATOR_LIBRE_URL", "TRANSLATOR_MICROSOFT_KEY"):
        monkeypatch.setenv(name, "")
    conf = settings.load().translator
    assert conf.backends == () and conf.timeout == 8.0
    with pytest.raises(TranslationUnavailable):
        translate("Hola", "es", "ht")  # the settings' own configuration, and no request


@pytest.mark.parametrize(
    ("env", "complaint"),
    [
        ({"TRANSLATOR_BACKENDS": "es-ar=deepl"}, "cannot read"),
        ({"TRANSLATOR_BACKENDS": "esar=libre"}, "cannot read"),
        ({"TRANSLATOR_BACKENDS": "es-ar=libre", "TRANSLATOR_LIBRE_URL": ""}, "TRANSLATOR_LIBRE_URL"),
        ({"TRANSLATOR_BACKENDS": "ht-es=microsoft", "TRANSLATOR_MICROSOFT_KEY": ""}, "TRANSLATOR_MICROSOFT_KEY"),
    ],
)
def test_a_translator_configuration_that_cannot_work_is_refused(
    env: dict[str, str], complaint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit, match=complaint):
        settings.load()


def test_the_cache_table_is_there_after_migration(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        assert session.scalar(select(func.count()).select_from(TranslationCacheEntry)) == 0

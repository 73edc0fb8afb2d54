"""The FAQ editor through the console's pages: entries in three languages, machine drafts through
the real translation client (a fake LibreTranslate on loopback), and Publish when it must fail:
a question another topic already teaches, a training that breaks. The old model keeps serving."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette

from console import publish
from puente.stack import TRAINING_INPUTS
from records import faq
from records.db import unit_of_work
from tests.conftest import TOKEN, Servers
from tests.console.conftest import STAFF, Browser
from tests.fakes.libretranslate import FakeLibreTranslate


def training_copy(root: Path) -> Path:
    """The project's training data in a folder of the test's own, so Publish never edits the repo's."""
    from puente import settings

    root.mkdir(parents=True, exist_ok=True)
    for name in TRAINING_INPUTS:
        source = settings.ROOT / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, root / name)
    return root


def new_entry(browser: Browser, question: str, language: str = "es") -> int:
    response = browser.post("/faq/nueva", {"question": question, "language": language, "key": ""})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


def save(browser: Browser, entry_id: int, **fields: str) -> None:
    data = {"active": "1"} | fields
    response = browser.post(f"/faq/{entry_id}", data)
    assert response.status_code == 303


def test_staff_write_an_entry_in_three_languages_and_the_answer_is_live_without_publishing(
    clerk: Browser, engine: Engine
) -> None:
    entry_id = new_entry(clerk, "¿Hay wifi en la oficina?")
    page = clerk.client.get(f"/faq/{entry_id}").text
    assert "¿Hay wifi en la oficina?" in page and 'dir="rtl"' in page  # the Arabic column reads right to left
    save(
        clerk,
        entry_id,
        es_questions="¿Hay wifi en la oficina?\ncual es la clave del wifi",
        es_answer="Sí: la red «Quilicura-Migrantes» es gratuita.",
        ht_questions="eske gen wifi nan biwo a\nki modpas wifi a",
        ht_answer="Wi: rezo «Quilicura-Migrantes» la gratis.",
        ar_questions="في واي فاي بالمكتب؟\nشو كلمة سر الواي فاي",
        ar_answer="نعم: شبكة «Quilicura-Migrantes» مجانية.",
    )
    assert "llegan al bot al Publicar" in clerk.client.get(f"/faq/{entry_id}").text
    with unit_of_work(engine) as session:
        for lang, start in (("es", "Sí"), ("ht", "Wi"), ("ar", "نعم")):
            found = faq.answer(session, "hay_wifi_en_la_oficina", lang)
            assert found is not None and found.text.startswith(start) and not found.machine
    listing = clerk.client.get("/faq").text
    assert "hay_wifi_en_la_oficina" in listing and "sin publicar" in listing and "Hay preguntas sin publicar" in listing


def test_staff_mark_an_entry_verified_against_its_source_and_a_changed_answer_goes_back_to_review(
    clerk: Browser, engine: Engine
) -> None:
    entry_id = new_entry(clerk, "donde pago la multa de extranjeria")
    fields = {"es_questions": "donde pago la multa de extranjeria\ncomo pago una multa migratoria",
              "es_answer": "En el sitio del Servicio Nacional de Migraciones.", "topic": "regularisation"}  # fmt: skip
    save(clerk, entry_id, **fields)
    refused = clerk.post(f"/faq/{entry_id}/revision", {"action": "verify"})
    assert "Sin fuente oficial" in clerk.client.get(refused.headers["location"]).text
    save(clerk, entry_id, **fields, source_url="https://serviciomigraciones.cl")
    listing = clerk.client.get("/faq").text
    assert "por revisar" in listing and "https://serviciomigraciones.cl" in listing
    clerk.post(f"/faq/{entry_id}/revision", {"action": "verify"})
    with unit_of_work(engine) as session:
        entry = faq.by_key(session, "donde_pago_la_multa_de_extranjeria")
        assert entry is not None and entry.verified and entry.verified_by == STAFF[0]
        found = faq.answer(session, entry.key, "es")
        assert found is not None and found.verified and found.source == "https://serviciomigraciones.cl"
    assert "Revisada por" in clerk.client.get(f"/faq/{entry_id}").text
    save(
        clerk,
        entry_id,
        **(fields | {"es_answer": "En el sitio web del Servicio."}),
        source_url="https://serviciomigraciones.cl",
    )
    with unit_of_work(engine) as session:
        entry = faq.by_key(session, "donde_pago_la_multa_de_extranjeria")
        assert entry is not None and not entry.verified


def test_an_unanswered_question_becomes_an_entry_in_one_click(clerk: Browser) -> None:
    form = clerk.client.get("/faq/nueva", params={"pregunta": "eske gen pakin pou machin", "idioma": "ht"}).text
    assert 'value="eske gen pakin pou machin"' in form and 'value="eske_gen_pakin_pou_machin"' in form
    entry_id = new_entry(clerk, "eske gen pakin pou machin", "ht")
    assert "eske gen pakin pou machin" in clerk.client.get(f"/faq/{entry_id}").text


@pytest.fixture
def libre(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLibreTranslate]:
    fake = FakeLibreTranslate().start()  # es and ar, no Creole: as a real self-hosted LibreTranslate
    monkeypatch.setenv("TRANSLATOR_BACKENDS", "es-ar=libre")
    monkeypatch.setenv("TRANSLATOR_LIBRE_URL", fake.url)
    yield fake
    fake.stop()


def test_a_draft_translation_is_marked_unreviewed_until_approved(
    clerk: Browser, engine: Engine, libre: FakeLibreTranslate
) -> None:
    entry_id = new_entry(clerk, "hay wifi")
    save(clerk, entry_id, es_questions="hay wifi\nclave del wifi", es_answer="Hola")
    response = clerk.post(f"/faq/{entry_id}/borrador/ar", {}, page=f"/faq/{entry_id}")
    assert response.status_code == 303
    page = clerk.client.get(f"/faq/{entry_id}").text
    assert "traducción automática sin revisar" in page and "مرحبا" in page
    assert {r["q"] for r in libre.received()} == {"Hola", "hay wifi", "clave del wifi"}
    with unit_of_work(engine) as session:
        assert faq.answer(session, "hay_wifi", "ar") == faq.Answer("مرحبا", "ar", machine=True)
    save(
        clerk, entry_id, es_questions="hay wifi\nclave del wifi", es_answer="Hola",
        ar_questions="في واي فاي\nكلمة سر الواي فاي", ar_answer="مرحبا", ar_reviewed="1",
    )  # fmt: skip
    with unit_of_work(engine) as session:
        assert faq.answer(session, "hay_wifi", "ar") == faq.Answer("مرحبا", "ar", machine=False)


def test_a_draft_when_no_service_translates_the_language_says_so_and_writes_nothing(
    clerk: Browser, engine: Engine, libre: FakeLibreTranslate
) -> None:
    entry_id = new_entry(clerk, "hay wifi")
    save(clerk, entry_id, es_questions="hay wifi\nclave del wifi", es_answer="Hola")
    clerk.post(f"/faq/{entry_id}/borrador/ht", {}, page=f"/faq/{entry_id}")  # no Creole backend configured
    assert "no está disponible" in clerk.client.get(f"/faq/{entry_id}").text
    libre.stop()  # and a configured one that is down
    clerk.post(f"/faq/{entry_id}/borrador/ar", {}, page=f"/faq/{entry_id}")
    assert "no está disponible" in clerk.client.get(f"/faq/{entry_id}").text
    with unit_of_work(engine) as session:
        entry = faq.by_key(session, "hay_wifi")
        assert entry is not None and {t.language for t in entry.texts} == {"es"}


def test_publish_refuses_a_question_that_another_topic_already_teaches(engine: Engine, tmp_path: Path) -> None:
    root = training_copy(tmp_path / "data")
    before = (root / "nlu" / "es" / "faq.yml").read_text(encoding="utf-8")
    with unit_of_work(engine) as session:
        entry = faq.create(session, "borrar")
        faq.save_text(session, entry, "es", ["Borra mis datos", "como borro todo"], "Escriba «borrar mis datos».", True)
        publication = publish.begin(session, "ana@quilicura.cl")

    def trainer(root: Path, models: Path, log: Path) -> Path:
        raise AssertionError("nothing may be trained with a clashing question")

    publish.run(engine, publication.id, publish.Target(root, tmp_path / "models", ("http://127.0.0.1:9",)), trainer)
    with unit_of_work(engine) as session:
        row = publish.latest(session)
        assert row is not None and row.state == "failed"
        assert "«Borra mis datos» (borrar, es) ya es un ejemplo de «forget_me»" in row.detail
        assert faq.by_key(session, "borrar").published_at is None  # type: ignore[union-attr]
    assert (root / "nlu" / "es" / "faq.yml").read_text(encoding="utf-8") == before


def test_only_one_publication_runs_at_a_time(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        publish.begin(session, "ana@quilicura.cl")
    with unit_of_work(engine) as session, pytest.raises(publish.Busy):
        publish.begin(session, "pedro@quilicura.cl")


@pytest.mark.servers
def test_a_failed_training_leaves_the_old_model_serving_and_says_why(
    app: Starlette, clerk: Browser, engine: Engine, servers: Servers, tmp_path: Path
) -> None:
    serving = httpx.get(f"{servers.rasa_url}/status", params=TOKEN, timeout=30).json()["model_file"]
    root = training_copy(tmp_path / "data")
    (root / "config.yml").write_text(
        (root / "config.yml").read_text(encoding="utf-8").replace("name: ResponseSelector", "name: NoSuchSelector"),
        encoding="utf-8",
    )  # a broken pipeline: `rasa train` fails after a few seconds
    before = {p: p.read_text(encoding="utf-8") for p in (root / "nlu").rglob("faq.yml")}
    app.state.publish_target = publish.Target(root, tmp_path / "models", (servers.rasa_url,))
    entry_id = new_entry(clerk, "hay wifi")
    save(clerk, entry_id, es_questions="hay wifi en la oficina\nclave del wifi", es_answer="Sí, gratis.")
    assert clerk.post("/faq/publicar", {}, page="/faq").status_code == 303
    deadline = time.monotonic() + 240
    while "En curso" in (listing := clerk.client.get("/faq").text) and time.monotonic() < deadline:
        assert 'http-equiv="refresh"' in listing  # the page follows the progress by itself
        time.sleep(2)
    assert "falló" in listing and "El entrenamiento falló; el bot sigue con el modelo anterior" in listing
    assert "NoSuchSelector" in listing  # why, from Rasa's own output
    assert httpx.get(f"{servers.rasa_url}/status", params=TOKEN, timeout=30).json()["model_file"] == serving
    assert {p: p.read_text(encoding="utf-8") for p in (root / "nlu").rglob("faq.yml")} == before
    assert not list((tmp_path / "models").glob("*.tar.gz"))
    with unit_of_work(engine) as session:
        assert faq.by_key(session, "hay_wifi").published_at is None  # type: ignore[union-attr]

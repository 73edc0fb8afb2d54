"""The console in a real browser (Debian's headless chromium driven by Playwright), served by the
real command (`python -m console serve`) beside the real Rasa and action servers: what staff change
in the page is what the bot says next."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from puente import settings
from puente.stack import LOGS, Stack, free_port, model_path, wait_http
from records import indicators, lease
from records.db import unit_of_work
from records.indicators import Month
from records.models import OutboxMessage, Service, ServiceText
from tests.conftest import TOKEN, Servers
from tests.console.conftest import ADMIN, make_accounts
from tests.e2e.phrases import PHRASES
from tests.records.helpers import resident

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = settings.ROOT / "var" / "screenshots"

pytestmark = pytest.mark.servers


def chromium() -> Path:
    if CHROMIUM.is_file():
        return CHROMIUM
    reason = f"{CHROMIUM} is missing: apt-get install -y chromium (Playwright cannot download a browser here)"
    if os.environ.get("CI"):  # CI must run the browser tests, never skip them
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class LiveConsole:
    url: str
    servers: Servers


@pytest.fixture(scope="module")
def live_console(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveConsole]:
    chromium()
    make_accounts(servers.records)
    port = free_port()
    env = dict(os.environ, DATABASE_URL=servers.records_url, CONSOLE_PORT=str(port), CONSOLE_HOST="127.0.0.1",
               CONSOLE_SECRET="browser-test-" + "s" * 32,
               TRACKER_DATABASE_URL=servers.tracker.url.render_as_string(hide_password=False))  # fmt: skip
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / f"console.{port}.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "console", "serve"], cwd=settings.ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/login", 30, process)
        yield LiveConsole(f"http://127.0.0.1:{port}", servers)
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def page(live_console: LiveConsole) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium()), headless=True, args=["--no-sandbox"])
        context = browser.new_context(locale="es-CL", viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(15000)
        yield tab
        context.close()
        browser.close()


def log_in(page, console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{console.url}/servicios")
    assert "/login?next=/servicios" in page.url  # nothing without signing in
    page.get_by_label("Correo electrónico").fill(ADMIN[0])
    page.get_by_label("Contraseña").fill(ADMIN[1])
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url(f"{console.url}/servicios")


def ask(servers: Servers, sender: str, message: str) -> str:
    reply = httpx.post(f"{servers.rasa_url}/webhooks/rest/webhook", json={"sender": sender, "message": message},
                       timeout=60)  # fmt: skip
    reply.raise_for_status()
    return "\n".join(r.get("text") or "" for r in reply.json())


def test_staff_edit_a_creole_text_in_the_browser_and_the_bot_says_it(page, live_console: LiveConsole) -> None:  # type: ignore[no-untyped-def]
    servers = live_console.servers
    with unit_of_work(servers.records) as session:
        service = session.scalars(select(Service).where(Service.key == "health")).one()
        creole = next(t for t in service.texts if t.language == "ht")
        original = creole.description
    new_text = "Sant sante Quilicura: vini ak paspò ou ak yon prèv adrès, lendi rive vandredi."
    log_in(page, live_console)
    page.locator(f"a[href='/servicios/{service.id}']").click()
    creole_box = page.locator("textarea[name=ht_description]")
    assert page.locator("textarea[name=ar_description]").evaluate("e => getComputedStyle(e).direction") == "rtl"
    creole_box.fill(new_text)
    page.get_by_role("button", name="Guardar").click()
    page.get_by_text("el bot ya usa estos datos").wait_for()
    try:
        said = ask(servers, "console-test:ht-health", PHRASES["ht"]["health"])
        assert new_text in said
    finally:
        with unit_of_work(servers.records) as session:
            session.scalars(select(ServiceText).where(ServiceText.id == creole.id)).one().description = original


def test_a_lease_decision_in_the_browser_queues_the_applicants_notice_and_the_indicators_show(  # type: ignore[no-untyped-def]
    page, live_console: LiveConsole
) -> None:
    servers = live_console.servers
    with unit_of_work(servers.records) as session:
        person = resident(session, "console-test:ar-lease", "ar")
        reference = lease.apply(session, person, 4, "under_500k").reference
    log_in(page, live_console)
    page.goto(f"{live_console.url}/aval")
    page.get_by_role("link", name=reference).click()
    page.get_by_label("Nuevo estado").select_option("documents_needed")
    page.get_by_role("button", name="Cambiar estado y avisar").click()
    page.get_by_text("Se avisó a la persona en su idioma").wait_for()
    assert page.locator("#status").inner_text() == "Faltan documentos"
    with unit_of_work(servers.records) as session:
        notice = session.scalars(select(OutboxMessage).where(OutboxMessage.sender_id == "console-test:ar-lease")).one()
    assert notice.language == "ar" and any("\u0600" <= ch <= "\u06ff" for ch in notice.text)
    ask(servers, "console-test:indicators", "hola")  # at least one conversation this month
    page.get_by_role("link", name="Indicadores").click()
    page.get_by_role("heading", name="Conversaciones por tema e idioma").wait_for()
    with unit_of_work(servers.records) as session:
        requested = indicators.lease(session, Month.parse(None)).totals()["requested"]
    assert requested >= 1
    assert page.locator("table#aval tfoot").inner_text().split()[1] == str(requested)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "indicadores.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


@dataclass
class PublishingConsole:
    url: str
    rasa_url: str
    root: Path


@pytest.fixture(scope="module")
def publishing_console(servers: Servers, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PublishingConsole]:
    """A console whose Publish trains a copy of the training data and loads the model into a Rasa
    server of its own: the session's shared server keeps the model the other tests expect."""
    from tests.console.test_faq import training_copy

    chromium()
    make_accounts(servers.records)
    folder = tmp_path_factory.mktemp("publish")
    root = training_copy(folder / "data")
    stack = Stack(
        rasa_port=free_port(),
        action_port=free_port(),
        model=servers.stack.model or model_path(),
        env={"DATABASE_URL": servers.records_url, "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.db'}"},
    )
    stack.start()
    port = free_port()
    env = dict(os.environ, DATABASE_URL=servers.records_url, CONSOLE_PORT=str(port), CONSOLE_HOST="127.0.0.1",
               CONSOLE_SECRET="publish-test-" + "s" * 32, RASA_URL=stack.rasa_url, RASA_URLS="",
               CONSOLE_TRAINING_DIR=str(root), CONSOLE_MODELS_DIR=str(folder / "models"))  # fmt: skip
    with open(LOGS / f"console.{port}.log", "ab") as log:
        process = subprocess.Popen([sys.executable, "-m", "console", "serve"], cwd=settings.ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        wait_http(f"http://127.0.0.1:{port}/login", 30, process)
        yield PublishingConsole(f"http://127.0.0.1:{port}", stack.rasa_url, root)
    finally:
        process.terminate()
        process.wait(timeout=15)
        stack.stop()


WIFI = {
    "es": (["¿Hay wifi en la oficina?", "cual es la clave del wifi", "tienen internet gratis para conectarse",
            "puedo usar el wifi de la muni", "se puede usar internet en la oficina",
            "la muni tiene wifi gratis para los migrantes"],
           "Sí: la red «Quilicura-Migrantes» es gratuita, sin clave."),
    "ht": (["eske gen wifi nan biwo a", "ki modpas wifi a", "eske m ka konekte sou entènèt la gratis",
            "nou gen wifi pou moun k ap tann yo?", "eske biwo migran an gen entènèt", "m ka itilize wifi biwo a?"],
           "Wi: rezo «Quilicura-Migrantes» la gratis, san modpas."),
    "ar": (["في واي فاي بالمكتب؟", "شو كلمة سر الواي فاي", "بقدر اتصل بالانترنت عندكم ببلاش",
            "عندكم wifi للناس اللي بستنوا", "مكتب المهاجرين فيه انترنت؟", "بقدر استعمل الواي فاي بالمكتب"],
           "نعم: شبكة «Quilicura-Migrantes» مجانية وبدون كلمة سر."),
}  # fmt: skip
# Not among the examples above: the model has to recognise them.
NEW_QUESTIONS = {"es": "oye hay wifi aca en la oficina de migrantes?", "ht": "wifi a mache nan biwo migran an?",
                 "ar": "كيف بتصل على الواي فاي عندكم بالمكتب؟"}  # fmt: skip
# ("هل يوجد wifi مجاني…", with "free" in it, went to the seeded free_of_charge entry: an entry with
# four examples is recognised by its own words, so staff are told to write several. With four, a
# question naming the office ("biwo migran") also fell below the cut-off once the service data
# grew: six examples each, two of them naming the office or the municipality.)


def test_staff_add_a_question_in_three_languages_publish_and_the_bot_answers_it(  # type: ignore[no-untyped-def]
    page, publishing_console: PublishingConsole
) -> None:
    console = publishing_console
    serving = httpx.get(f"{console.rasa_url}/status", params=TOKEN, timeout=30).json()["model_file"]
    page.goto(f"{console.url}/faq")
    page.get_by_label("Correo electrónico").fill(ADMIN[0])
    page.get_by_label("Contraseña").fill(ADMIN[1])
    page.get_by_role("button", name="Entrar").click()
    page.get_by_role("link", name="Nueva pregunta frecuente").click()
    page.get_by_label("Pregunta, como la escribe la gente").fill(WIFI["es"][0][0])
    page.get_by_label("Clave").fill("wifi")
    page.get_by_role("button", name="Crear").click()
    page.get_by_text("Pregunta creada").wait_for()
    for lang, (questions, answer) in WIFI.items():
        page.locator(f"textarea[name={lang}_questions]").fill("\n".join(questions))
        page.locator(f"textarea[name={lang}_answer]").fill(answer)
    assert page.locator("textarea[name=ar_answer]").evaluate("e => getComputedStyle(e).direction") == "rtl"
    page.get_by_role("button", name="Guardar").click()
    page.get_by_text("llegan al bot al Publicar").wait_for()
    page.get_by_role("link", name="Volver a la lista").click()
    page.get_by_role("button", name="Publicar").click()
    page.get_by_text("Publicación iniciada").wait_for()
    # Training takes minutes; the page reloads itself every few seconds until it is done.
    page.get_by_text(re.compile("Última publicación|falló")).wait_for(timeout=20 * 60 * 1000)
    assert "Última publicación" in page.locator("#publicacion").inner_text(), page.locator("#publicacion").inner_text()
    assert httpx.get(f"{console.rasa_url}/status", params=TOKEN, timeout=30).json()["model_file"] != serving
    assert "faq/wifi" in (console.root / "nlu" / "ht" / "faq.yml").read_text(encoding="utf-8")
    for lang, question in NEW_QUESTIONS.items():
        reply = httpx.post(f"{console.rasa_url}/webhooks/rest/webhook", timeout=60,
                           json={"sender": f"publish-test:{lang}", "message": question})  # fmt: skip
        said = "\n".join(r.get("text") or "" for r in reply.json())
        assert WIFI[lang][1] in said, (lang, question, said)

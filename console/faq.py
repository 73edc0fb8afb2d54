"""The FAQ editor: questions and answers side by side in es / ht / ar, machine drafts, Publish.

Answers are live as soon as they are saved (the bot reads them from the records); new or changed
questions reach the bot through Publish (console/publish.py), which trains and loads a model.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.responses import Response
from starlette.routing import Route

from bot.translation import TranslationUnavailable, translate
from console import publish
from console.auth import Ctx, page
from puente import i18n
from records import faq
from records.models import FaqEntry, utcnow


def _target(ctx: Ctx) -> publish.Target:
    found = getattr(ctx.request.app.state, "publish_target", None)
    return found if found is not None else publish.default_target()


@page()
def faq_list(ctx: Ctx) -> Response:
    entries = sorted(faq.entries(ctx.db), key=lambda e: (e.verified, e.topic, e.key))  # drafts first
    rows = [(e, {t.language: t for t in e.texts}, faq.problems(e)) for e in entries]
    target = _target(ctx)
    return ctx.render(
        "faq.html",
        rows=rows,
        drafts=sum(1 for e in entries if not e.verified),
        langs=i18n.languages(),
        latest=publish.latest(ctx.db),
        pending=publish.pending(ctx.db, target.root),
    )


@page()
def faq_new_form(ctx: Ctx) -> Response:
    """Also the target of "turn into an FAQ" on the indicators' unanswered questions."""
    question = ctx.request.query_params.get("pregunta", "")[:300]
    language = i18n.supported(ctx.request.query_params.get("idioma"))
    return ctx.render(
        "faq_new.html", question=question, language=language, key=faq.key_from(question), langs=i18n.languages()
    )


@page()
def faq_create(ctx: Ctx) -> Response:
    question = ctx.field("question")[:300]
    language = i18n.supported(ctx.field("language"))
    key = ctx.field("key") or faq.key_from(question)
    try:
        entry = faq.create(ctx.db, key)
    except faq.FaqError as error:
        query = urlencode({"pregunta": question, "idioma": language})
        return ctx.back(f"/faq/nueva?{query}", str(error), "error")
    if question:
        faq.save_text(ctx.db, entry, language, [question], "", reviewed=True)
    return ctx.back(f"/faq/{entry.id}", "Pregunta creada: escriba más formas de preguntarlo y la respuesta.")


def _entry(ctx: Ctx) -> FaqEntry | None:
    return ctx.db.get(FaqEntry, int(ctx.param("id")))


@page()
def faq_form(ctx: Ctx) -> Response:
    entry = _entry(ctx)
    if entry is None:
        return ctx.render("missing.html", status_code=404)
    texts = {t.language: t for t in entry.texts}
    return ctx.render("faq_edit.html", entry=entry, texts=texts, langs=i18n.languages(), problems=faq.problems(entry))


@page()
def faq_save(ctx: Ctx) -> Response:
    entry = _entry(ctx)
    if entry is None:
        return ctx.render("missing.html", status_code=404)
    before = {t.language: list(t.questions) for t in entry.texts}
    answers_before = {t.language: t.answer for t in entry.texts}
    for lang in i18n.languages():
        faq.save_text(
            ctx.db,
            entry,
            lang,
            ctx.field(f"{lang}_questions").splitlines(),
            ctx.field(f"{lang}_answer"),
            reviewed=ctx.field(f"{lang}_reviewed") == "1",
        )
    entry.active = ctx.field("active") == "1"
    entry.topic = ctx.field("topic")[:40]
    entry.source_url = ctx.field("source_url")[:500]
    entry.source_note = ctx.field("source_note")[:2000]
    after = {t.language: list(t.questions) for t in entry.texts}
    message = "Guardado: el bot ya da esta respuesta."
    if entry.verified and {t.language: t.answer for t in entry.texts} != answers_before:
        faq.unverify(entry)  # a changed answer has not been checked against its source yet
        message += " La respuesta cambió: vuelve a quedar por revisar."
    if after != before:
        message += " Las preguntas nuevas o cambiadas llegan al bot al Publicar."
    return ctx.back(f"/faq/{entry.id}", message)


@page()
def faq_draft(ctx: Ctx) -> Response:
    entry = _entry(ctx)
    language = ctx.param("lang")
    if entry is None or language not in i18n.languages():
        return ctx.render("missing.html", status_code=404)
    engine = ctx.request.app.state.engine

    def machine(text: str, source: str, target: str) -> str:
        return translate(text, source, target, engine=engine).text

    try:
        faq.draft(ctx.db, entry, language, machine)
    except TranslationUnavailable:
        return ctx.back(
            f"/faq/{entry.id}",
            "El servicio de traducción no está disponible (o no está configurado para este idioma): "
            "escriba el texto a mano o intente más tarde.",
            "error",
        )
    except faq.FaqError as error:
        return ctx.back(f"/faq/{entry.id}", str(error), "error")
    return ctx.back(
        f"/faq/{entry.id}",
        "Borrador hecho por traducción automática: revíselo y marque «Revisada». Hasta entonces el bot "
        "avisa que es una traducción automática.",
    )


@page()
def faq_review(ctx: Ctx) -> Response:
    """Staff mark an entry checked against its official source (who and when), or back to draft."""
    entry = _entry(ctx)
    if entry is None:
        return ctx.render("missing.html", status_code=404)
    if ctx.field("action") == "unverify":
        faq.unverify(entry)
        return ctx.back(f"/faq/{entry.id}", "Vuelve a quedar por revisar: el bot avisa que no está revisada.")
    try:
        faq.verify(ctx.db, entry, ctx.account.email if ctx.account else "", utcnow())
    except faq.FaqError as error:
        return ctx.back(f"/faq/{entry.id}", str(error), "error")
    return ctx.back(f"/faq/{entry.id}", "Marcada como revisada: el bot la da sin aviso, con su fuente.")


@page()
def faq_publish(ctx: Ctx) -> Response:
    try:
        publication = publish.begin(ctx.db, ctx.account.email if ctx.account else "")
    except publish.Busy as error:
        return ctx.back("/faq", str(error), "error")
    ctx.db.commit()  # the background run reads this row from its own session
    publish.start(ctx.request.app.state.engine, publication.id, _target(ctx))
    return ctx.back("/faq", "Publicación iniciada: el bot sigue respondiendo mientras tanto.")


routes = [
    Route("/faq", faq_list, methods=["GET"]),
    Route("/faq/nueva", faq_new_form, methods=["GET"]),
    Route("/faq/nueva", faq_create, methods=["POST"]),
    Route("/faq/publicar", faq_publish, methods=["POST"]),
    Route("/faq/{id:int}", faq_form, methods=["GET"]),
    Route("/faq/{id:int}", faq_save, methods=["POST"]),
    Route("/faq/{id:int}/borrador/{lang}", faq_draft, methods=["POST"]),
    Route("/faq/{id:int}/revision", faq_review, methods=["POST"]),
]

"""The services directory: address, phone and link, and per language the name, hours and documents."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from console.auth import Ctx, page
from records.models import Service, ServiceText
from records.texts import localized

LANGS = ("es", "ht", "ar")


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


@page()
def service_list(ctx: Ctx) -> Response:
    services = ctx.db.scalars(select(Service).order_by(Service.category, Service.key)).all()
    rows = [(s, localized(s.texts, "es")[0]) for s in services]
    return ctx.render("services.html", rows=rows)


@page()
def service_form(ctx: Ctx) -> Response:
    service = ctx.db.get(Service, int(ctx.param("id")))
    if service is None:
        return ctx.render("missing.html", status_code=404)
    texts = {t.language: t for t in service.texts}
    return ctx.render("service_edit.html", service=service, texts=texts, langs=LANGS)


@page()
def service_save(ctx: Ctx) -> Response:
    service = ctx.db.get(Service, int(ctx.param("id")))
    if service is None:
        return ctx.render("missing.html", status_code=404)
    service.address = ctx.field("address")[:200]
    service.phone = ctx.field("phone")[:60]
    service.url = ctx.field("url")[:200]
    texts = {t.language: t for t in service.texts}
    for lang in LANGS:
        name = ctx.field(f"{lang}_name")
        if not name:  # an empty name leaves the language out (the bot then uses Spanish, and says so)
            continue
        text = texts.get(lang)
        if text is None:
            text = ServiceText(language=lang, name=name)
            service.texts.append(text)
        text.name = name[:200]
        text.description = ctx.field(f"{lang}_description")
        text.hours = ctx.field(f"{lang}_hours")[:200]
        text.requirements = lines(ctx.field(f"{lang}_requirements"))
        text.aliases = lines(ctx.field(f"{lang}_aliases"))
        # Saved by a person: reviewed, unless they keep the "machine translation" mark on purpose.
        text.machine_translated = ctx.field(f"{lang}_machine") == "1"
    return ctx.back(f"/servicios/{service.id}", "Servicio guardado: el bot ya usa estos datos.")


routes = [
    Route("/servicios", service_list, methods=["GET"]),
    Route("/servicios/{id:int}", service_form, methods=["GET"]),
    Route("/servicios/{id:int}", service_save, methods=["POST"]),
]

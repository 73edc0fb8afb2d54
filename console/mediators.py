"""Mediators (admin only): who may take a conversation over on Telegram, and in which languages."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from console.auth import Ctx, page
from records import handoffs
from records.models import Mediator, StaffRole

LANGS = ("es", "ht", "ar")


@page(role=StaffRole.admin)
def mediator_list(ctx: Ctx) -> Response:
    people = ctx.db.scalars(select(Mediator).order_by(Mediator.active.desc(), Mediator.name)).all()
    return ctx.render("mediators.html", people=people, langs=LANGS)


@page(role=StaffRole.admin)
def mediator_save(ctx: Ctx) -> Response:
    """Adds a mediator, or updates the one with that Telegram id (records.handoffs.register_mediator)."""
    telegram_id, name = ctx.field("telegram_user_id"), ctx.field("name")
    languages = [code for code in ctx.fields("languages") if code in LANGS]
    if not telegram_id.isdigit() or not 0 < int(telegram_id) < 2**63:
        return ctx.back("/mediadores", "El id de Telegram es un número (la persona lo ve con @userinfobot).", "error")
    if not name or not languages:
        return ctx.back("/mediadores", "Indique el nombre y al menos un idioma.", "error")
    person = handoffs.register_mediator(
        ctx.db, int(telegram_id), name[:120], languages, active=ctx.field("active", "1") == "1"
    )
    state = "activo" if person.active else "inactivo"
    return ctx.back("/mediadores", f"Mediador {person.name} guardado ({state}, {', '.join(person.languages)}).")


routes = [
    Route("/mediadores", mediator_list, methods=["GET"]),
    Route("/mediadores", mediator_save, methods=["POST"]),
]

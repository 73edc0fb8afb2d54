"""Signing in and out, the home page, and changing one's own password."""

from __future__ import annotations

from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from console.auth import Ctx, page, sign_in
from records import staff


def _safe_next(target: str) -> str:
    """Only a path of this site (an open redirect would send staff to a look-alike page)."""
    return target if target.startswith("/") and not target.startswith("//") and "\\" not in target else "/"


@page(role=None)
def login_form(ctx: Ctx) -> Response:
    if ctx.account is not None:
        return RedirectResponse("/", status_code=303)
    return ctx.render("login.html", next=_safe_next(ctx.request.query_params.get("next", "/")))


@page(role=None)
def login_submit(ctx: Ctx) -> Response:
    email = ctx.field("email").lower()
    throttle = ctx.request.app.state.throttle
    target = _safe_next(ctx.field("next", "/"))
    if throttle.blocked(email):
        return ctx.render("login.html", status_code=429, next=target, email=email,
                          error="Demasiados intentos fallidos. Espere 15 minutos.")  # fmt: skip
    account = staff.authenticate(ctx.db, email, ctx.secret("password"))
    if account is None:
        throttle.failed(email)
        return ctx.render("login.html", status_code=401, next=target, email=email,
                          error="Correo o contraseña incorrectos.")  # fmt: skip
    throttle.succeeded(email)
    sign_in(ctx.request, account)
    return RedirectResponse(target, status_code=303)


@page()
def logout(ctx: Ctx) -> Response:
    ctx.request.session.clear()
    return RedirectResponse("/login", status_code=303)


@page()
def home(ctx: Ctx) -> Response:
    return ctx.render("home.html")


@page()
def own_account(ctx: Ctx) -> Response:
    return ctx.render("own_account.html")


@page()
def own_password(ctx: Ctx) -> Response:
    assert ctx.account is not None
    if staff.authenticate(ctx.db, ctx.account.email, ctx.secret("current")) is None:
        return ctx.back("/cuenta", "La contraseña actual no es correcta.", "error")
    if ctx.secret("new") != ctx.secret("again"):
        return ctx.back("/cuenta", "Las dos contraseñas nuevas no coinciden.", "error")
    try:
        staff.set_password(ctx.db, ctx.account, ctx.secret("new"))
    except staff.AccountError as error:
        return ctx.back("/cuenta", str(error), "error")
    ctx.db.flush()
    sign_in(ctx.request, ctx.account)  # this session stays; the others end (their stamp is old)
    return ctx.back("/", "Contraseña cambiada.")


routes = [
    Route("/login", login_form, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/", home, methods=["GET"]),
    Route("/cuenta", own_account, methods=["GET"]),
    Route("/cuenta", own_password, methods=["POST"]),
]

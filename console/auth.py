"""Who may see a page: the signed session cookie, the account behind it, its role, the CSRF token.

Every route of the console is declared through `page()`, so none can forget the checks: an anonymous
request is sent to the login page, a staff account gets 403 on an admin page, and a POST without the
session's CSRF token gets 403 before the handler runs.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from puente import keys
from records.db import unit_of_work
from records.models import StaffAccount, StaffRole

CSRF_FIELD = "csrf"


def csrf_token(request: Request) -> str:
    """The session's token, made on first use; forms carry it in a hidden field."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(32)
    return token


def csrf_ok(request: Request, form: FormData) -> bool:
    sent = form.get(CSRF_FIELD)
    expected = request.session.get("csrf")
    return isinstance(sent, str) and bool(expected) and keys.same(sent, expected)


def session_stamp(account: StaffAccount) -> str:
    """A digest of the password hash kept in the cookie: a new password ends the other sessions.
    (The cookie is signed, not encrypted: it carries no part of the hash itself.)"""
    return hashlib.sha256(account.password_hash.encode()).hexdigest()[:16]


def sign_in(request: Request, account: StaffAccount) -> None:
    request.session.clear()  # no session fixation: a fresh session (and CSRF token) at login
    request.session.update(uid=account.id, stamp=session_stamp(account), csrf=secrets.token_urlsafe(32))


def flash(request: Request, message: str, kind: str = "ok") -> None:
    request.session.setdefault("flash", []).append([kind, message])


@dataclass
class Ctx:
    """What a handler gets: the request, its form (POST), the signed-in account and a records session."""

    request: Request
    form: FormData | None
    account: StaffAccount | None
    db: Session
    render: Callable[..., Response]
    extra: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def field(self, name: str, default: str = "") -> str:
        value = self.form.get(name) if self.form is not None else None
        return value.strip() if isinstance(value, str) else default

    def secret(self, name: str) -> str:
        """A password as typed: spaces at either end are part of it."""
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else ""

    def fields(self, name: str) -> list[str]:
        return [v for v in (self.form.getlist(name) if self.form is not None else []) if isinstance(v, str)]

    def back(self, url: str, message: str = "", kind: str = "ok") -> RedirectResponse:
        if message:
            flash(self.request, message, kind)
        return RedirectResponse(url, status_code=303)


Handler = Callable[[Ctx], Response]


def page(role: StaffRole | None = StaffRole.staff) -> Callable[[Handler], Callable[[Request], Any]]:
    """Wraps a handler: account and role (None: open to anyone, like the login page), CSRF on POST.

    The handler runs in a worker thread, inside one unit of work (committed unless it raises).
    """

    def wrap(handler: Handler) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            form = await request.form() if request.method == "POST" else None
            if form is not None and not csrf_ok(request, form):
                return PlainTextResponse("Formulario vencido o inválido (CSRF). Vuelva a cargar la página.", 403)
            return await run_in_threadpool(_serve, request, form, handler, role)

        endpoint.__name__ = handler.__name__
        endpoint.role = role  # type: ignore[attr-defined]  # read by the tests that walk every route
        return endpoint

    return wrap


def _serve(request: Request, form: FormData | None, handler: Handler, role: StaffRole | None) -> Response:
    engine: Engine = request.app.state.engine
    with unit_of_work(engine) as db:
        account = current_account(request, db)
        if role is not None:
            if account is None:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
            if role is StaffRole.admin and account.role is not StaffRole.admin:
                return request.app.state.render(request, account, "denied.html", status_code=403)

        def render(template: str, status_code: int = 200, **values: Any) -> Response:
            return request.app.state.render(request, account, template, status_code=status_code, **values)

        return handler(Ctx(request, form, account, db, render))


def current_account(request: Request, db: Session) -> StaffAccount | None:
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        return None
    account = db.get(StaffAccount, uid)
    if account is None or not account.active or request.session.get("stamp") != session_stamp(account):
        request.session.clear()
        return None
    return account


class LoginThrottle:
    """At most `limit` failed logins per e-mail in `window` seconds: slows down password guessing."""

    def __init__(self, limit: int = 5, window: float = 900.0) -> None:
        self.limit, self.window = limit, window
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        times = self.failures[key]
        while times and times[0] < time.monotonic() - self.window:
            times.popleft()
        return times

    def blocked(self, key: str) -> bool:
        return len(self._recent(key)) >= self.limit

    def failed(self, key: str) -> None:
        self._recent(key).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        self.failures.pop(key, None)

"""The console's application: routes, templates, sessions and the security headers."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from console import accounts, faq, health, indicators, lease, login, mediators, services, workshops
from console.auth import LoginThrottle, csrf_token
from puente import keys, settings
from records import db
from records.indicators import OFFICE_TZ
from records.models import StaffAccount

HERE = Path(__file__).parent
SESSION_HOURS = 8  # a working day; then sign in again
LANGUAGES = {"es": "Español", "ht": "Kreyòl", "ar": "العربية"}

HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"cache-control", b"no-store"),  # pages hold personal data: not kept by the browser
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + HEADERS
            await send(message)

        await self.app(scope, receive, with_headers if scope["type"] == "http" else send)


def local_time(value: datetime | None) -> str:
    """A stored time (UTC; naive from SQLite) as the office reads it, in Chile's time."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(OFFICE_TZ).strftime("%d/%m/%Y %H:%M")


def secret_key(configured: str = "", path: Path | None = None) -> str:
    """CONSOLE_SECRET, else a random key kept in var/console_secret (0600), made on first start."""
    return keys.kept("console_secret", configured, path)


def routes() -> list[BaseRoute]:
    found: list[BaseRoute] = []
    for module in (health, login, faq, services, workshops, lease, mediators, accounts, indicators):
        found.extend(module.routes)
    found.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    return found


def create_app(
    engine: Engine | None = None,
    secret: str | None = None,
    tracker_url: str | None = None,
    cookie_secure: bool | None = None,
    **state: Any,
) -> Starlette:
    conf = settings.console()
    templates = Environment(
        loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(["html"]), trim_blocks=True
    )
    templates.globals["LANGUAGES"] = LANGUAGES
    templates.filters["when"] = local_time

    def render(
        request: Request, account: StaffAccount | None, template: str, status_code: int = 200, **values: Any
    ) -> Response:
        flashes = request.session.pop("flash", [])
        body = templates.get_template(template).render(
            request=request, account=account, csrf=csrf_token(request), flashes=flashes, **values
        )
        return HTMLResponse(body, status_code=status_code)

    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=secret or secret_key(conf.secret),
                session_cookie="puente_console",
                max_age=SESSION_HOURS * 3600,
                same_site="strict",
                https_only=conf.cookie_secure if cookie_secure is None else cookie_secure,
            ),
        ],
    )
    app.state.engine = engine or db.engine()
    app.state.render = render
    app.state.throttle = LoginThrottle()
    app.state.tracker_url = tracker_url if tracker_url is not None else settings.tracker_database_url()
    for name, value in state.items():
        setattr(app.state, name, value)
    return app

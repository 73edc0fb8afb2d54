"""Every page needs a signed-in account, every form its CSRF token, admin pages the admin role."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.routing import Route

from console.auth import session_stamp
from records import staff
from records.db import unit_of_work
from records.models import StaffRole
from tests.console.conftest import ADMIN, STAFF, Browser


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


def all_routes(app: Starlette) -> list[tuple[str, str, object]]:
    found = []
    for route in app.routes:
        if isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                found.append((method, concrete(route.path), getattr(route.endpoint, "role", "unchecked")))
    return found


def test_every_route_declares_who_may_use_it(app: Starlette) -> None:
    routes = all_routes(app)
    assert len(routes) > 15
    unchecked = [(m, p) for m, p, role in routes if role == "unchecked"]
    assert unchecked == []
    open_to_all = sorted(p for m, p, role in routes if role is None)
    assert open_to_all == ["/health", "/login", "/login"]


def test_an_anonymous_visitor_is_sent_to_the_login_page_from_every_page(app: Starlette, anonymous: Browser) -> None:
    for method, path, role in all_routes(app):
        if role is None:
            continue
        if method == "GET":
            response = anonymous.client.get(path)
        else:  # a valid token for the anonymous session: only the missing login stops it
            response = anonymous.client.post(path, data={"csrf": anonymous.token("/login")})
        assert response.status_code == 303, (method, path)
        assert response.headers["location"].startswith("/login?next="), (method, path)


def test_a_form_without_the_session_token_is_refused_on_every_post_route(app: Starlette, admin: Browser) -> None:
    posts = [path for method, path, _ in all_routes(app) if method == "POST"]
    assert "/aval/1" in posts and "/login" in posts
    for path in posts:
        assert admin.client.post(path, data={}).status_code == 403, path
        assert admin.client.post(path, data={"csrf": "forged"}).status_code == 403, path
        assert admin.client.post(path, data={"csrf": "contraseña"}).status_code == 403, path  # not a 500


def test_a_token_from_another_session_does_not_work(app: Starlette, admin: Browser) -> None:
    other = Browser(app)
    other.login(*STAFF)
    response = admin.client.post("/cuentas", data={"csrf": other.token(), "email": "x@y.cl", "role": "staff"})
    assert response.status_code == 403


@pytest.mark.parametrize("path", ["/cuentas", "/mediadores"])
def test_staff_cannot_open_or_post_to_admin_pages(clerk: Browser, admin: Browser, path: str) -> None:
    assert clerk.client.get(path).status_code == 403
    denied = clerk.post(path, {"email": "nuevo@quilicura.cl", "role": "admin", "password": "x" * 12,
                               "telegram_user_id": "77", "name": "X", "languages": "es"})  # fmt: skip
    assert denied.status_code == 403
    assert admin.client.get(path).status_code == 200
    assert "nuevo@quilicura.cl" not in admin.client.get("/cuentas").text


def test_staff_see_the_records_pages(clerk: Browser) -> None:
    for path in ("/", "/servicios", "/talleres", "/aval", "/indicadores", "/cuenta"):
        assert clerk.client.get(path).status_code == 200, path
    assert "/cuentas" not in clerk.client.get("/").text  # the menu shows only what the role may open


def test_a_wrong_password_signs_nobody_in_and_says_not_which_part_was_wrong(anonymous: Browser) -> None:
    for email, password in ((ADMIN[0], "not-the-password"), ("nobody@quilicura.cl", ADMIN[1])):
        response = anonymous.client.post(
            "/login", data={"csrf": anonymous.token("/login"), "email": email, "password": password}
        )
        assert response.status_code == 401
        assert "Correo o contraseña incorrectos" in response.text
    assert anonymous.client.get("/").status_code == 303


def test_repeated_failures_block_the_account_for_a_while(anonymous: Browser) -> None:
    for _ in range(5):
        anonymous.client.post("/login", data={"csrf": anonymous.token("/login"), "email": ADMIN[0], "password": "no"})
    response = anonymous.client.post(
        "/login", data={"csrf": anonymous.token("/login"), "email": ADMIN[0], "password": ADMIN[1]}
    )
    assert response.status_code == 429
    assert anonymous.client.get("/").status_code == 303


def test_login_goes_back_to_the_page_asked_for_but_never_to_another_site(anonymous: Browser) -> None:
    assert anonymous.client.get("/aval").headers["location"] == "/login?next=/aval"
    for wanted, landed in (("/aval", "/aval"), ("//evil.example/x", "/"), ("https://evil.example", "/")):
        fresh = Browser(anonymous.client.app)
        response = fresh.client.post(
            "/login", data={"csrf": fresh.token("/login"), "email": ADMIN[0], "password": ADMIN[1], "next": wanted}
        )
        assert response.headers["location"] == landed


def test_logging_out_ends_the_session(admin: Browser) -> None:
    assert admin.client.get("/cuentas").status_code == 200
    assert admin.post("/logout", {}).status_code == 303
    assert admin.client.get("/cuentas").status_code == 303


def test_a_tampered_cookie_is_an_anonymous_visitor(app: Starlette, admin: Browser) -> None:
    cookie = admin.client.cookies.get("puente_console")
    assert cookie
    forged = Browser(app)
    forged.client.cookies.set("puente_console", cookie[:-3] + ("AAA" if not cookie.endswith("AAA") else "BBB"))
    assert forged.client.get("/").status_code == 303


def test_a_new_password_ends_the_other_sessions(app: Starlette, clerk: Browser) -> None:
    phone = Browser(app)
    phone.login(*STAFF)
    response = clerk.post("/cuenta", {"current": STAFF[1], "new": "otra-clave-larga-1", "again": "otra-clave-larga-1"})
    assert response.headers["location"] == "/"
    assert clerk.client.get("/aval").status_code == 200  # the session that changed it stays
    assert phone.client.get("/aval").status_code == 303
    again = Browser(app)
    again.login(STAFF[0], "otra-clave-larga-1")


def test_a_deactivated_account_is_signed_out_at_its_next_request(
    app: Starlette, admin: Browser, clerk: Browser
) -> None:
    from records.models import StaffAccount

    with unit_of_work(app.state.engine) as session:
        pedro = session.query(StaffAccount).filter_by(email=STAFF[0]).one()
        assert pedro.role is StaffRole.staff
        stamp = session_stamp(pedro)
        pedro_id = pedro.id
    assert stamp
    assert admin.post(f"/cuentas/{pedro_id}", {"role": "staff", "active": ""}).status_code == 303
    assert clerk.client.get("/aval").status_code == 303


def test_pages_forbid_framing_and_are_not_cached(admin: Browser, anonymous: Browser) -> None:
    response = admin.client.get("/aval")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    signed_in = anonymous.client.post(
        "/login", data={"csrf": anonymous.token("/login"), "email": ADMIN[0], "password": ADMIN[1]}
    )
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=28800" in cookie


def test_a_password_is_taken_as_typed_spaces_included(app: Starlette, engine: Engine) -> None:
    with unit_of_work(engine) as session:
        staff.create(session, "espacios@quilicura.cl", "  clave con espacios  ")
    stripped = Browser(app)
    form = {"csrf": stripped.token("/login"), "email": "espacios@quilicura.cl", "password": "clave con espacios"}
    response = stripped.client.post("/login", data=form)
    assert response.status_code == 401
    Browser(app).login("espacios@quilicura.cl", "  clave con espacios  ")

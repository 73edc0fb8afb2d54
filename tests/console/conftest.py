"""The console against a real records database (SQLite and PostgreSQL, from tests/conftest.py),
through Starlette's test client; accounts are made with records.staff as the CLI makes them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from console.app import create_app
from records import staff
from records.db import unit_of_work
from records.models import StaffRole

ADMIN = ("ana.admin@quilicura.cl", "clave-de-ana-2026")
STAFF = ("pedro.staff@quilicura.cl", "clave-de-pedro-2026")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_accounts(engine: Engine) -> None:
    """The test accounts; a database shared by several consoles (tests/console/test_browser.py) has them once."""
    with unit_of_work(engine) as session:
        for (email, password), role, name in ((ADMIN, StaffRole.admin, "Ana"), (STAFF, StaffRole.staff, "Pedro")):
            if staff.find(session, email) is None:
                staff.create(session, email, password, role, name)


@pytest.fixture
def tracker_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tracker.db'}"


@pytest.fixture
def app(engine: Engine, tracker_url: str) -> Starlette:
    make_accounts(engine)
    return create_app(engine, secret="test-secret-" + "x" * 32, tracker_url=tracker_url)


class Browser:
    """A test client that logs in as a person would: reads the form's CSRF token, then posts."""

    def __init__(self, app: Starlette) -> None:
        self.client = TestClient(app, follow_redirects=False)

    def token(self, path: str = "/") -> str:
        response = self.client.get(path)
        found = CSRF.search(response.text)
        assert found, f"no CSRF token on {path} ({response.status_code})"
        return found.group(1)

    def login(self, email: str, password: str) -> None:
        response = self.client.post(
            "/login", data={"csrf": self.token("/login"), "email": email, "password": password, "next": "/"}
        )
        assert response.status_code == 303, response.text

    def post(self, path: str, data: dict[str, object], page: str | None = None):  # type: ignore[no-untyped-def]
        return self.client.post(path, data={"csrf": self.token(page or "/"), **data})

    def flashes(self, path: str) -> str:
        return self.client.get(path).text


@pytest.fixture
def admin(app: Starlette) -> Browser:
    browser = Browser(app)
    browser.login(*ADMIN)
    return browser


@pytest.fixture
def clerk(app: Starlette) -> Browser:
    browser = Browser(app)
    browser.login(*STAFF)
    return browser


@pytest.fixture
def anonymous(app: Starlette) -> Browser:
    return Browser(app)

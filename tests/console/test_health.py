"""`/health` of the console: answers without signing in, says only whether the database answers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from console.app import create_app
from puente.stack import free_port


def test_health_answers_without_a_login_and_sets_no_cookie(app: Starlette) -> None:
    response = TestClient(app).get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "set-cookie" not in response.headers


def test_health_says_503_when_the_database_is_down(tmp_path: Path) -> None:
    down = create_engine(f"postgresql+psycopg://nobody@127.0.0.1:{free_port()}/none?connect_timeout=2")
    app = create_app(down, secret="test-secret-" + "x" * 32, tracker_url=f"sqlite:///{tmp_path / 't.db'}")
    response = TestClient(app).get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "unavailable"}

"""`GET /health`: for a load balancer or a container check, without signing in. It says whether the
records database answers and nothing else (no counts, no names)."""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def _database_answers(engine: Engine) -> bool:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False


async def health(request: Request) -> Response:
    ok = await run_in_threadpool(_database_answers, request.app.state.engine)
    body = {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unavailable"}
    return JSONResponse(body, status_code=200 if ok else 503)


health.role = None  # type: ignore[attr-defined]  # open to anyone, on purpose (tests walk every route)

routes = [Route("/health", health, methods=["GET"])]

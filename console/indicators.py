"""The month's indicators as tables and bar charts, and the same figures as a CSV file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response
from starlette.routing import Route

from console.auth import Ctx, page
from records import indicators
from records.indicators import OFFICE_TZ, Conversations, Month

TOPICS = {
    "services": "Servicios públicos",
    "workshops": "Talleres",
    "lease": "Aval de arriendo",
    "person": "Hablar con una persona",
    "privacy": "Borrar datos",
    "faq": "Preguntas frecuentes",
    "out_of_scope": "Fuera de tema",
    "not_understood": "No entendido",
    "other": "Saludos, menú y otros",
}
GENDERS = {"female": "Mujer", "male": "Hombre", "other": "Otro", "undisclosed": "Prefiere no decirlo",
           "not_asked": "No preguntado"}  # fmt: skip
OUTCOMES = {"resolved": "Resuelta", "referred": "Derivada a un servicio", "no_answer": "Sin respuesta de la persona",
            "timed_out": "Nadie la tomó / abandonada", "open": "En curso"}  # fmt: skip


def recent_months(count: int = 12) -> list[Month]:
    now = datetime.now(OFFICE_TZ)
    months, year, month = [], now.year, now.month
    for _ in range(count):
        months.append(Month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


def read_conversations(tracker_url: str, month: Month) -> tuple[Conversations | None, str]:
    """The conversations of the month, or None and why not (the page still shows the rest)."""
    if tracker_url.startswith("sqlite"):
        path = Path(tracker_url.split("///", 1)[-1])
        if not path.is_file():
            return None, "Aún no hay conversaciones guardadas (el servidor Rasa no ha recibido mensajes)."
    engine = indicators.tracker_engine(tracker_url)
    try:
        return indicators.conversations(engine, month), ""
    except SQLAlchemyError as error:
        return None, f"No se pudieron leer las conversaciones: {type(error).__name__}."
    finally:
        engine.dispose()


@dataclass
class Figures:
    month: Month
    work: indicators.Workshops
    guarantees: indicators.Lease
    relayed: indicators.Handoffs
    talks: Conversations | None
    talks_problem: str


def _figures(ctx: Ctx) -> Figures:
    month = Month.parse(ctx.request.query_params.get("mes"))
    talks, problem = read_conversations(ctx.request.app.state.tracker_url, month)
    return Figures(
        month=month,
        work=indicators.workshops(ctx.db, month),
        guarantees=indicators.lease(ctx.db, month),
        relayed=indicators.handoffs(ctx.db, month),
        talks=talks,
        talks_problem=problem,
    )


@page()
def indicator_page(ctx: Ctx) -> Response:
    figures = _figures(ctx)
    by_topic: dict[str, int] = {}
    if figures.talks is not None:
        for (topic, _lang), count in figures.talks.messages.items():
            by_topic[topic] = by_topic.get(topic, 0) + count
    return ctx.render(
        "indicators.html",
        months=recent_months(),
        topics=TOPICS,
        genders=GENDERS,
        outcomes=OUTCOMES,
        by_topic=sorted(by_topic.items(), key=lambda item: -item[1]),
        top=max(by_topic.values(), default=0),
        **vars(figures),
    )


@page()
def indicator_csv(ctx: Ctx) -> Response:
    figures = _figures(ctx)
    rows = indicators.csv_rows(figures.month, figures.work, figures.guarantees, figures.relayed, figures.talks)
    return Response(
        indicators.to_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="indicadores-{figures.month}.csv"'},
    )


routes = [
    Route("/indicadores", indicator_page, methods=["GET"]),
    Route("/indicadores.csv", indicator_csv, methods=["GET"]),
]

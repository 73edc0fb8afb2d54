"""Lease-guarantee applications: the list by status, one application's history, a status change
(which tells the applicant in their language, through records.lease.set_status and the outbox)."""

from __future__ import annotations

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from console.auth import Ctx, page
from puente import i18n
from records import lease
from records.models import LeaseGuaranteeApplication, LeaseStatus, Resident

# The applicant's message can be written in each language; an empty one gets the Spanish text.
LANGUAGES = {code: str(i18n.lookup(code, "meta.name")) for code in i18n.languages()}
STATUS = {
    LeaseStatus.received.value: "Recibida",
    LeaseStatus.in_review.value: "En revisión",
    LeaseStatus.documents_needed.value: "Faltan documentos",
    LeaseStatus.approved.value: "Aprobada",
    LeaseStatus.rejected.value: "Rechazada",
}
INCOME = {
    "under_500k": "menos de $500.000",
    "500k_800k": "$500.000 a $800.000",
    "800k_1200k": "$800.000 a $1.200.000",
    "over_1200k": "más de $1.200.000",
}


@page()
def application_list(ctx: Ctx) -> Response:
    wanted = ctx.request.query_params.get("estado", "")
    query = (
        select(LeaseGuaranteeApplication, Resident)
        .join(Resident, Resident.id == LeaseGuaranteeApplication.resident_id)
        .order_by(LeaseGuaranteeApplication.created_at.desc())
    )
    if wanted in STATUS:
        query = query.where(LeaseGuaranteeApplication.status == LeaseStatus(wanted))
    rows = ctx.db.execute(query.limit(500)).all()
    return ctx.render("lease.html", rows=rows, status=STATUS, wanted=wanted, income=INCOME)


def _find(ctx: Ctx) -> LeaseGuaranteeApplication | None:
    return ctx.db.scalars(
        select(LeaseGuaranteeApplication).where(LeaseGuaranteeApplication.reference == ctx.param("reference"))
    ).first()


@page()
def application_page(ctx: Ctx) -> Response:
    application = _find(ctx)
    if application is None:
        return ctx.render("missing.html", status_code=404)
    resident = ctx.db.get(Resident, application.resident_id)
    return ctx.render(
        "lease_edit.html", application=application, resident=resident, status=STATUS, income=INCOME, languages=LANGUAGES
    )


@page()
def application_status(ctx: Ctx) -> Response:
    application = _find(ctx)
    if application is None:
        return ctx.render("missing.html", status_code=404)
    url = f"/aval/{application.reference}"
    wanted = ctx.field("status")
    if wanted not in STATUS:
        return ctx.back(url, "Estado desconocido.", "error")
    if LeaseStatus(wanted) is application.status:
        return ctx.back(url, "La solicitud ya tiene ese estado: no se avisó de nuevo.", "warn")
    messages = {lang: ctx.field(f"message_{lang}")[:1000] for lang in i18n.languages()}
    lease.set_status(
        ctx.db, application.reference, LeaseStatus(wanted), note=ctx.field("note")[:1000], messages=messages
    )
    return ctx.back(url, f"Estado cambiado a «{STATUS[wanted]}». Se avisó a la persona en su idioma.")


routes = [
    Route("/aval", application_list, methods=["GET"]),
    Route("/aval/{reference}", application_page, methods=["GET"]),
    Route("/aval/{reference}", application_status, methods=["POST"]),
]

"""Workshops, their dated groups (sessions), and each group's enrolments: attendance, completion,
certificate, and the gender the person reported (for the indicators)."""

from __future__ import annotations

import re
from datetime import date, time

from sqlalchemy import select
from starlette.responses import Response
from starlette.routing import Route

from console.auth import Ctx, page
from records import enrolment as seats
from records.models import (
    Enrolment,
    EnrolmentProgress,
    EnrolmentStatus,
    Gender,
    Resident,
    ResidentGender,
    Workshop,
    WorkshopSession,
    WorkshopText,
    utcnow,
)
from records.texts import localized

LANGS = ("es", "ht", "ar")
WEEKDAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")
GENDERS = {
    "": "No preguntado",
    Gender.female.value: "Mujer",
    Gender.male.value: "Hombre",
    Gender.other.value: "Otro",
    Gender.undisclosed.value: "Prefiere no decirlo",
}
STATUS = {"enrolled": "Inscrita/o", "waitlisted": "En lista de espera", "cancelled": "Anulada"}


class Invalid(ValueError):
    pass


def workshop_name(workshop: Workshop) -> str:
    text, _ = localized(workshop.texts, "es")
    return text.name if text else workshop.key


@page()
def workshop_list(ctx: Ctx) -> Response:
    workshops = ctx.db.scalars(select(Workshop).order_by(Workshop.key)).all()
    rows = []
    for workshop in workshops:
        groups = [(ws, seats.seats_taken(ctx.db, ws.id), _waiting(ctx, ws.id)) for ws in workshop.sessions]
        rows.append((workshop, workshop_name(workshop), groups))
    return ctx.render("workshops.html", rows=rows, weekdays=WEEKDAYS)


def _waiting(ctx: Ctx, session_id: int) -> int:
    return len(
        ctx.db.scalars(
            select(Enrolment.id).where(
                Enrolment.session_id == session_id, Enrolment.status == EnrolmentStatus.waitlisted
            )
        ).all()
    )


@page()
def workshop_form(ctx: Ctx) -> Response:
    workshop = ctx.db.get(Workshop, int(ctx.param("id")))
    if workshop is None:
        return ctx.render("missing.html", status_code=404)
    texts = {t.language: t for t in workshop.texts}
    return ctx.render("workshop_edit.html", workshop=workshop, name=workshop_name(workshop), texts=texts, langs=LANGS)


@page()
def workshop_save(ctx: Ctx) -> Response:
    workshop = ctx.db.get(Workshop, int(ctx.param("id")))
    if workshop is None:
        return ctx.render("missing.html", status_code=404)
    texts = {t.language: t for t in workshop.texts}
    for lang in LANGS:
        name = ctx.field(f"{lang}_name")
        if not name:
            continue
        text = texts.get(lang)
        if text is None:
            text = WorkshopText(language=lang, name=name)
            workshop.texts.append(text)
        text.name = name[:200]
        text.description = ctx.field(f"{lang}_description")
        text.machine_translated = ctx.field(f"{lang}_machine") == "1"
    return ctx.back(f"/talleres/{workshop.id}", "Taller guardado.")


def _session_values(ctx: Ctx) -> dict[str, object]:
    try:
        starts_on = date.fromisoformat(ctx.field("starts_on"))
        ends_on = date.fromisoformat(ctx.field("ends_on"))
        start_time = time.fromisoformat(ctx.field("start_time"))
        end_time = time.fromisoformat(ctx.field("end_time"))
        capacity = int(ctx.field("capacity"))
    except ValueError as error:
        raise Invalid("Revise las fechas (AAAA-MM-DD), las horas (HH:MM) y los cupos (un número).") from error
    if ends_on < starts_on:
        raise Invalid("La fecha de término es anterior a la de inicio.")
    if end_time <= start_time:
        raise Invalid("La hora de término debe ser posterior a la de inicio.")
    if not 0 <= capacity <= 1000:
        raise Invalid("Los cupos deben estar entre 0 y 1000.")
    place = ctx.field("place")
    if not place:
        raise Invalid("Indique el lugar.")
    weekdays = sorted({int(d) for d in ctx.fields("weekdays") if d.isdigit() and 0 <= int(d) <= 6})
    return dict(starts_on=starts_on, ends_on=ends_on, start_time=start_time, end_time=end_time,
                capacity=capacity, place=place[:200], weekdays=weekdays)  # fmt: skip


@page()
def session_new(ctx: Ctx) -> Response:
    workshop = ctx.db.get(Workshop, int(ctx.param("id")))
    if workshop is None:
        return ctx.render("missing.html", status_code=404)
    code = ctx.field("code").upper()
    if not re.fullmatch(r"[A-Z0-9-]{3,40}", code):
        return ctx.back("/talleres", "El código del grupo: 3 a 40 letras, números o guiones.", "error")
    if ctx.db.scalars(select(WorkshopSession).where(WorkshopSession.code == code)).first():
        return ctx.back("/talleres", f"Ya existe un grupo {code}.", "error")
    try:
        values = _session_values(ctx)
    except Invalid as error:
        return ctx.back("/talleres", str(error), "error")
    group = WorkshopSession(code=code, workshop_id=workshop.id, **values)
    ctx.db.add(group)
    ctx.db.flush()
    return ctx.back(f"/grupos/{group.id}", f"Grupo {code} creado: ya aparece en el bot.")


@page()
def session_page(ctx: Ctx) -> Response:
    group = ctx.db.get(WorkshopSession, int(ctx.param("id")))
    if group is None:
        return ctx.render("missing.html", status_code=404)
    enrolments = ctx.db.execute(
        select(Enrolment, Resident, EnrolmentProgress, ResidentGender)
        .join(Resident, Resident.id == Enrolment.resident_id)
        .outerjoin(EnrolmentProgress, EnrolmentProgress.enrolment_id == Enrolment.id)
        .outerjoin(ResidentGender, ResidentGender.resident_id == Resident.id)
        .where(Enrolment.session_id == group.id)
        .order_by(Enrolment.status, Enrolment.position)
    ).all()
    return ctx.render(
        "session.html",
        group=group,
        name=workshop_name(group.workshop),
        taken=seats.seats_taken(ctx.db, group.id),
        enrolments=enrolments,
        weekdays=WEEKDAYS,
        genders=GENDERS,
        status=STATUS,
    )


@page()
def session_save(ctx: Ctx) -> Response:
    group = ctx.db.get(WorkshopSession, int(ctx.param("id")))
    if group is None:
        return ctx.render("missing.html", status_code=404)
    url = f"/grupos/{group.id}"
    try:
        values = _session_values(ctx)
    except Invalid as error:
        return ctx.back(url, str(error), "error")
    taken = seats.seats_taken(ctx.db, group.id)
    if int(values["capacity"]) < taken:  # type: ignore[call-overload]
        return ctx.back(url, f"Hay {taken} personas inscritas: los cupos no pueden ser menos.", "error")
    for name, value in values.items():
        setattr(group, name, value)
    promoted = seats.promote_waitlist(ctx.db, group.id)
    if promoted:
        return ctx.back(url, f"Grupo guardado. {len(promoted)} persona(s) de la lista de espera recibieron "
                        "el cupo y un aviso en su idioma.")  # fmt: skip
    return ctx.back(url, "Grupo guardado.")


@page()
def progress_save(ctx: Ctx) -> Response:
    enrolment = ctx.db.get(Enrolment, int(ctx.param("id")))
    if enrolment is None:
        return ctx.render("missing.html", status_code=404)
    url = f"/grupos/{enrolment.session_id}"
    gender = ctx.field("gender")
    if gender not in GENDERS:
        return ctx.back(url, "Género desconocido.", "error")
    attended, completed, certified = ctx.field("attended", "0"), ctx.field("completed"), ctx.field("certified")
    if not attended.isdigit() or int(attended) > 500:
        return ctx.back(url, "Asistencia: un número de sesiones.", "error")
    if enrolment.status is not EnrolmentStatus.enrolled and (int(attended) or completed or certified):
        return ctx.back(url, f"{enrolment.code} no tiene cupo: no se registra asistencia.", "error")
    if certified and not completed:
        return ctx.back(url, "Solo se certifica a quien terminó el taller.", "error")
    record = ctx.db.get(ResidentGender, enrolment.resident_id)
    if gender and record is None:
        ctx.db.add(ResidentGender(resident_id=enrolment.resident_id, gender=Gender(gender)))
    elif gender and record is not None:
        record.gender = Gender(gender)
    elif record is not None:
        ctx.db.delete(record)
    progress = ctx.db.get(EnrolmentProgress, enrolment.id)
    if progress is None:
        progress = EnrolmentProgress(enrolment_id=enrolment.id, sessions_attended=0)
        ctx.db.add(progress)
    progress.sessions_attended = int(attended)
    now = utcnow()
    # The month of the first recording is the one reported: saving again keeps it.
    progress.completed_at = (progress.completed_at or now) if completed else None
    progress.certificate_at = (progress.certificate_at or now) if certified else None
    return ctx.back(url, f"{enrolment.code} guardado.")


routes = [
    Route("/talleres", workshop_list, methods=["GET"]),
    Route("/talleres/{id:int}", workshop_form, methods=["GET"]),
    Route("/talleres/{id:int}", workshop_save, methods=["POST"]),
    Route("/talleres/{id:int}/grupos", session_new, methods=["POST"]),
    Route("/grupos/{id:int}", session_page, methods=["GET"]),
    Route("/grupos/{id:int}", session_save, methods=["POST"]),
    Route("/inscripciones/{id:int}", progress_save, methods=["POST"]),
]

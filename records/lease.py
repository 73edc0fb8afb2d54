"""Lease-guarantee applications: the municipality as guarantor (aval) of a migrant's lease."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from puente import i18n
from records import outbox
from records.codes import new_code
from records.models import LeaseGuaranteeApplication, LeaseStatus, LeaseStatusChange, Resident

INCOME_BANDS = ("under_500k", "500k_800k", "800k_1200k", "over_1200k")


def apply(session: Session, resident: Resident, household_size: int, income_band: str) -> LeaseGuaranteeApplication:
    """Files an application; one open application per resident (a second request returns it)."""
    if income_band not in INCOME_BANDS:
        raise ValueError(f"unknown income band {income_band!r}")
    open_one = latest(session, resident.id)
    if open_one is not None and open_one.status not in (LeaseStatus.approved, LeaseStatus.rejected):
        return open_one
    application = LeaseGuaranteeApplication(
        reference=new_code("GA", 6),
        resident_id=resident.id,
        household_size=household_size,
        income_band=income_band,
        status=LeaseStatus.received,
    )
    application.history.append(LeaseStatusChange(status=LeaseStatus.received))
    session.add(application)
    session.flush()
    return application


def latest(session: Session, resident_id: int) -> LeaseGuaranteeApplication | None:
    return session.scalars(
        select(LeaseGuaranteeApplication)
        .where(LeaseGuaranteeApplication.resident_id == resident_id)
        .order_by(LeaseGuaranteeApplication.created_at.desc(), LeaseGuaranteeApplication.id.desc())
        .limit(1)
    ).first()


def set_status(
    session: Session, reference: str, status: LeaseStatus, note: str = "", messages: dict[str, str] | None = None
) -> LeaseGuaranteeApplication:
    """Staff change the status; the applicant is told in their language through the outbox, with
    the message staff wrote for them (`messages` by language). The internal `note` stays here."""
    application = session.scalars(
        select(LeaseGuaranteeApplication).where(LeaseGuaranteeApplication.reference == reference)
    ).one()
    application.status = status
    written = {lang: text.strip() for lang, text in (messages or {}).items() if text and text.strip()}
    change = LeaseStatusChange(status=status, note=note, messages=written)
    application.history.append(change)

    def render(lang: str) -> str:
        status_text = i18n.t(lang, f"lease.statuses.{status.value}")
        told = i18n.t(
            lang, "lease.status_changed", reference=i18n.isolate(application.reference, lang), status=status_text
        )
        message = applicant_message(change, lang)
        return f"{told}\n\n{message}" if message else told

    outbox.notify(session, application.resident_id, "lease_status", render)
    return application


def applicant_message(change: LeaseStatusChange, language: str) -> str | None:
    """What staff wrote to the applicant: in their language, else the Spanish text labelled as not
    yet in their language; never the internal note."""
    messages = change.messages or {}
    if messages.get(language):
        return messages[language]
    if messages.get(i18n.DEFAULT):
        return f"{messages[i18n.DEFAULT]}\n{i18n.t(language, 'common.not_in_language')}"
    return None

"""Lease-guarantee applications and their status, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from records import lease
from records.db import unit_of_work
from records.models import LeaseStatus, OutboxMessage
from tests.records.helpers import resident


def test_an_application_gets_a_reference_and_a_history(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        application = lease.apply(session, resident(session, "t:lease"), 4, "500k_800k")
        assert application.reference.startswith("GA-") and application.status == LeaseStatus.received
        assert [h.status for h in application.history] == [LeaseStatus.received]
        again = lease.apply(session, application_owner := resident(session, "t:lease"), 4, "500k_800k")
        assert again.id == application.id and application_owner is not None


def test_staff_status_change_notifies_the_applicant_in_their_language(engine: Engine) -> None:
    with unit_of_work(engine) as session:
        reference = lease.apply(session, resident(session, "telegram:5", "ar"), 2, "under_500k").reference
    with unit_of_work(engine) as session:
        lease.set_status(session, reference, LeaseStatus.approved, "Firmar el contrato el lunes")
    with unit_of_work(engine) as session:
        note = session.scalars(select(OutboxMessage).where(OutboxMessage.sender_id == "telegram:5")).one()
        assert note.kind == "lease_status" and reference in note.text
        assert any("\u0600" <= ch <= "\u06ff" for ch in note.text)  # written in Arabic


def test_an_unknown_income_band_is_refused(engine: Engine) -> None:
    with unit_of_work(engine) as session, pytest.raises(ValueError):
        lease.apply(session, resident(session, "t:bad"), 2, "millions")

"""Backup and restore of the PostgreSQL database with the commands of the README ("Backup and
restore"): `pg_dump -Fc`, the database lost, `createdb` + `pg_restore` into a new one; the people,
their enrolment and application, the conversations and the schema version are all back, and the
restored database takes new records (its sequences came back too)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import select, text

from puente.settings import app_database_url
from records import db, lease, migrate, residents
from records.db import unit_of_work
from records.enrolment import enrol
from records.models import Enrolment, LeaseGuaranteeApplication, LeaseStatus, Resident, Workshop, WorkshopSession
from tests.conftest import PG_ADMIN, create_pg_database, drop_pg_database, prepared, require_postgres
from tests.records.helpers import small_session

pytestmark = pytest.mark.postgres


def require_tools() -> None:
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if not missing:
        return
    reason = f"{' and '.join(missing)} not on the PATH (Debian/Ubuntu: apt-get install postgresql-client)"
    if os.environ.get("CI"):  # CI must run this, never skip it
        pytest.fail(reason)
    pytest.skip(reason)


def run(*argv: str) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{' '.join(argv[:2])}: {done.stderr}"


def test_a_dump_restored_into_a_new_database_brings_everything_back(tmp_path: Path) -> None:
    require_postgres()
    require_tools()
    name, url = create_pg_database()  # postgresql://postgres@127.0.0.1:5432/<name>: libpq reads it as is
    try:
        records = prepared(url)  # migrated and seeded, as `python -m records setup` does
        engine = db.engine_for(records)
        with unit_of_work(engine) as session:
            person = residents.record_consent(session, "whatsapp:56987654321", "ht")
            residents.update_contact(session, person, "Jean Baptiste Pierre", "+56987654321")
            seat = enrol(session, person, small_session(session, 5).id)
            application = lease.apply(session, person, 4, "under_500k")
            lease.set_status(session, application.reference, LeaseStatus.in_review, "faltan liquidaciones")
            code, reference = seat.code, application.reference
        with engine.begin() as conn:  # Rasa's conversations live in the same database, in `events`
            conn.execute(text("CREATE TABLE events (id SERIAL PRIMARY KEY, sender_id VARCHAR(255) NOT NULL, "
                              "type_name VARCHAR(255) NOT NULL, timestamp FLOAT, intent_name VARCHAR(255), "
                              "action_name VARCHAR(255), data TEXT)"))  # fmt: skip
            conn.execute(
                text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, 'user', 1764000000, :d)"),
                {"s": "whatsapp:56987654321", "d": '{"text": "bonjou"}'},
            )
        engine.dispose()

        dump = tmp_path / "puente.dump"
        run("pg_dump", "--format=custom", f"--file={dump}", url)
        drop_pg_database(name)  # the database is lost
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:  # createdb
            conn.execute(f'CREATE DATABASE "{name}"')
        run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={url}", str(dump))

        restored = db.make_engine(app_database_url(url))
        with restored.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            said = conn.execute(text("SELECT data FROM events WHERE sender_id = 'whatsapp:56987654321'")).scalar_one()
        assert version == ScriptDirectory.from_config(migrate.config(records)).get_current_head()
        assert "bonjou" in said
        with unit_of_work(restored) as session:
            back = session.scalars(select(Resident).where(Resident.sender_id == "whatsapp:56987654321")).one()
            assert (back.name, back.phone, back.language) == ("Jean Baptiste Pierre", "+56987654321", "ht")
            assert session.scalars(select(Enrolment).where(Enrolment.code == code)).one().resident_id == back.id
            applied = session.scalars(
                select(LeaseGuaranteeApplication).where(LeaseGuaranteeApplication.reference == reference)
            ).one()
            assert [c.status for c in applied.history] == [LeaseStatus.received, LeaseStatus.in_review]
            assert applied.history[-1].note == "faltan liquidaciones"
            assert session.scalars(select(Workshop)).all() and session.scalars(select(WorkshopSession)).all()
        # The restored database is a working one: migrations have nothing to do, and new rows get
        # fresh ids (the sequences were restored with the data).
        migrate.upgrade(app_database_url(url))
        with unit_of_work(restored) as session:
            other = residents.record_consent(session, "telegram:4242", "es")
            assert other.id > back.id
            enrol(session, other, session.scalars(select(Enrolment.session_id).where(Enrolment.code == code)).one())
        restored.dispose()
    finally:
        drop_pg_database(name)

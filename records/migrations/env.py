"""Alembic environment: the URL comes from the caller (records.migrate) or from settings."""

from __future__ import annotations

from alembic import context

from puente import settings
from records.db import make_engine
from records.models import Base

url = context.config.attributes.get("database_url") or settings.load().database_url
engine = make_engine(url)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=url.startswith("sqlite"),  # SQLite alters tables by copying them
    )
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()

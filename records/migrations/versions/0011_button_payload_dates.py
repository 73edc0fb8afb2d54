"""Button payloads: when each was last issued, so the retention can purge them

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("button_payloads") as batch:
        batch.add_column(sa.Column("created_at", sa.DateTime(timezone=True), nullable=True))
    # The ones already issued count from now: a button pressed tomorrow still works.
    table = sa.table("button_payloads", sa.column("created_at", sa.DateTime(timezone=True)))
    op.execute(table.update().values(created_at=datetime.now(timezone.utc)))


def downgrade() -> None:
    with op.batch_alter_table("button_payloads") as batch:
        batch.drop_column("created_at")

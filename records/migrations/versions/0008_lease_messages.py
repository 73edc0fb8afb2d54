"""Lease status changes: a message to the applicant per language, apart from the internal note

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lease_status_changes") as batch:
        batch.add_column(sa.Column("messages", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("lease_status_changes") as batch:
        batch.drop_column("messages")

"""FAQ entries: topic, official source, and review by office staff

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("faq_entries") as batch:
        batch.add_column(sa.Column("topic", sa.String(length=40), nullable=False, server_default=""))
        batch.add_column(sa.Column("source_url", sa.String(length=500), nullable=False, server_default=""))
        batch.add_column(sa.Column("source_note", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("verified_by", sa.String(length=200), nullable=False, server_default=""))
        batch.add_column(sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("faq_entries") as batch:
        for column in ("verified_at", "verified_by", "source_note", "source_url", "topic"):
            batch.drop_column(column)

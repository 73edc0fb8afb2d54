"""translation cache: machine translations already made, by hash of backend, languages and text

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "translation_cache",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("backend", sa.String(length=20), nullable=False),
        sa.Column("text_out", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_index("ix_translation_cache_created_at", "translation_cache", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_translation_cache_created_at", table_name="translation_cache")
    op.drop_table("translation_cache")

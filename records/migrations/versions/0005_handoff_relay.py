"""hand-off relay: the request's recent conversation, its announcement, the relayed messages;
outbox messages to people who are not registered residents

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoffs") as batch:
        batch.add_column(sa.Column("transcript", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("announced_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handoff_id", sa.Integer(), nullable=False),
        sa.Column("from_mediator", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("translation", sa.Text(), nullable=True),
        sa.Column("translated_by", sa.String(length=20), nullable=False),
        sa.Column("mediator_message_id", sa.BigInteger(), nullable=True),
        sa.Column("relayed", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["handoff_id"], ["handoffs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handoff_messages_handoff_id", "handoff_messages", ["handoff_id"])
    op.create_index("ix_handoff_messages_mediator_message_id", "handoff_messages", ["mediator_message_id"])
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("resident_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM outbox WHERE resident_id IS NULL")
    with op.batch_alter_table("outbox") as batch:
        batch.alter_column("resident_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_handoff_messages_mediator_message_id", table_name="handoff_messages")
    op.drop_index("ix_handoff_messages_handoff_id", table_name="handoff_messages")
    op.drop_table("handoff_messages")
    with op.batch_alter_table("handoffs") as batch:
        batch.drop_column("announced_at")
        batch.drop_column("transcript")

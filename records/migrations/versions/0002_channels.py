"""channels: chats, inbound messages, long button payloads, outbox claims

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(length=120), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("language_hint", sa.String(length=16), nullable=True),
        sa.Column("last_inbound_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=60), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("waiting_notice_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("sender_id"),
    )
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("metadata", sa.JSON(), nullable=False),
        sa.Column("state", sa.Enum("pending", "done", "ignored", name="inboundstate", native_enum=False, length=20),
                  nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["chat_id"], ["chats.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "external_id"),
    )  # fmt: skip
    op.create_index("ix_inbound_messages_chat_id", "inbound_messages", ["chat_id"])
    op.create_index("ix_inbound_messages_state", "inbound_messages", ["state"])
    op.create_table(
        "button_payloads",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_error", sa.String(length=200), nullable=False, server_default=""))
        batch.create_index("ix_outbox_claimed_until", ["claimed_until"])


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_index("ix_outbox_claimed_until")
        batch.drop_column("last_error")
        batch.drop_column("attempts")
        batch.drop_column("claimed_until")
    op.drop_table("button_payloads")
    op.drop_index("ix_inbound_messages_state", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_chat_id", table_name="inbound_messages")
    op.drop_table("inbound_messages")
    op.drop_table("chats")

"""alerts: the outbox of messages the alerts work has decided to send.

Revision ID: alerts_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa

from state.migrate import ensure_index, ensure_table
from state.schema import BigInt, Str

revision = "alerts_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "outbox",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("created_at", Str, nullable=False),
        sa.Column("kind", Str, nullable=False),
        sa.Column("channel", Str, nullable=False),
        sa.Column("recipient", Str, nullable=False),
        sa.Column("dedup_key", Str, nullable=False),
        sa.Column("payload", Str, nullable=False),
        sa.Column("status", Str, nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", Str, nullable=False),
        sa.Column("claimed_by", Str),
        sa.Column("claimed_until", Str),
        sa.Column("sent_at", Str),
        sa.Column("last_error", Str),
        sa.UniqueConstraint("dedup_key", name="outbox_dedup_key"),
    )
    ensure_index("outbox_due", "outbox", ["status", "next_attempt_at", "id"])


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: restore a backup instead")

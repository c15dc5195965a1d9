"""audit: the hash-chained log and its head (creates them, or completes an `audit.db` written
before migrations). A new log gets its genesis head (seq 0), whose row lock serialises appends.

Revision ID: audit_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from state.migrate import ensure_index, ensure_table
from state.schema import BigInt, Str

revision = "audit_0001"
down_revision = None
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade() -> None:
    ensure_table(
        "audit",
        sa.Column("seq", BigInt, primary_key=True, autoincrement=False),
        sa.Column("time", Str, nullable=False),
        sa.Column("actor", Str, nullable=False),
        sa.Column("agency", Str),
        sa.Column("client", Str),
        sa.Column("role", Str),
        sa.Column("actor_state", Str),
        sa.Column("actor_district", Str),
        sa.Column("route", Str, nullable=False),
        sa.Column("method", Str, nullable=False),
        sa.Column("status", sa.Integer, nullable=False),
        sa.Column("decision", Str, nullable=False),
        sa.Column("query", Str, nullable=False),
        sa.Column("purpose", Str),
        sa.Column("record_ids", Str, nullable=False),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("request_id", Str),
        sa.Column("reason", Str),
        sa.Column("prev_hash", Str, nullable=False),
        sa.Column("hash", Str, nullable=False),
        sa.Column("client_address", Str),
        sa.Column("user_agent", Str),
    )
    ensure_index("audit_actor_district", "audit", ["actor_state", "actor_district", "seq"])
    ensure_table(
        "audit_head",
        sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True),
        sa.Column("seq", BigInt, nullable=False),
        sa.Column("hash", Str, nullable=False),
    )
    # Only an empty log gets a genesis head: a log with entries and no head was cut, and
    # `verify` must keep saying so.
    op.execute(
        sa.text(
            "INSERT INTO audit_head (id, seq, hash) SELECT 1, 0, :genesis "
            "WHERE NOT EXISTS (SELECT 1 FROM audit_head) AND NOT EXISTS (SELECT 1 FROM audit)"
        ).bindparams(genesis=GENESIS)
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: restore a backup instead")

"""noc: issued certificates and the events their revocations leave for the alerts work
(creates them, or completes a `noc.db` written before migrations).

Revision ID: noc_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa

from state.migrate import ensure_index, ensure_table
from state.schema import BigInt, Str

revision = "noc_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "noc",
        sa.Column("noc_id", Str, primary_key=True),
        sa.Column("issued_at", Str, nullable=False),
        sa.Column("registration_no", Str),
        sa.Column("chassis_no", Str),
        sa.Column("engine_no", Str),
        sa.Column("decision", Str, nullable=False),
        sa.Column("reasons", Str, nullable=False),
        sa.Column("certificate", Str, nullable=False),
        sa.Column("issued_to", Str, nullable=False),
        sa.Column("expires_at", Str),
        sa.Column("audience", Str),
        sa.Column("purpose", Str),
        sa.Column("evidence", Str),
        sa.Column("revoked_at", Str),
        sa.Column("revoked_reason", Str),
    )
    ensure_index("noc_registration", "noc", ["registration_no", "issued_at"])
    ensure_table(
        "noc_events",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("at", Str, nullable=False),
        sa.Column("kind", Str, nullable=False),
        sa.Column("noc_id", Str, nullable=False),
        sa.Column("registration_no", Str),
        sa.Column("record_id", Str),
        sa.Column("detail", Str, nullable=False),
        sa.Column("picked_at", Str),
    )
    ensure_index("noc_events_pending", "noc_events", ["picked_at", "id"])


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: restore a backup instead")

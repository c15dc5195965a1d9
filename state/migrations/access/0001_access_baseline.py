"""access: hit-flag access requests, supervisors' decisions on them, and time-limited grants.

Revision ID: access_0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa

from state.migrate import ensure_index, ensure_table
from state.schema import Str

revision = "access_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "access_requests",
        sa.Column("request_id", Str, primary_key=True),
        sa.Column("created_at", Str, nullable=False),
        sa.Column("requester", Str, nullable=False),
        sa.Column("requester_agency", Str),
        sa.Column("record_ids", Str, nullable=False),
        sa.Column("source", Str, nullable=False),
        sa.Column("owner_state", Str, nullable=False),
        sa.Column("police_station", Str),
        sa.Column("reason", Str, nullable=False),
        sa.Column("case_reference", Str, nullable=False),
        sa.Column("status", Str, nullable=False),
        sa.Column("decided_by", Str),
        sa.Column("decided_at", Str),
        sa.Column("decision_reason", Str),
        sa.Column("expires_at", Str),
    )
    ensure_index("access_requests_owner", "access_requests", ["owner_state", "status"])
    ensure_index("access_requests_requester", "access_requests", ["requester", "created_at"])
    ensure_table(
        "access_grants",
        sa.Column("request_id", Str, primary_key=True),
        sa.Column("record_id", Str, primary_key=True),
        sa.Column("requester", Str, nullable=False),
        sa.Column("expires_at", Str, nullable=False),
    )
    ensure_index("access_grants_requester", "access_grants", ["requester", "expires_at"])


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: restore a backup instead")

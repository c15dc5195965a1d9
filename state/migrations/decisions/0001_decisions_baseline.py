"""decisions: supervisors' judgements on pairs of records (creates them, or completes a
`decisions.db` written before migrations).

Revision ID: decisions_0001
Revises:
Create Date: 2026-12-07
"""

import sqlalchemy as sa

from state.migrate import ensure_index, ensure_table
from state.schema import Str

revision = "decisions_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "judgements",
        sa.Column("a", Str, primary_key=True),
        sa.Column("b", Str, primary_key=True),
        sa.Column("verdict", Str, nullable=False),
        sa.Column("reason", Str, nullable=False),
        sa.Column("decided_by", Str, nullable=False),
        sa.Column("decided_at", Str, nullable=False),
        sa.Column("decision_id", Str, nullable=False),
    )
    ensure_index("judgements_b", "judgements", ["b"])


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: restore a backup instead")

"""alerts: the sexual-offender register pinned before a bulk load (`ndso_pinned`), kept until the
load's batches are matched, so that a sync killed in between matches the rest against the
register before the load.

Revision ID: alerts_0004
Revises: alerts_0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from state.migrate import ensure_table
from state.schema import Str

revision = "alerts_0004"
down_revision = "alerts_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "ndso_pinned",
        sa.Column("offender", Str, primary_key=True),
        sa.Column("record_ids", Str, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("ndso_pinned")

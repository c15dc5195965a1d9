"""alerts: what sure pairs taught, one row per pair and feature (`alert_learnt`), replacing the
running counts of `alert_params`.

The counts double-counted a pair that a later sync's process met again, and kept what was learnt
under an earlier reading of "alike" (string equality, before marks, clothing and languages were
read by meaning). They are dropped, not converted: they cannot be split back into pairs, and the
matchers fall back to their prior until sure pairs are met again.

Revision ID: alerts_0003
Revises: alerts_0002
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from state.migrate import ensure_table
from state.schema import Str

revision = "alerts_0003"
down_revision = "alerts_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "alert_learnt",
        sa.Column("pair", Str, primary_key=True),
        sa.Column("feature", Str, primary_key=True),
        sa.Column("reading", sa.Integer, nullable=False),
        sa.Column("alike", sa.Integer, nullable=False),
    )
    if sa.inspect(op.get_bind()).has_table("alert_params"):
        op.drop_table("alert_params")


def downgrade() -> None:
    op.create_table(
        "alert_params",
        sa.Column("feature", Str, primary_key=True),
        sa.Column("agree", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seen", sa.Integer, nullable=False, server_default="0"),
    )
    op.drop_table("alert_learnt")

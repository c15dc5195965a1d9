"""alerts: the matchers' open cases and learnt parameters, remembered searches and watches,
Cri-MAC broadcasts, and the recipients' feed.

Revision ID: alerts_0002
Revises: alerts_0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from state.migrate import ensure_index, ensure_table
from state.schema import BigInt, Str

revision = "alerts_0002"
down_revision = "alerts_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "alert_cases",
        sa.Column("record_id", Str, primary_key=True),
        sa.Column("side", Str, nullable=False),
        sa.Column("gender", Str),
        sa.Column("born_from", sa.Integer),
        sa.Column("born_to", sa.Integer),
        sa.Column("chassis_tail", Str),
        sa.Column("engine_tail", Str),
        sa.Column("features", Str, nullable=False),
        sa.Column("updated_at", Str, nullable=False),
    )
    ensure_index("alert_cases_people", "alert_cases", ["side", "gender", "born_from"])
    ensure_index("alert_cases_chassis", "alert_cases", ["chassis_tail", "side"])
    ensure_index("alert_cases_engine", "alert_cases", ["engine_tail", "side"])
    ensure_table(
        "alert_params",
        sa.Column("feature", Str, primary_key=True),
        sa.Column("agree", sa.Integer, nullable=False, server_default="0"),
        sa.Column("seen", sa.Integer, nullable=False, server_default="0"),
    )
    ensure_table(
        "remembered",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("created_at", Str, nullable=False),
        sa.Column("expires_at", Str),
        sa.Column("kind", Str, nullable=False),
        sa.Column("subject", Str, nullable=False),
        sa.Column("query", Str, nullable=False),
        sa.Column("min_score", sa.Float, nullable=False, server_default="0"),
        sa.Column("results", Str, nullable=False),
    )
    ensure_index("remembered_expiry", "remembered", ["expires_at"])
    ensure_table(
        "remembered_keys",
        sa.Column("remembered_id", BigInt, nullable=False),
        sa.Column("key", Str, nullable=False),
        sa.PrimaryKeyConstraint("key", "remembered_id", name="remembered_keys_pk"),
    )
    ensure_table(
        "broadcasts",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("created_at", Str, nullable=False),
        sa.Column("sender", Str, nullable=False),
        sa.Column("category", Str, nullable=False),
        sa.Column("message", Str, nullable=False),
        sa.Column("recipients", Str, nullable=False),
    )
    ensure_table(
        "alert_feed",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("created_at", Str, nullable=False),
        sa.Column("recipient", Str, nullable=False),
        sa.Column("kind", Str, nullable=False),
        sa.Column("dedup_key", Str, nullable=False),
        sa.Column("payload", Str, nullable=False),
        sa.Column("acknowledged_at", Str),
        sa.Column("acknowledged_by", Str),
        sa.UniqueConstraint("dedup_key", name="alert_feed_dedup_key"),
    )
    ensure_index("alert_feed_recipient", "alert_feed", ["recipient", "id"])


def downgrade() -> None:
    op.drop_table("alert_feed")
    op.drop_table("alert_params")
    op.drop_table("broadcasts")
    op.drop_table("remembered_keys")
    op.drop_table("remembered")
    op.drop_table("alert_cases")

"""auth: officer accounts for the console's sign-in at the authorisation endpoint.

Revision ID: auth_0002
Revises: auth_0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from state.migrate import ensure_table
from state.schema import Str

revision = "auth_0002"
down_revision = "auth_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "officer_accounts",
        sa.Column("officer_id", Str, primary_key=True),
        sa.Column("name", Str, nullable=False),
        sa.Column("role", Str, nullable=False),
        sa.Column("state", Str),
        sa.Column("district", Str),
        sa.Column("police_station", Str),
        sa.Column("clearances", Str),
        sa.Column("password_hash", Str, nullable=False),
        sa.Column("disabled", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", Str, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("officer_accounts")

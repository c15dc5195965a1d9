"""auth: the console sign-in's authorisation codes, shared by every API worker and machine.

Revision ID: auth_0003
Revises: auth_0002
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from state.migrate import ensure_table
from state.schema import Str

revision = "auth_0003"
down_revision = "auth_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "authorization_codes",
        sa.Column("digest", Str, primary_key=True),
        sa.Column("subject", Str, nullable=False),
        sa.Column("client_id", Str, nullable=False),
        sa.Column("redirect_uri", Str, nullable=False),
        sa.Column("code_challenge", Str, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("authorization_codes")

"""auth: a partner client's own hit-flag marking (#19): the sources it is answered as hit-flags.

Revision ID: auth_0004
Revises: auth_0003
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from state.schema import Str

revision = "auth_0004"
down_revision = "auth_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    have = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("clients")}
    if "hit_flag" not in have:  # NULL: the role's default (every source outside the entitlement)
        op.add_column("clients", sa.Column("hit_flag", Str))


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch:
        batch.drop_column("hit_flag")

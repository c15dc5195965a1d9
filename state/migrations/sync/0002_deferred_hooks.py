"""sync: the batches a full sync's bulk load wrote whose hooks (the alert step, NOC revocation)
have not run yet (`connectors.engine`).

Revision ID: sync_0002
Revises: sync_0001
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

from state.migrate import ensure_table
from state.schema import BigInt, Str

revision = "sync_0002"
down_revision = "sync_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "deferred_hooks",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("source", Str, nullable=False),
        sa.Column("record_ids", Str, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deferred_hooks")

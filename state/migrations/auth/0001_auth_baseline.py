"""auth: the client registry, revoked tokens, used assertions, token-endpoint failures and
lock-outs (creates them, or completes an `auth.db` written before migrations).

Revision ID: auth_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa

from state.migrate import ensure_index, ensure_table
from state.schema import BigInt, Str

revision = "auth_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "clients",
        sa.Column("client_id", Str, primary_key=True),
        sa.Column("agency", Str, nullable=False),
        sa.Column("role", Str, nullable=False),
        sa.Column("scopes", Str, nullable=False),
        sa.Column("sources", Str),
        sa.Column("fields", Str),
        sa.Column("secret_hash", Str),
        sa.Column("jwks", Str),
        sa.Column("disabled", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", Str, nullable=False),
        sa.Column("updated_at", Str, nullable=False),
        sa.Column("description", Str),
        sa.Column("clearances", Str),
        sa.Column("cert_bound", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cert_thumbprint", Str),
    )
    ensure_table(
        "revoked_tokens",
        sa.Column("jti", Str, primary_key=True),
        sa.Column("client_id", Str),
        sa.Column("expires_at", BigInt, nullable=False),
        sa.Column("revoked_at", BigInt, nullable=False),
    )
    ensure_table(
        "used_assertions",
        sa.Column("client_id", Str, primary_key=True),
        sa.Column("jti", Str, primary_key=True),
        sa.Column("expires_at", BigInt, nullable=False),
    )
    ensure_table(
        "login_failures",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("key", Str, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    ensure_index("login_failures_key", "login_failures", ["key", "at"])
    ensure_table(
        "login_lockouts",
        sa.Column("key", Str, primary_key=True),
        sa.Column("until", sa.Float, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: restore a backup instead")

"""sync: checkpoints, record versions, quarantine and its identifier keys, reconciliations,
the Aadhaar redaction log, runs, and the sync lock's holder (creates them, or completes a
`sync.db` written before migrations).

Revision ID: sync_0001
Revises:
Create Date: 2026-12-06
"""

import sqlalchemy as sa

from state.migrate import ensure_index, ensure_table
from state.schema import BigInt, Str

revision = "sync_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    ensure_table(
        "checkpoints",
        sa.Column("source", Str, primary_key=True),
        sa.Column("stream", Str, primary_key=True),
        sa.Column("watermark", Str),
        sa.Column("walk", Str),
        sa.Column("last_success", Str),
        sa.Column("last_reconcile", Str),
        sa.Column("updated_at", Str, nullable=False),
        sa.Column("as_of", Str),
        sa.Column("source_now", Str),
    )
    ensure_table(
        "versions",
        sa.Column("record_id", Str, primary_key=True),
        sa.Column("source", Str, nullable=False),
        sa.Column("version", BigInt, nullable=False),
    )
    ensure_index("versions_by_source", "versions", ["source"])
    ensure_table(
        "quarantine",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("source", Str, nullable=False),
        sa.Column("collection", Str),
        sa.Column("native_id", Str, nullable=False),
        sa.Column("reason", Str, nullable=False),
        sa.Column("payload", Str, nullable=False),
        sa.Column("version_hint", Str),
        sa.Column("fingerprint", Str, nullable=False),
        sa.Column("first_seen", Str, nullable=False),
        sa.Column("last_seen", Str, nullable=False),
        sa.Column("seen", sa.Integer, nullable=False, server_default="1"),
        sa.Column("resolved_at", Str),
        sa.Column("resolution", Str),
        sa.Column("indexed", sa.Integer, nullable=False, server_default="0"),
        sa.UniqueConstraint("source", "fingerprint"),
    )
    ensure_index("quarantine_open", "quarantine", ["source", "resolved_at"])
    ensure_index("quarantine_native", "quarantine", ["source", "native_id"])
    ensure_table(
        "quarantine_keys",
        sa.Column("entry_id", BigInt, nullable=False),
        sa.Column("kind", Str, nullable=False),
        sa.Column("value", Str, nullable=False),
        sa.Column("rev", Str, nullable=False),
    )
    ensure_index("quarantine_keys_value", "quarantine_keys", ["value"])
    ensure_index("quarantine_keys_rev", "quarantine_keys", ["rev"])
    ensure_table(
        "reconciliations",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("source", Str, nullable=False),
        sa.Column("at", Str, nullable=False),
        sa.Column("listed", sa.Integer, nullable=False),
        sa.Column("removed", sa.Integer, nullable=False),
        sa.Column("removed_ids", Str, nullable=False),
    )
    ensure_table(
        "redactions",
        sa.Column("source", Str, primary_key=True),
        sa.Column("native_id", Str, primary_key=True),
        sa.Column("field", Str, primary_key=True),
        sa.Column("what", Str, nullable=False),
        sa.Column("first_seen", Str, nullable=False),
        sa.Column("seen", sa.Integer, nullable=False, server_default="1"),
    )
    ensure_table(
        "runs",
        sa.Column("id", BigInt, sa.Identity(), primary_key=True),
        sa.Column("source", Str, nullable=False),
        sa.Column("started_at", Str, nullable=False),
        sa.Column("finished_at", Str),
        sa.Column("full", sa.Integer, nullable=False),
        sa.Column("status", Str, nullable=False),
        sa.Column("error", Str),
        sa.Column("counts", Str),
    )
    ensure_table(
        "sync_holder",
        sa.Column("id", sa.Integer, sa.CheckConstraint("id = 1"), primary_key=True),
        sa.Column("note", Str, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the first revision is not undone: restore a backup instead")

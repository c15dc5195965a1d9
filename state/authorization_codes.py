"""The rows of pending authorisation codes. What a code means (PKCE, once only, its lifetime) is
`auth.authorization_codes`; this module only keeps them, in the shared state database."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .db import Database
from .schema import authorization_codes
from .stores import open_area


class CodeRows:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "auth", migrate=migrate)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def add(self, row: Mapping[str, Any], *, now: float, max_pending: int) -> bool:
        """Keep a new code (expired ones go first); False when `max_pending` are pending."""
        with self.db.write() as conn:
            conn.execute(
                authorization_codes.delete().where(authorization_codes.c.expires_at <= now)
            )
            pending = conn.execute(
                sa.select(sa.func.count()).select_from(authorization_codes)
            ).scalar_one()
            if pending >= max_pending:
                return False
            conn.execute(authorization_codes.insert(), dict(row))
        return True

    def take(self, digest: str) -> dict[str, Any] | None:
        """The code's row, deleted in the same statement: of two redemptions racing on two
        workers, one gets it."""
        with self.db.write() as conn:
            row = (
                conn.execute(
                    authorization_codes.delete()
                    .where(authorization_codes.c.digest == digest)
                    .returning(*authorization_codes.c)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

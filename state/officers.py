"""The officer accounts' rows. What an account means (roles, password hashing, sign-in) is
`auth.accounts`; this module only keeps it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .db import Database
from .schema import officer_accounts
from .stores import open_area


class OfficerRows:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "auth", migrate=migrate)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def upsert(self, row: Mapping[str, Any]) -> None:
        with self.db.write() as conn:
            conn.execute(
                officer_accounts.delete().where(officer_accounts.c.officer_id == row["officer_id"])
            )
            conn.execute(officer_accounts.insert(), dict(row))

    def get(self, officer_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = (
                conn.execute(
                    sa.select(officer_accounts).where(officer_accounts.c.officer_id == officer_id)
                )
                .mappings()
                .first()
            )
        return dict(row) if row else None

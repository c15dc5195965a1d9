"""The OAuth2 client registry's rows. What a registration means (roles, scopes, hashing,
validation) is `auth.clients`; this module only keeps it."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .db import Database
from .schema import clients
from .stores import open_area

# Everything but the secret's hash, which only `secret_of` reads.
_PUBLIC = [c for c in clients.columns if c.name != "secret_hash"]
_SELECT = sa.select(*_PUBLIC, clients.c.secret_hash.is_not(None).label("has_secret"))


class ClientRows:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "auth", migrate=migrate)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def insert(self, row: Mapping[str, Any]) -> None:
        with self.db.write() as conn:
            conn.execute(clients.insert(), dict(row))

    def get(self, client_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute(_SELECT.where(clients.c.client_id == client_id)).mappings().first()
        return dict(row) if row else None

    def all(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = conn.execute(
                _SELECT.order_by(clients.c.created_at, clients.c.client_id)
            ).mappings()
            return [dict(r) for r in rows]

    def secret_of(self, client_id: str) -> tuple[str | None, bool] | None:
        """(secret hash, disabled) of a client, None for an unknown one."""
        with self.db.read() as conn:
            row = conn.execute(
                sa.select(clients.c.secret_hash, clients.c.disabled).where(
                    clients.c.client_id == client_id
                )
            ).first()
        return None if row is None else (row[0], bool(row[1]))

    def update(self, client_id: str, values: Mapping[str, Any]) -> bool:
        """Set columns of one client; False when there is no such client."""
        with self.db.write() as conn:
            done = conn.execute(
                clients.update().where(clients.c.client_id == client_id).values(**values)
            ).rowcount
        return bool(done)

"""Revoked token ids and used client-assertion ids.

Access tokens are self-contained JWTs, so revoking one (RFC 7009) means remembering its `jti`
until it would have expired anyway; after that the row is useless and is purged. The same table
shape remembers the `jti` of each `private_key_jwt` client assertion, so an intercepted
assertion cannot be replayed (RFC 7523 §3, item 7). Every API worker and machine reads the one
database, so a token revoked through one is refused by all from the next request on.
"""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from .db import Database
from .schema import revoked_tokens, used_assertions
from .stores import open_area

_PURGE_EVERY_S = 300
_IS_REVOKED = sa.select(sa.literal(1)).where(revoked_tokens.c.jti == sa.bindparam("jti"))


class RevocationStore:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "auth", migrate=migrate)
        self._revoke = self.db.insert(revoked_tokens).on_conflict_do_nothing()
        # RETURNING says whether the row went in (a driver's rowcount after ON CONFLICT DO
        # NOTHING is not to be relied on)
        self._use = (
            self.db.insert(used_assertions)
            .on_conflict_do_nothing()
            .returning(used_assertions.c.jti)
        )
        self._last_purge = 0.0
        # on every authenticated request: prepared once, run on the driver's cursor
        self._is_revoked = self.db.prepare(_IS_REVOKED)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def _maybe_purge(self, conn: sa.Connection, now: int) -> None:
        if now - self._last_purge < _PURGE_EVERY_S:
            return
        self._last_purge = now
        conn.execute(revoked_tokens.delete().where(revoked_tokens.c.expires_at < now - 60))
        conn.execute(used_assertions.delete().where(used_assertions.c.expires_at < now - 60))

    def revoke(self, jti: str, client_id: str | None, expires_at: int) -> None:
        now = int(time.time())
        with self.db.write() as conn:
            conn.execute(
                self._revoke,
                {
                    "jti": jti,
                    "client_id": client_id,
                    "expires_at": int(expires_at),
                    "revoked_at": now,
                },
            )
            self._maybe_purge(conn, now)

    def is_revoked(self, jti: str) -> bool:
        with self.db.raw_read() as cursor:
            row = self._is_revoked.run(cursor, {"jti": jti}).fetchone()
        return row is not None

    def first_use_of_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        """Record an assertion id; False if this client already used it."""
        now = int(time.time())
        with self.db.write() as conn:
            first = conn.execute(
                self._use, {"client_id": client_id, "jti": jti, "expires_at": int(expires_at)}
            ).first()
            self._maybe_purge(conn, now)
        return first is not None

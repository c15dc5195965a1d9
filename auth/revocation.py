"""Revoked token ids and used client-assertion ids, in SQLite.

Access tokens are self-contained JWTs, so revoking one (RFC 7009) means remembering its `jti`
until it would have expired anyway; after that the row is useless and is purged. The same table
shape remembers the `jti` of each `private_key_jwt` client assertion, so an intercepted
assertion cannot be replayed (RFC 7523 §3, item 7).
"""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS revoked_tokens (
    jti TEXT PRIMARY KEY,
    client_id TEXT,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS used_assertions (
    client_id TEXT NOT NULL,
    jti TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (client_id, jti)
);
"""
_PURGE_EVERY_S = 300


class RevocationStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)
        self._last_purge = 0.0

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _maybe_purge(self, now: int) -> None:
        if now - self._last_purge < _PURGE_EVERY_S:
            return
        self._last_purge = now
        self._conn.execute("DELETE FROM revoked_tokens WHERE expires_at < ?", (now - 60,))
        self._conn.execute("DELETE FROM used_assertions WHERE expires_at < ?", (now - 60,))

    def revoke(self, jti: str, client_id: str | None, expires_at: int) -> None:
        now = int(time.time())
        with self._lock:
            self._conn.execute(
                "INSERT OR IGNORE INTO revoked_tokens (jti, client_id, expires_at, revoked_at)"
                " VALUES (?, ?, ?, ?)",
                (jti, client_id, int(expires_at), now),
            )
            self._maybe_purge(now)

    def is_revoked(self, jti: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM revoked_tokens WHERE jti = ?", (jti,)
            ).fetchone()
        return row is not None

    def first_use_of_assertion(self, client_id: str, jti: str, expires_at: int) -> bool:
        """Record an assertion id; False if this client already used it."""
        now = int(time.time())
        with self._lock:
            cur = self._conn.execute(
                "INSERT OR IGNORE INTO used_assertions (client_id, jti, expires_at)"
                " VALUES (?, ?, ?)",
                (client_id, jti, int(expires_at)),
            )
            self._maybe_purge(now)
        return cur.rowcount == 1

"""Failed client authentications at the token endpoints, and the lock-outs they cause, in the
state database: every API worker and machine counts the same failures, so N nodes do not allow
N times the guesses, and a lock-out outlives a restart. Times are epoch seconds (wall clock:
several machines must agree on them).

`auth.throttle.LoginThrottle` decides what to count and when to lock; this store keeps the
counts, with the same three operations as its in-memory counterpart.
"""

from __future__ import annotations

import time
from pathlib import Path

import sqlalchemy as sa

from .db import Database
from .schema import login_failures, login_lockouts
from .stores import open_area

_PURGE_EVERY_S = 300.0


class SharedFailures:
    """Failure times per key within `window_s`, and lock-outs until a time."""

    def __init__(self, target: Database | Path, *, window_s: float, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "auth", migrate=migrate)
        self.window_s = window_s
        self._lock_key = self.db.insert(login_lockouts).values(
            key=sa.bindparam("key"), until=sa.bindparam("until")
        )
        self._lock_key = self._lock_key.on_conflict_do_update(
            index_elements=["key"], set_={"until": self._lock_key.excluded.until}
        )
        self._last_purge = 0.0

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def locked(self, key: str, now: float) -> float:
        """Seconds left of the key's lock-out, 0 when it is not locked."""
        with self.db.read() as conn:
            until = conn.execute(
                sa.select(login_lockouts.c.until).where(login_lockouts.c.key == key)
            ).scalar()
        return max(0.0, float(until) - now) if until is not None else 0.0

    def add(self, key: str, now: float, limit: int, lockout_s: float) -> bool:
        """Count one failure; True when it locks the key (its failures are then forgotten:
        the lock-out is what counts until it ends)."""
        with self.db.write() as conn:
            conn.execute(login_failures.insert(), {"key": key, "at": now})
            recent = conn.execute(
                sa.select(sa.func.count())
                .select_from(login_failures)
                .where(login_failures.c.key == key, login_failures.c.at > now - self.window_s)
            ).scalar_one()
            locks = recent >= limit
            if locks:
                conn.execute(self._lock_key, {"key": key, "until": now + lockout_s})
                conn.execute(login_failures.delete().where(login_failures.c.key == key))
            self._maybe_purge(conn, now)
        return locks

    def clear(self, key: str) -> None:
        """A success: the key's failures and lock-out are forgotten."""
        with self.db.write() as conn:
            conn.execute(login_failures.delete().where(login_failures.c.key == key))
            conn.execute(login_lockouts.delete().where(login_lockouts.c.key == key))

    def _maybe_purge(self, conn: sa.Connection, now: float) -> None:
        if now - self._last_purge < _PURGE_EVERY_S:
            return
        self._last_purge = now
        conn.execute(login_failures.delete().where(login_failures.c.at <= now - self.window_s))
        conn.execute(login_lockouts.delete().where(login_lockouts.c.until <= now))


def wall_clock() -> float:
    return time.time()

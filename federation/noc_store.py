"""Issued NOCs, their revocations, and the events a revocation leaves for the alerts work.

One SQLite file (WAL), written by the API (issue) and by the sync (revoke, when a theft report
arrives for a vehicle holding a valid CLEAR certificate): the events table is durable, so that
the alerts work can pick revocations up later (`pending_events`, `mark_picked`) whatever ran
when they happened.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from .noc_model import Decision, IssuedNoc, NocReason

_SCHEMA = """
CREATE TABLE IF NOT EXISTS noc (
    noc_id TEXT PRIMARY KEY, issued_at TEXT NOT NULL, registration_no TEXT,
    chassis_no TEXT, engine_no TEXT, decision TEXT NOT NULL,
    reasons TEXT NOT NULL, certificate TEXT NOT NULL, issued_to TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS noc_registration ON noc(registration_no, issued_at);
CREATE TABLE IF NOT EXISTS noc_events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,          -- noc_revoked
    noc_id TEXT NOT NULL,
    registration_no TEXT,
    record_id TEXT,              -- the report that caused it
    detail TEXT NOT NULL,
    picked_at TEXT               -- set by whoever acted on it (the alerts work)
);
CREATE INDEX IF NOT EXISTS noc_events_pending ON noc_events(picked_at, id);
"""
# Columns added after the first release; an older noc.db gets them on open.
_COLUMNS = {
    "expires_at": "TEXT",
    "audience": "TEXT",
    "purpose": "TEXT",
    "evidence": "TEXT",  # JSON: each source's last successful sync the decision rested on
    "revoked_at": "TEXT",
    "revoked_reason": "TEXT",
}


@dataclass(frozen=True)
class NocEvent:
    id: int
    at: str
    kind: str
    noc_id: str
    registration_no: str | None
    record_id: str | None
    detail: str


class NocStore:
    """Issued NOCs in one SQLite file, so that `GET /v1/noc/{id}` can re-check any of them."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA busy_timeout=10000")
            self._conn.executescript(_SCHEMA)
            have = {r[1] for r in self._conn.execute("PRAGMA table_info(noc)")}
            for column, kind in _COLUMNS.items():
                if column not in have:
                    self._conn.execute(f"ALTER TABLE noc ADD COLUMN {column} {kind}")

    def add(self, noc: IssuedNoc) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO noc (noc_id, issued_at, registration_no, chassis_no, engine_no, "
                "decision, reasons, certificate, issued_to, expires_at, audience, purpose, "
                "evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    noc.noc_id,
                    noc.issued_at.isoformat(),
                    noc.registration_no,
                    noc.chassis_no,
                    noc.engine_no,
                    noc.decision.value,
                    json.dumps([asdict(r) for r in noc.reasons]),
                    noc.certificate,
                    noc.issued_to,
                    noc.expires_at.isoformat() if noc.expires_at else None,
                    noc.audience,
                    noc.purpose,
                    json.dumps(noc.evidence),
                ),
            )

    def get(self, noc_id: str) -> IssuedNoc | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT noc_id, issued_at, registration_no, chassis_no, engine_no, decision, "
                "reasons, certificate, issued_to, expires_at, audience, purpose, evidence, "
                "revoked_at, revoked_reason FROM noc WHERE noc_id = ?",
                (noc_id,),
            ).fetchone()
        return None if row is None else _noc(row)

    def for_registration(self, registration_no: str, limit: int = 20) -> list[IssuedNoc]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT noc_id FROM noc WHERE registration_no = ? ORDER BY issued_at DESC LIMIT ?",
                (registration_no, limit),
            ).fetchall()
        return [n for n in (self.get(row[0]) for row in rows) if n is not None]

    def clear_for(
        self, *, registration: str | None, chassis: str | None, engine: str | None, now: datetime
    ) -> list[IssuedNoc]:
        """CLEAR certificates still valid at `now` for a vehicle a report names: same
        registration, or a chassis or engine number that ends with the report's (a report often
        carries only the last 5-6 characters)."""
        clauses, args = [], []
        if registration:
            clauses.append("registration_no = ?")
            args.append(registration)
        for column, value in (("chassis_no", chassis), ("engine_no", engine)):
            if value and len(value) >= 5:
                clauses.append(f"({column} = ? OR {column} LIKE ?)")
                args += [value, "%" + value.replace("%", "").replace("_", "")]
        if not clauses:
            return []
        sql = (
            "SELECT noc_id FROM noc WHERE decision = 'CLEAR' AND revoked_at IS NULL "
            "AND (expires_at IS NULL OR expires_at > ?) AND (" + " OR ".join(clauses) + ")"
        )
        with self._lock:
            rows = self._conn.execute(sql, [now.isoformat(), *args]).fetchall()
        return [n for n in (self.get(row[0]) for row in rows) if n is not None]

    def revoke(self, noc: IssuedNoc, *, at: datetime, reason: str, record_id: str | None) -> bool:
        """Mark `noc` revoked and record the event, in one transaction; False when it already
        was (a report read twice revokes once)."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                done = self._conn.execute(
                    "UPDATE noc SET revoked_at = ?, revoked_reason = ? "
                    "WHERE noc_id = ? AND revoked_at IS NULL",
                    (at.isoformat(), reason, noc.noc_id),
                ).rowcount
                if done:
                    self._conn.execute(
                        "INSERT INTO noc_events (at, kind, noc_id, registration_no, record_id, "
                        "detail) VALUES (?, 'noc_revoked', ?, ?, ?, ?)",
                        (at.isoformat(), noc.noc_id, noc.registration_no, record_id, reason),
                    )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return bool(done)

    def pending_events(self, limit: int = 100) -> list[NocEvent]:
        """Events nobody has acted on yet, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, at, kind, noc_id, registration_no, record_id, detail FROM noc_events "
                "WHERE picked_at IS NULL ORDER BY id LIMIT ?",
                (limit,),
            ).fetchall()
        return [NocEvent(*row) for row in rows]

    def mark_picked(self, event_ids: list[int], at: datetime) -> None:
        with self._lock:
            self._conn.executemany(
                "UPDATE noc_events SET picked_at = ? WHERE id = ? AND picked_at IS NULL",
                [(at.isoformat(), i) for i in event_ids],
            )

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def _noc(row: tuple[Any, ...]) -> IssuedNoc:
    return IssuedNoc(
        noc_id=row[0],
        issued_at=datetime.fromisoformat(row[1]),
        registration_no=row[2],
        chassis_no=row[3],
        engine_no=row[4],
        decision=Decision(row[5]),
        reasons=tuple(NocReason(**r) for r in json.loads(row[6])),
        certificate=row[7],
        issued_to=row[8],
        expires_at=datetime.fromisoformat(row[9]) if row[9] else None,
        audience=row[10],
        purpose=row[11],
        evidence=json.loads(row[12]) if row[12] else {},
        revoked_at=datetime.fromisoformat(row[13]) if row[13] else None,
        revoked_reason=row[14],
    )

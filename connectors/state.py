"""The sync state file (SQLite, WAL): checkpoints, versions, quarantine, redactions, run history.

Everything one page changes is committed in one transaction, after the page reached the index:
a crash before the commit re-reads the page (index writes are idempotent), a crash after it
never re-reads it. The `versions` table is what de-duplication by id and version compares
against, so that an overlap re-read or a repeated row costs a lookup, not an index write.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (
    source TEXT NOT NULL,
    stream TEXT NOT NULL,
    watermark TEXT,            -- newest source update time fully covered (ISO 8601)
    walk TEXT,                 -- JSON: the walk in progress, NULL when none
    last_success TEXT,         -- when a walk last completed
    last_reconcile TEXT,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (source, stream)
);
CREATE TABLE IF NOT EXISTS versions (
    record_id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    version INTEGER NOT NULL   -- source update time, epoch microseconds
);
CREATE INDEX IF NOT EXISTS versions_by_source ON versions (source);
CREATE TABLE IF NOT EXISTS quarantine (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    collection TEXT,
    native_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    payload TEXT NOT NULL,     -- JSON, Aadhaar already removed
    version_hint TEXT,
    fingerprint TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    seen INTEGER NOT NULL DEFAULT 1,
    resolved_at TEXT,
    resolution TEXT,
    UNIQUE (source, fingerprint)
);
CREATE INDEX IF NOT EXISTS quarantine_open ON quarantine (source, resolved_at);
CREATE TABLE IF NOT EXISTS redactions (
    source TEXT NOT NULL,
    native_id TEXT NOT NULL,
    field TEXT NOT NULL,
    what TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    seen INTEGER NOT NULL DEFAULT 1,
    PRIMARY KEY (source, native_id, field)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    full INTEGER NOT NULL,
    status TEXT NOT NULL,
    error TEXT,
    counts TEXT
);
"""


def micros(value: datetime) -> int:
    return int(value.timestamp() * 1_000_000)


def _now() -> str:
    return datetime.now(UTC).isoformat()


@dataclass(frozen=True)
class Checkpoint:
    watermark: datetime | None
    walk: dict[str, Any] | None
    last_success: datetime | None
    last_reconcile: datetime | None


@dataclass(frozen=True)
class Quarantined:
    """One quarantine entry to write. `native_id` is the row's id, or a payload hash when the
    row has none (a record missing its id field is still kept)."""

    source: str
    native_id: str | None
    reason: str
    payload: Any
    collection: str | None = None
    version_hint: datetime | None = None


@dataclass(frozen=True)
class QuarantineEntry:
    id: int
    source: str
    collection: str | None
    native_id: str
    reason: str
    payload: Any
    version_hint: datetime | None
    first_seen: str
    last_seen: str
    seen: int
    resolved_at: str | None


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True, sort_keys=True, default=str)


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class StateStore:
    """One connection, used from the event loop's thread only."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=10000")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- checkpoints -------------------------------------------------------------------------

    def checkpoint(self, source: str, stream: str) -> Checkpoint:
        row = self._db.execute(
            "SELECT watermark, walk, last_success, last_reconcile FROM checkpoints "
            "WHERE source = ? AND stream = ?",
            (source, stream),
        ).fetchone()
        if row is None:
            return Checkpoint(None, None, None, None)
        return Checkpoint(
            _parse(row[0]), json.loads(row[1]) if row[1] else None, _parse(row[2]), _parse(row[3])
        )

    def _put_checkpoint(
        self,
        source: str,
        stream: str,
        *,
        watermark: datetime | None,
        walk: dict[str, Any] | None,
        success: bool = False,
    ) -> None:
        now = _now()
        self._db.execute(
            "INSERT INTO checkpoints (source, stream, watermark, walk, last_success, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source, stream) DO UPDATE SET "
            "watermark = excluded.watermark, walk = excluded.walk, "
            "updated_at = excluded.updated_at, "
            "last_success = COALESCE(excluded.last_success, checkpoints.last_success)",
            (
                source,
                stream,
                watermark.isoformat() if watermark else None,
                _dumps(walk) if walk is not None else None,
                now if success else None,
                now,
            ),
        )

    def mark_reconciled(self, source: str, stream: str, when: datetime) -> None:
        cp = self.checkpoint(source, stream)
        with self._tx():
            self._put_checkpoint(source, stream, watermark=cp.watermark, walk=cp.walk)
            self._db.execute(
                "UPDATE checkpoints SET last_reconcile = ? WHERE source = ? AND stream = ?",
                (when.isoformat(), source, stream),
            )

    def reset(self, source: str) -> None:
        """Forget a source's checkpoints and versions (a full re-sync into a fresh index)."""
        with self._tx():
            self._db.execute("DELETE FROM checkpoints WHERE source = ?", (source,))
            self._db.execute("DELETE FROM versions WHERE source = ?", (source,))

    # -- versions ------------------------------------------------------------------------------

    def versions(self, record_ids: Sequence[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for start in range(0, len(record_ids), 500):
            chunk = list(record_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for rid, version in self._db.execute(
                f"SELECT record_id, version FROM versions WHERE record_id IN ({marks})", chunk
            ):
                out[rid] = version
        return out

    def count_versions(self, source: str) -> int:
        row = self._db.execute("SELECT COUNT(*) FROM versions WHERE source = ?", (source,))
        return int(row.fetchone()[0])

    # -- the page commit ------------------------------------------------------------------------

    def commit_page(
        self,
        source: str,
        stream: str,
        *,
        watermark: datetime | None,
        walk: dict[str, Any] | None,
        success: bool,
        written: Iterable[tuple[str, int]] = (),
        deleted: Iterable[str] = (),
        quarantined: Iterable[Quarantined] = (),
        redactions: Iterable[tuple[str, str, str]] = (),
    ) -> int:
        """Commit everything one page changed; returns how many quarantine entries are new."""
        with self._tx():
            self._db.executemany(
                "INSERT INTO versions (record_id, source, version) VALUES (?, ?, ?) "
                "ON CONFLICT (record_id) DO UPDATE SET version = excluded.version",
                [(rid, source, v) for rid, v in written],
            )
            self._db.executemany(
                "DELETE FROM versions WHERE record_id = ?", [(rid,) for rid in deleted]
            )
            new = self._quarantine(quarantined)
            self._redact(source, redactions)
            self._put_checkpoint(source, stream, watermark=watermark, walk=walk, success=success)
        return new

    def add_quarantine(self, items: Iterable[Quarantined]) -> int:
        with self._tx():
            return self._quarantine(items)

    def _quarantine(self, items: Iterable[Quarantined]) -> int:
        new = 0
        now = _now()
        for item in items:
            payload = _dumps(item.payload)
            native = item.native_id or "sha256:" + hashlib.sha256(payload.encode()).hexdigest()[:16]
            fingerprint = hashlib.sha256(
                "\x1f".join((item.collection or "", native, item.reason, payload)).encode()
            ).hexdigest()
            cursor = self._db.execute(
                "INSERT INTO quarantine (source, collection, native_id, reason, payload, "
                "version_hint, fingerprint, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (source, fingerprint) DO UPDATE SET last_seen = excluded.last_seen, "
                "seen = quarantine.seen + 1 RETURNING seen",
                (
                    item.source,
                    item.collection,
                    native,
                    item.reason,
                    payload,
                    item.version_hint.isoformat() if item.version_hint else None,
                    fingerprint,
                    now,
                    now,
                ),
            )
            (seen,) = cursor.fetchone()
            new += seen == 1
        return new

    def _redact(self, source: str, items: Iterable[tuple[str, str, str]]) -> None:
        now = _now()
        self._db.executemany(
            "INSERT INTO redactions (source, native_id, field, what, first_seen) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, native_id, field) "
            "DO UPDATE SET seen = redactions.seen + 1",
            [(source, native, field, what, now) for native, field, what in items],
        )

    # -- quarantine reads and replay ---------------------------------------------------------

    def quarantine_entries(
        self, source: str | None = None, *, include_resolved: bool = False
    ) -> Iterator[QuarantineEntry]:
        where, args = [], []
        if source:
            where.append("source = ?")
            args.append(source)
        if not include_resolved:
            where.append("resolved_at IS NULL")
        sql = (
            "SELECT id, source, collection, native_id, reason, payload, version_hint, first_seen, "
            "last_seen, seen, resolved_at FROM quarantine"
        )
        if where:
            sql += " WHERE " + " AND ".join(where)
        for row in self._db.execute(sql + " ORDER BY id", args).fetchall():
            yield QuarantineEntry(
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                json.loads(row[5]),
                _parse(row[6]),
                row[7],
                row[8],
                row[9],
                row[10],
            )

    def resolve(self, entry_id: int, resolution: str) -> None:
        self._db.execute(
            "UPDATE quarantine SET resolved_at = ?, resolution = ? WHERE id = ?",
            (_now(), resolution, entry_id),
        )

    def resolve_file(self, source: str, native_id: str) -> None:
        """A quarantined file fetched and processed after all."""
        self._db.execute(
            "UPDATE quarantine SET resolved_at = ?, resolution = 'refetched' WHERE source = ? "
            "AND native_id = ? AND collection = '@file' AND resolved_at IS NULL",
            (_now(), source, native_id),
        )

    def quarantine_counts(self) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT source, COUNT(*) FROM quarantine WHERE resolved_at IS NULL GROUP BY source"
        )
        return {s: int(n) for s, n in rows}

    def redaction_counts(self) -> dict[str, int]:
        rows = self._db.execute("SELECT source, COUNT(*) FROM redactions GROUP BY source")
        return {s: int(n) for s, n in rows}

    # -- runs --------------------------------------------------------------------------------

    def start_run(self, source: str, *, full: bool) -> int:
        cursor = self._db.execute(
            "INSERT INTO runs (source, started_at, full, status) VALUES (?, ?, ?, 'running')",
            (source, _now(), int(full)),
        )
        return int(cursor.lastrowid or 0)

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, Any], error: str | None
    ) -> None:
        self._db.execute(
            "UPDATE runs SET finished_at = ?, status = ?, counts = ?, error = ? WHERE id = ?",
            (_now(), status, _dumps(counts), error, run_id),
        )

    def last_runs(self) -> dict[str, dict[str, Any]]:
        rows = self._db.execute(
            "SELECT source, started_at, finished_at, status, error, counts FROM runs "
            "WHERE id IN (SELECT MAX(id) FROM runs GROUP BY source)"
        )
        return {
            r[0]: {
                "started_at": r[1],
                "finished_at": r[2],
                "status": r[3],
                "error": r[4],
                "counts": json.loads(r[5]) if r[5] else {},
            }
            for r in rows
        }

    def checkpoints(self) -> list[tuple[str, str, Checkpoint]]:
        rows = self._db.execute(
            "SELECT source, stream, watermark, walk, last_success, last_reconcile FROM checkpoints"
        ).fetchall()
        return [
            (
                r[0],
                r[1],
                Checkpoint(
                    _parse(r[2]), json.loads(r[3]) if r[3] else None, _parse(r[4]), _parse(r[5])
                ),
            )
            for r in rows
        ]

    # -- reconciliation scratch ------------------------------------------------------------

    def reconcile_begin(self, source: str) -> None:
        self._db.execute("CREATE TEMP TABLE IF NOT EXISTS live_ids (record_id TEXT PRIMARY KEY)")
        self._db.execute("DELETE FROM live_ids")

    def reconcile_add(self, record_ids: Sequence[str]) -> None:
        with self._tx():
            self._db.executemany(
                "INSERT OR IGNORE INTO live_ids (record_id) VALUES (?)", [(r,) for r in record_ids]
            )

    def reconcile_missing(self, record_ids: Sequence[str]) -> list[str]:
        """Which of `record_ids` the source no longer listed."""
        present: set[str] = set()
        for start in range(0, len(record_ids), 500):
            chunk = list(record_ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            present.update(
                r
                for (r,) in self._db.execute(
                    f"SELECT record_id FROM live_ids WHERE record_id IN ({marks})", chunk
                )
            )
        return [r for r in record_ids if r not in present]

    def reconcile_unknown(self, source: str) -> int:
        """Listed ids that are neither indexed nor waiting in quarantine: rows a walk missed."""
        prefix = len(source) + 2
        row = self._db.execute(
            "SELECT COUNT(*) FROM live_ids WHERE record_id NOT IN (SELECT record_id FROM versions)"
            " AND substr(record_id, ?) NOT IN "
            "(SELECT native_id FROM quarantine WHERE source = ? AND resolved_at IS NULL)",
            (prefix, source),
        ).fetchone()
        return int(row[0])

    # -- transactions -------------------------------------------------------------------------

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("COMMIT" if exc_type is None else "ROLLBACK")

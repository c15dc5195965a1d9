"""The sync state file (SQLite, WAL): checkpoints, versions, quarantine, redactions, run history.

Everything one page changes is committed in one transaction, after the page reached the index:
a crash before the commit re-reads the page (index writes are idempotent), a crash after it
never re-reads it. The `versions` table is what de-duplication by id and version compares
against, so that an overlap re-read or a repeated row costs a lookup, not an index write.
"""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from matching.identifiers import normalise_registration

SCHEMA = """
CREATE TABLE IF NOT EXISTS checkpoints (
    source TEXT NOT NULL,
    stream TEXT NOT NULL,
    watermark TEXT,            -- newest source update time fully covered (ISO 8601)
    walk TEXT,                 -- JSON: the walk in progress, NULL when none
    last_success TEXT,         -- when a walk last completed
    last_reconcile TEXT,
    updated_at TEXT NOT NULL,
    as_of TEXT,                -- the source's own time when the last completed walk began
    source_now TEXT,           -- the latest source time any walk has seen
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
    indexed INTEGER NOT NULL DEFAULT 0,  -- 1: indexed with data issues, listed for replay
    UNIQUE (source, fingerprint)
);
CREATE INDEX IF NOT EXISTS quarantine_open ON quarantine (source, resolved_at);
CREATE INDEX IF NOT EXISTS quarantine_native ON quarantine (source, native_id);
-- identifiers written anywhere in a quarantined payload, so that a decision about a vehicle
-- can ask whether a damaged or unreadable row mentions it (federation.noc)
CREATE TABLE IF NOT EXISTS quarantine_keys (
    entry_id INTEGER NOT NULL,
    kind TEXT NOT NULL,        -- registration, chassis, engine, or any (other fields)
    value TEXT NOT NULL,       -- upper case, letters and digits only
    rev TEXT NOT NULL          -- value reversed: fragments match by suffix
);
CREATE INDEX IF NOT EXISTS quarantine_keys_value ON quarantine_keys (value);
CREATE INDEX IF NOT EXISTS quarantine_keys_rev ON quarantine_keys (rev);
CREATE TABLE IF NOT EXISTS reconciliations (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    at TEXT NOT NULL,
    listed INTEGER NOT NULL,
    removed INTEGER NOT NULL,
    removed_ids TEXT NOT NULL  -- JSON: the first ids removed
);
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


# Identifier fragments shorter than this match too much to mean anything (chassis numbers on
# theft reports are the last 5-6 characters).
MIN_FRAGMENT = 5
_KEY_KINDS = (
    ("registration", re.compile(r"regn|reg_?no|registration|plate|vehicle_?no", re.I)),
    ("chassis", re.compile(r"chas|vin", re.I)),
    ("engine", re.compile(r"eng", re.I)),
)
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")


def compact(value: str) -> str:
    """An identifier as the quarantine keys hold it: upper case, letters and digits only."""
    return _NOT_ALNUM.sub("", value.upper())


def identifier_keys(payload: Any, key: str = "") -> set[tuple[str, str]]:
    """(kind, value) for every string in a payload that could be a vehicle number: fields named
    like a registration, chassis or engine number by kind, any other short field as `any`
    (matched only whole), and every value that reads as a registration number as one."""
    out: set[tuple[str, str]] = set()
    if isinstance(payload, dict):
        for k, v in payload.items():
            out |= identifier_keys(v, str(k))
        return out
    if isinstance(payload, list):
        for v in payload:
            out |= identifier_keys(v, key)
        return out
    if not isinstance(payload, str | int) or isinstance(payload, bool):
        return out
    value = compact(str(payload))
    if not MIN_FRAGMENT <= len(value) <= 30:
        return out
    kind = next((k for k, pattern in _KEY_KINDS if pattern.search(key)), "any")
    out.add((kind, value))
    plate = normalise_registration(str(payload))
    if plate is not None:
        out.add(("registration", plate))
    return out


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
    indexed: bool = False  # indexed with data issues; listed here to be replayed after a fix


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
    indexed: bool = False


@dataclass(frozen=True)
class Failure:
    """A source's last failed run: when it ended, why, and in which stream (None: before any
    stream, such as a refused login)."""

    at: datetime
    error: str | None
    stream: str | None


@dataclass(frozen=True)
class Mention:
    """An open quarantine entry whose payload writes a vehicle number asked about."""

    source: str
    native_id: str
    reason: str
    indexed: bool


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
        self._migrate()
        self._db.executescript(SCHEMA)

    def _migrate(self) -> None:
        """State files written before a column existed get it (CREATE IF NOT EXISTS does not)."""
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(quarantine)")}
        if columns and "indexed" not in columns:
            self._db.execute("ALTER TABLE quarantine ADD COLUMN indexed INTEGER NOT NULL DEFAULT 0")
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(checkpoints)")}
        for column in ("as_of", "source_now"):
            if columns and column not in columns:
                self._db.execute(f"ALTER TABLE checkpoints ADD COLUMN {column} TEXT")

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
        as_of: datetime | None = None,
    ) -> int:
        """Commit everything one page changed; returns how many quarantine entries are new.
        `as_of`: the source's own time when the walk began, kept when it completes
        (`success`)."""
        with self._tx():
            self._db.executemany(
                "INSERT INTO versions (record_id, source, version) VALUES (?, ?, ?) "
                "ON CONFLICT (record_id) DO UPDATE SET version = excluded.version",
                [(rid, source, v) for rid, v in written],
            )
            self._db.executemany(
                "DELETE FROM versions WHERE record_id = ?", [(rid,) for rid in deleted]
            )
            self._supersede(source, [rid.partition(":")[2] for rid, _ in written])
            new = self._quarantine(quarantined)
            self._redact(source, redactions)
            self._put_checkpoint(source, stream, watermark=watermark, walk=walk, success=success)
            if success and as_of is not None:
                self._db.execute(
                    "UPDATE checkpoints SET as_of = ? WHERE source = ? AND stream = ?",
                    (as_of.isoformat(), source, stream),
                )
        return new

    def saw(self, source: str, stream: str, when: datetime) -> None:
        """The source showed its time `when` (a page's `as_of` or `Date`): kept if the latest,
        whether or not the walk goes on to complete (lag is measured against it)."""
        stamp = when.astimezone(UTC).isoformat()  # one offset: ISO times compare as text
        self._db.execute(
            "INSERT INTO checkpoints (source, stream, updated_at, source_now) VALUES (?,?,?,?) "
            "ON CONFLICT (source, stream) DO UPDATE SET source_now = excluded.source_now "
            "WHERE checkpoints.source_now IS NULL OR checkpoints.source_now < excluded.source_now",
            (source, stream, _now(), stamp),
        )

    def add_quarantine(self, items: Iterable[Quarantined]) -> int:
        with self._tx():
            return self._quarantine(items)

    def _supersede(self, source: str, natives: Sequence[str]) -> None:
        """A version of these records reached the index: earlier quarantined copies of them are
        superseded (a copy still damaged is quarantined again right after, and reopened)."""
        self._db.executemany(
            "UPDATE quarantine SET resolved_at = ?, resolution = 'superseded' WHERE source = ? "
            "AND native_id = ? AND resolved_at IS NULL AND collection IS NOT '@file'",
            [(_now(), source, n) for n in natives],
        )

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
                "version_hint, fingerprint, first_seen, last_seen, indexed) "
                "VALUES (?,?,?,?,?,?,?,?,?,?) "
                "ON CONFLICT (source, fingerprint) DO UPDATE SET last_seen = excluded.last_seen, "
                "seen = quarantine.seen + 1, resolved_at = NULL, resolution = NULL, "
                "indexed = excluded.indexed RETURNING id, seen",
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
                    int(item.indexed),
                ),
            )
            entry_id, seen = cursor.fetchone()
            if seen == 1:
                new += 1
                self._db.executemany(
                    "INSERT INTO quarantine_keys (entry_id, kind, value, rev) VALUES (?,?,?,?)",
                    [(entry_id, kind, v, v[::-1]) for kind, v in identifier_keys(item.payload)],
                )
        return new

    def mentions(
        self,
        *,
        registration: str | None = None,
        chassis: str | None = None,
        engine: str | None = None,
        sources: Sequence[str] | None = None,
    ) -> list[Mention]:
        """Open quarantine entries (indexed with issues or not) whose payload writes this
        registration, or this chassis or engine number or a fragment of it (5 characters or
        more, either way round: a report's last six characters, or the asker's)."""
        clauses: list[str] = []
        args: list[Any] = []
        if registration:
            clauses.append("(k.kind IN ('registration', 'any') AND k.value = ?)")
            args.append(compact(registration))
        for kind, value in (("chassis", chassis), ("engine", engine)):
            number = compact(value) if value else ""
            if len(number) < MIN_FRAGMENT:
                continue
            suffixes = [number[i:] for i in range(len(number) - MIN_FRAGMENT + 1)]
            marks = ",".join("?" * len(suffixes))
            # stored values ending with `number`: their reversal starts with it, a range the
            # index on `rev` answers (values are [0-9A-Z] only, and "[" sorts right after "Z")
            clauses.append(
                f"(k.kind = '{kind}' AND (k.value IN ({marks}) OR (k.rev >= ? AND k.rev < ?)))"
                " OR (k.kind = 'any' AND k.value = ?)"
            )
            args += [*suffixes, number[::-1], number[::-1] + "[", number]
        if not clauses:
            return []
        sql = (
            "SELECT DISTINCT q.source, q.native_id, q.reason, q.indexed FROM quarantine_keys k "
            "JOIN quarantine q ON q.id = k.entry_id WHERE q.resolved_at IS NULL AND ("
            + " OR ".join(clauses)
            + ")"
        )
        if sources:
            sql += f" AND q.source IN ({','.join('?' * len(sources))})"
            args += list(sources)
        return [Mention(r[0], r[1], r[2], bool(r[3])) for r in self._db.execute(sql, args)]

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
            "last_seen, seen, resolved_at, indexed FROM quarantine"
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
                bool(row[11]),
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

    def reopen(self, entry_id: int, reason: str, *, indexed: bool) -> None:
        """A replayed entry still damaged: its new reason, open."""
        self._db.execute(
            "UPDATE quarantine SET reason = ?, indexed = ?, resolved_at = NULL, resolution = NULL "
            "WHERE id = ?",
            (reason, int(indexed), entry_id),
        )

    def quarantine_counts(self) -> dict[str, int]:
        rows = self._db.execute(
            "SELECT source, COUNT(*) FROM quarantine WHERE resolved_at IS NULL GROUP BY source"
        )
        return {s: int(n) for s, n in rows}

    def quarantine_split(self) -> dict[str, tuple[int, int]]:
        """Open entries per source: (quarantined alone, indexed with issues)."""
        rows = self._db.execute(
            "SELECT source, SUM(indexed = 0), SUM(indexed = 1) FROM quarantine "
            "WHERE resolved_at IS NULL GROUP BY source"
        )
        return {s: (int(a or 0), int(b or 0)) for s, a, b in rows}

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

    def last_failure(self, source: str) -> Failure | None:
        row = self._db.execute(
            "SELECT finished_at, error, counts FROM runs WHERE source = ? AND finished_at IS NOT "
            "NULL AND status NOT IN ('ok', 'running') ORDER BY id DESC LIMIT 1",
            (source,),
        ).fetchone()
        if row is None:
            return None
        counts = json.loads(row[2]) if row[2] else {}
        stream = (counts.get("extra") or {}).get("failed_stream")
        return Failure(datetime.fromisoformat(row[0]), row[1], stream)

    def source_times(self) -> dict[tuple[str, str], tuple[datetime | None, datetime | None]]:
        """(source, stream) → (the source's time when its last completed walk began, the
        latest source time seen since)."""
        rows = self._db.execute("SELECT source, stream, as_of, source_now FROM checkpoints")
        return {(r[0], r[1]): (_parse(r[2]), _parse(r[3])) for r in rows}

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

    def record_reconciliation(
        self, source: str, when: datetime, listed: int, removed: Sequence[str]
    ) -> None:
        """An ids reconciliation done: when, how many ids the source listed, what it removed
        (the first 100 ids; `icjs sync status` shows the last one)."""
        self._db.execute(
            "INSERT INTO reconciliations (source, at, listed, removed, removed_ids) "
            "VALUES (?, ?, ?, ?, ?)",
            (source, when.isoformat(), listed, len(removed), _dumps(list(removed[:100]))),
        )

    def last_reconciliations(self) -> dict[str, dict[str, Any]]:
        rows = self._db.execute(
            "SELECT source, at, listed, removed, removed_ids FROM reconciliations "
            "WHERE id IN (SELECT MAX(id) FROM reconciliations GROUP BY source)"
        )
        return {
            r[0]: {"at": r[1], "listed": r[2], "removed": r[3], "removed_ids": json.loads(r[4])}
            for r in rows
        }

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

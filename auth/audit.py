"""The audit log: every request, allowed or denied, in an append-only, hash-chained SQLite table.

Each entry's `hash` is SHA-256 over the canonical JSON of the entry (every column but `hash`,
including `prev_hash`), and `prev_hash` is the previous entry's `hash` (64 zeros for the first).
Editing a row breaks its hash; deleting or reordering rows breaks the chain or the sequence;
removing rows at the end is caught against the head record kept in `audit_head`, which is
written in the same transaction as each entry. (Someone who can rewrite the whole file can
rewrite both; anchor `verify().head_hash` somewhere else — a ticket, a print-out, another
machine — to close that gap: `icjs audit verify --expect-head HASH`.)

Appends are serialised by a process-local lock plus SQLite `BEGIN IMMEDIATE`, so several API
workers can share one file. The log never stores tokens or secrets: callers pass sanitised
queries (see `sanitise`). Every text it stores has its control characters and unpaired
surrogates escaped (`records.text.printable`), so an entry can always be written, and read back
in a terminal without driving it.

Each request gets two entries with the same `request_id`: one with decision `received` (status
0), written before any handler runs, and one with the answer's status and decision. Entries
written before `client_address` and `user_agent` existed hash without them, so old chains verify.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from records.text import printable

GENESIS = "0" * 64
_SECRET_KEYS = frozenset(
    {
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "client_secret",
        "client_assertion",
        "assertion",
        "password",
        "secret",
        "authorization",
        "code",
        "api_key",
        "apikey",
    }
)
_MAX_QUERY_CHARS = 4000


def sanitise(query: Any, depth: int = 0) -> Any:
    """Drop anything that looks like a credential, keep the rest (the auditor needs to know
    *whom* was searched for). Long values are cut to keep entries bounded."""
    if depth > 6:
        return "…"
    if isinstance(query, Mapping):
        return {
            _text(str(k), 100): (
                "[withheld]" if str(k).lower() in _SECRET_KEYS else sanitise(v, depth + 1)
            )
            for k, v in list(query.items())[:100]
        }
    if isinstance(query, list | tuple):
        return [sanitise(v, depth + 1) for v in list(query)[:100]]
    if isinstance(query, str):
        return _text(query, 500)
    if query is None or isinstance(query, bool | int):
        return query
    if isinstance(query, float):
        return query if query == query and abs(query) != float("inf") else str(query)
    return _text(str(query), 500)


def _text(value: str, limit: int) -> str:
    value = value if len(value) <= limit else value[:limit] + "…"
    return printable(value)


def _optional_text(value: str | None, limit: int = 500) -> str | None:
    return None if value is None else _text(value, limit)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class AuditEvent:
    """What the caller of `append` provides; `seq`, `time` and hashes are the log's."""

    route: str
    method: str
    status: int
    decision: str  # received | allow | deny | error
    actor: str = "anonymous"
    agency: str | None = None
    client: str | None = None
    role: str | None = None
    actor_state: str | None = None
    actor_district: str | None = None
    query: Any = None
    purpose: str | None = None
    record_ids: Sequence[str] = ()
    latency_ms: float = 0.0
    request_id: str | None = None
    reason: str | None = None  # why it was denied, in words, no secrets
    client_address: str | None = None  # the peer, or the client a trusted proxy names
    user_agent: str | None = None


# Received before any handler ran: the status is not known yet.
RECEIVED = "received"
# Columns added after the first release: left out of an entry's hash when empty, so entries
# written before them verify unchanged.
_LATER_COLUMNS = ("client_address", "user_agent")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    time: str
    actor: str
    agency: str | None
    client: str | None
    role: str | None
    actor_state: str | None
    actor_district: str | None
    route: str
    method: str
    status: int
    decision: str
    query: Any
    purpose: str | None
    record_ids: list[str]
    latency_ms: float
    request_id: str | None
    reason: str | None
    prev_hash: str
    hash: str
    client_address: str | None = None
    user_agent: str | None = None

    def content(self) -> dict[str, Any]:
        """Everything the hash covers."""
        data = asdict(self)
        data.pop("hash")
        return _hashed(data)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _hashed(content: dict[str, Any]) -> dict[str, Any]:
    for column in _LATER_COLUMNS:
        if content.get(column) is None:
            content.pop(column, None)
    return content


def entry_hash(content: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical_json(content).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    entries: int
    head_hash: str
    problems: tuple[str, ...] = ()
    first_bad_seq: int | None = None


@dataclass(frozen=True)
class AuditQuery:
    """Filters for reading the log; `district` limits to actors of that state+district."""

    state: str | None = None
    district: str | None = None
    actor: str | None = None
    since_seq: int = 0
    before_seq: int | None = None
    limit: int = 100
    newest_first: bool = True


_COLUMNS = (
    "seq",
    "time",
    "actor",
    "agency",
    "client",
    "role",
    "actor_state",
    "actor_district",
    "route",
    "method",
    "status",
    "decision",
    "query",
    "purpose",
    "record_ids",
    "latency_ms",
    "request_id",
    "reason",
    "prev_hash",
    "hash",
    "client_address",
    "user_agent",
)

_INSERT = f"INSERT INTO audit ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    time TEXT NOT NULL,
    actor TEXT NOT NULL,
    agency TEXT,
    client TEXT,
    role TEXT,
    actor_state TEXT,
    actor_district TEXT,
    route TEXT NOT NULL,
    method TEXT NOT NULL,
    status INTEGER NOT NULL,
    decision TEXT NOT NULL,
    query TEXT NOT NULL,
    purpose TEXT,
    record_ids TEXT NOT NULL,
    latency_ms REAL NOT NULL,
    request_id TEXT,
    reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    client_address TEXT,
    user_agent TEXT
);
CREATE INDEX IF NOT EXISTS audit_actor_district ON audit(actor_state, actor_district, seq);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"""


class AuditLog:
    """One SQLite file; open once per process and share (it is thread-safe)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        # NORMAL in WAL mode: an OS crash may lose the last commits but never corrupts the chain.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(audit)")}
        for column in _LATER_COLUMNS:  # logs created before these columns existed
            if column not in columns:
                self._conn.execute(f"ALTER TABLE audit ADD COLUMN {column} TEXT")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def append(self, event: AuditEvent) -> AuditEntry:
        """Append one entry and return it. Raises `sqlite3.Error` if it cannot be written:
        the caller must then refuse to answer (fail closed)."""
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                row = self._conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
                prev_seq, prev_hash = (row[0], row[1]) if row else (0, GENESIS)
                content: dict[str, Any] = {
                    "seq": prev_seq + 1,
                    "time": now,
                    "actor": _text(event.actor, 200),
                    "agency": _optional_text(event.agency, 200),
                    "client": _optional_text(event.client, 200),
                    "role": _optional_text(event.role, 50),
                    "actor_state": _optional_text(event.actor_state, 50),
                    "actor_district": _optional_text(event.actor_district, 100),
                    "route": _text(event.route, 300),
                    "method": _text(event.method, 20),
                    "status": int(event.status),
                    "decision": event.decision,
                    "query": sanitise(event.query),
                    "purpose": _optional_text(event.purpose),
                    "record_ids": [_text(str(r), 300) for r in event.record_ids],
                    "latency_ms": round(float(event.latency_ms), 3),
                    "request_id": _optional_text(event.request_id, 100),
                    "reason": _optional_text(event.reason),
                    "prev_hash": prev_hash,
                    "client_address": _optional_text(event.client_address, 100),
                    "user_agent": _optional_text(event.user_agent, 300),
                }
                digest = entry_hash(_hashed(dict(content)))
                self._conn.execute(
                    _INSERT,
                    _row_values({**content, "hash": digest}),
                )
                self._conn.execute(
                    "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                    "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                    (content["seq"], digest),
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return AuditEntry(**content, hash=digest)

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> Iterator[AuditEntry]:
        with self._lock:
            rows = self._conn.execute(sql, params).fetchall()
        for row in rows:
            yield _entry_from_row(row)

    def entries(self, query: AuditQuery | None = None) -> list[AuditEntry]:
        q = query or AuditQuery()
        where = ["seq > ?"]
        params: list[Any] = [q.since_seq]
        if q.district is not None:
            where.append("actor_state IS ? AND actor_district IS ?")
            params += [q.state, q.district]
        if q.before_seq is not None:
            where.append("seq < ?")
            params.append(q.before_seq)
        if q.actor is not None:
            where.append("actor = ?")
            params.append(q.actor)
        order = "DESC" if q.newest_first else "ASC"
        sql = (
            f"SELECT {', '.join(_COLUMNS)} FROM audit WHERE {' AND '.join(where)} "
            f"ORDER BY seq {order} LIMIT ?"
        )
        return list(self._rows(sql, [*params, max(0, min(q.limit, 1000))]))

    def count(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0])

    def verify(self, expect_head: str | None = None) -> VerifyResult:
        """Walk the chain from the first entry. Reports the first problem found and stops
        trusting the chain from there (later entries' hashes depend on it)."""
        problems: list[str] = []
        first_bad: int | None = None
        prev_hash = GENESIS
        expected_seq = 1
        n = 0
        with self._lock:
            cursor = self._conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM audit ORDER BY rowid")
            head = self._conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
            for row in cursor:
                n += 1
                try:
                    entry = _entry_from_row(row)
                except (ValueError, TypeError) as exc:
                    problems.append(f"entry at position {n}: unreadable ({exc})")
                    first_bad = first_bad or n
                    break
                if entry.seq != expected_seq:
                    problems.append(
                        f"entry seq {entry.seq} found where seq {expected_seq} was expected "
                        "(an entry was removed or reordered)"
                    )
                    first_bad = expected_seq
                    break
                if entry.prev_hash != prev_hash:
                    problems.append(
                        f"entry seq {entry.seq}: prev_hash does not match entry {entry.seq - 1}"
                    )
                    first_bad = entry.seq
                    break
                if entry_hash(entry.content()) != entry.hash:
                    problems.append(
                        f"entry seq {entry.seq}: contents do not match its hash (edited)"
                    )
                    first_bad = entry.seq
                    break
                prev_hash = entry.hash
                expected_seq += 1
        if not problems:
            head_seq, head_hash = (head[0], head[1]) if head else (0, GENESIS)
            if head_seq != n or head_hash != prev_hash:
                problems.append(
                    f"the log ends at seq {n} but its head record says seq {head_seq}: "
                    "entries were removed from the end"
                )
                first_bad = min(n, head_seq) + 1
            elif expect_head is not None and expect_head != prev_hash:
                problems.append("the head hash differs from the one you expected")
        return VerifyResult(
            ok=not problems,
            entries=n,
            head_hash=prev_hash,
            problems=tuple(problems),
            first_bad_seq=first_bad,
        )


def _row_values(content: Mapping[str, Any]) -> tuple[Any, ...]:
    values = []
    for col in _COLUMNS:
        v = content[col]
        values.append(canonical_json(v) if col in ("query", "record_ids") else v)
    return tuple(values)


def _entry_from_row(row: Sequence[Any]) -> AuditEntry:
    data = dict(zip(_COLUMNS, row, strict=True))
    data["query"] = json.loads(data["query"])
    data["record_ids"] = json.loads(data["record_ids"])
    return AuditEntry(**data)

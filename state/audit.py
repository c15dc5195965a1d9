"""The audit log: every request, allowed or denied, in an append-only, hash-chained table.

Each entry's `hash` is SHA-256 over the canonical JSON of the entry (every column but `hash`,
including `prev_hash`), and `prev_hash` is the previous entry's `hash` (64 zeros for the first).
Editing a row breaks its hash; deleting or reordering rows breaks the chain or the sequence;
removing rows at the end is caught against the head record kept in `audit_head`, which is
written in the same transaction as each entry. (Someone who can rewrite the whole file can
rewrite both; anchor `verify().head_hash` somewhere else — a ticket, a print-out, another
machine — to close that gap: `icjs audit verify --expect-head HASH`.)

The chain stays one chain whatever writes it: each append reads the head and writes the entry
and the new head in one transaction that holds the chain, `BEGIN IMMEDIATE` on SQLite (one
writer per file) and the head row's lock (`SELECT … FOR UPDATE`) on PostgreSQL, so API workers
and machines sharing one database append one after another, never from the same head.

The log never stores tokens or secrets: callers pass sanitised queries (see `sanitise`).
Every text it stores has its control characters and unpaired surrogates escaped
(`records.text.printable`), so an entry can always be written, and read back in a terminal
without driving it.

Each request gets two entries with the same `request_id`: one with decision `received` (status
0), written before any handler runs, and one with the answer's status and decision. Entries
written before `client_address` and `user_agent` existed hash without them, so old chains verify.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from records.text import printable

from . import schema
from .db import Database
from .stores import open_area

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
        "csrf",  # the console's anti-forgery token
        "code_verifier",
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


_COLUMNS = tuple(c.name for c in schema.audit.columns)
_HEAD = (
    sa.select(schema.audit_head.c.seq, schema.audit_head.c.hash)
    .where(schema.audit_head.c.id == 1)
    .with_for_update()  # PostgreSQL: appends queue on the head's row; SQLite: BEGIN IMMEDIATE
)
_MOVE_HEAD = (
    schema.audit_head.update()
    .where(schema.audit_head.c.id == 1)
    .values(seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash"))
)
_ADD_HEAD = schema.audit_head.insert().values(
    id=1, seq=sa.bindparam("new_seq"), hash=sa.bindparam("new_hash")
)
_INSERT = schema.audit.insert()


class AuditLog:
    """The chain in a state database (`state.Database`, or a SQLite file by path). Thread-safe
    and safe across processes and machines sharing the database: open once per process and
    share."""

    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.path = target if isinstance(target, Path) else None
        self.db, self._owned = open_area(target, "audit", migrate=migrate)
        self._head = self.db.prepare(_HEAD)
        self._insert = self.db.prepare(_INSERT)
        self._move_head = self.db.prepare(_MOVE_HEAD)
        self._add_head = self.db.prepare(_ADD_HEAD)
        # PostgreSQL: a commit is a round trip and a disk flush while the chain is held, so the
        # appends a process's threads make at once are written together (see `_GroupCommit`);
        # SQLite commits in-process and gains nothing from it.
        self._group = _GroupCommit(self._write) if self.db.is_postgresql else None

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def append(self, event: AuditEvent) -> AuditEntry:
        """Append one entry and return it once it is committed. Raises the driver's error
        (`sqlite3.Error`, `psycopg.Error`) or `StateError` if it cannot be written: the caller
        must then refuse to answer (fail closed)."""
        if self._group is None:
            return self._write([event])[0]
        return self._group.append(event)

    def _write(self, events: Sequence[AuditEvent]) -> list[AuditEntry]:
        """Chain `events` after the head, in one transaction."""
        entries: list[AuditEntry] = []
        with self.db.raw_write() as cursor:
            row = self._head.run(cursor).fetchone()
            prev_seq, prev_hash = (int(row[0]), str(row[1])) if row else (0, GENESIS)
            rows = []
            for event in events:
                content = _content(event, prev_seq + 1, prev_hash)
                digest = entry_hash(_hashed(dict(content)))
                rows.append(_row_values({**content, "hash": digest}))
                entries.append(AuditEntry(**content, hash=digest))
                prev_seq, prev_hash = content["seq"], digest
            if len(rows) == 1:
                self._insert.run(cursor, rows[0])
            else:
                self._insert.run_many(cursor, rows)
            moved = {"new_seq": prev_seq, "new_hash": prev_hash}
            (self._move_head if row else self._add_head).run(cursor, moved)
        return entries

    def entries(self, query: AuditQuery | None = None) -> list[AuditEntry]:
        q = query or AuditQuery()
        t = schema.audit
        where = [t.c.seq > q.since_seq]
        if q.district is not None:
            where.append(t.c.actor_state.is_not_distinct_from(q.state))
            where.append(t.c.actor_district.is_not_distinct_from(q.district))
        if q.before_seq is not None:
            where.append(t.c.seq < q.before_seq)
        if q.actor is not None:
            where.append(t.c.actor == q.actor)
        sql = (
            sa.select(*(t.c[c] for c in _COLUMNS))
            .where(*where)
            .order_by(t.c.seq.desc() if q.newest_first else t.c.seq.asc())
            .limit(max(0, min(q.limit, 1000)))
        )
        with self.db.read() as conn:
            rows = conn.execute(sql).all()
        return [_entry_from_row(row) for row in rows]

    def count(self) -> int:
        with self.db.read() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(schema.audit)).scalar_one()
            )

    def verify(self, expect_head: str | None = None) -> VerifyResult:
        """Walk the chain from the first entry. Reports the first problem found and stops
        trusting the chain from there (later entries' hashes depend on it). Reads one snapshot,
        so appends by running servers do not disturb it."""
        problems: list[str] = []
        first_bad: int | None = None
        prev_hash = GENESIS
        expected_seq = 1
        n = 0
        t = schema.audit
        with self.db.read(snapshot=True) as conn:
            head = conn.execute(
                sa.select(schema.audit_head.c.seq, schema.audit_head.c.hash)
            ).first()
            rows = conn.execution_options(yield_per=2000).execute(
                sa.select(*(t.c[c] for c in _COLUMNS)).order_by(t.c.seq)
            )
            for row in rows:
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
            rows.close()
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


def _content(event: AuditEvent, seq: int, prev_hash: str) -> dict[str, Any]:
    """What an entry holds (all but its hash), its texts cut and escaped."""
    return {
        "seq": seq,
        # taken once the chain is held, so times never go back along it
        "time": datetime.now(UTC).isoformat(timespec="microseconds"),
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


class _Waiter:
    __slots__ = ("entry", "error", "event", "leading", "wake")

    def __init__(self, event: AuditEvent) -> None:
        self.event = event
        self.wake = threading.Event()
        self.leading = False
        self.entry: AuditEntry | None = None
        self.error: BaseException | None = None


class _GroupCommit:
    """Group commit for one process: threads appending at once share one transaction.

    A chain can only grow one commit at a time, and on PostgreSQL a commit waits for the disk
    (measured here: ~4 ms with fsync, so ~170 appends a second for every API node together, one
    by one). So the first thread to arrive writes what is pending, its own entry included; the
    threads arriving meanwhile wait, and the first of them writes the next batch, all of theirs.
    Nobody returns before its entry is committed (an entry is still written before its handler
    runs), and a failed batch fails every append in it (fail closed). No thread of our own: the
    waiting request threads take turns."""

    def __init__(self, write: Callable[[Sequence[AuditEvent]], list[AuditEntry]]) -> None:
        self._write = write
        self._mutex = threading.Lock()
        self._pending: list[_Waiter] = []
        self._busy = False

    def append(self, event: AuditEvent) -> AuditEntry:
        me = _Waiter(event)
        with self._mutex:
            self._pending.append(me)
            if not self._busy:
                self._busy = me.leading = True
        while not me.leading:
            me.wake.wait()
            me.wake.clear()
            if me.entry is not None or me.error is not None:
                return self._result(me)
        with self._mutex:
            batch, self._pending = self._pending, []
        try:
            entries = self._write([w.event for w in batch])
        except BaseException as exc:
            for w in batch:
                w.error = exc
        else:
            for w, entry in zip(batch, entries, strict=True):
                w.entry = entry
        with self._mutex:
            if self._pending:  # the next writer: the first of those who came meanwhile
                self._pending[0].leading = True
                self._pending[0].wake.set()
            else:
                self._busy = False
        for w in batch:
            if w is not me:
                w.wake.set()
        return self._result(me)

    @staticmethod
    def _result(waiter: _Waiter) -> AuditEntry:
        if waiter.error is not None:
            raise waiter.error
        assert waiter.entry is not None
        return waiter.entry


def _row_values(content: Mapping[str, Any]) -> dict[str, Any]:
    return {
        col: canonical_json(content[col]) if col in ("query", "record_ids") else content[col]
        for col in _COLUMNS
    }


def _entry_from_row(row: Sequence[Any]) -> AuditEntry:
    data = dict(zip(_COLUMNS, row, strict=True))
    data["query"] = json.loads(data["query"])
    data["record_ids"] = json.loads(data["record_ids"])
    return AuditEntry(**data)

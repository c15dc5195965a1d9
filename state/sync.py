"""The sync state: checkpoints, versions, quarantine, redactions, run history (a SQLite file,
`sync.state_path`, or the shared PostgreSQL database).

Everything one page changes is committed in one transaction, after the page reached the index:
a crash before the commit re-reads the page (index writes are idempotent), a crash after it
never re-reads it. The `versions` table is what de-duplication by id and version compares
against, so that an overlap re-read or a repeated row costs a lookup, not an index write.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from matching.identifiers import normalise_registration

from .db import Database
from .schema import (
    checkpoints,
    deferred_hooks,
    quarantine,
    quarantine_keys,
    reconciliations,
    redactions,
    runs,
)
from .stores import open_area

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


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(text: str) -> str:
    """Text as a source sent it, with what no database text column holds (NUL, on PostgreSQL;
    unpaired surrogates, in UTF-8) written as `\\xNN`/`\\uNNNN`: quarantine keeps a bad row's
    id and reason whatever they contain, the same on either engine."""
    return _UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


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
class DeferredHook:
    """One batch a bulk load wrote whose hooks have not run (`StateStore.deferred`)."""

    id: int
    source: str
    record_ids: list[str]


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


def has_state(target: Database | Path) -> bool:
    """Whether a sync ever wrote state there: a SQLite file once a sync created it; a shared
    PostgreSQL database always (every API node reads the syncs' state from it)."""
    if isinstance(target, Database):
        if not target.is_sqlite:
            return True
        target = Path(str(target.engine.url.database))
    return target.exists()


class StateStore:
    """The sync state in a state database (`state.Database`, or a SQLite file by path). One
    connection, used from one thread at a time (the sync's event loop, or a status read)."""

    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.path = target if isinstance(target, Path) else None
        self.db, self._owned = open_area(target, "sync", migrate=migrate)
        self._conn = self.db.connect()
        self._upsert_version = self.db.prepare(_UPSERT_VERSION)
        self._supersede_sql = self.db.prepare(_SUPERSEDE)

    def close(self) -> None:
        self._conn.close()
        if self._owned:
            self.db.close()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read(self, sql: Any, params: Mapping[str, Any] | None = None) -> list[Any]:
        with self._conn.begin():
            return list(self._conn.execute(sql, params or {}))

    def _tx(self) -> AbstractContextManager[sa.Connection]:
        return self.db.begin_write(self._conn)

    # -- checkpoints -------------------------------------------------------------------------

    def checkpoint(self, source: str, stream: str) -> Checkpoint:
        rows = self._read(
            sa.text(
                "SELECT watermark, walk, last_success, last_reconcile FROM checkpoints "
                "WHERE source = :source AND stream = :stream"
            ),
            {"source": source, "stream": stream},
        )
        if not rows:
            return Checkpoint(None, None, None, None)
        row = rows[0]
        return Checkpoint(
            _parse(row[0]), json.loads(row[1]) if row[1] else None, _parse(row[2]), _parse(row[3])
        )

    def _put_checkpoint(
        self,
        conn: sa.Connection,
        source: str,
        stream: str,
        *,
        watermark: datetime | None,
        walk: dict[str, Any] | None,
        success: bool = False,
    ) -> None:
        now = _now()
        conn.execute(
            _PUT_CHECKPOINT,
            {
                "source": source,
                "stream": stream,
                "watermark": watermark.isoformat() if watermark else None,
                "walk": _dumps(walk) if walk is not None else None,
                "last_success": now if success else None,
                "updated_at": now,
            },
        )

    def mark_reconciled(self, source: str, stream: str, when: datetime) -> None:
        cp = self.checkpoint(source, stream)
        with self._tx() as conn:
            self._put_checkpoint(conn, source, stream, watermark=cp.watermark, walk=cp.walk)
            conn.execute(
                sa.text(
                    "UPDATE checkpoints SET last_reconcile = :when "
                    "WHERE source = :source AND stream = :stream"
                ),
                {"when": when.isoformat(), "source": source, "stream": stream},
            )

    def reset(self, source: str) -> None:
        """Forget a source's checkpoints and versions (a full re-sync into a fresh index)."""
        with self._tx() as conn:
            conn.execute(sa.text("DELETE FROM checkpoints WHERE source = :s"), {"s": source})
            conn.execute(sa.text("DELETE FROM versions WHERE source = :s"), {"s": source})

    # -- versions ------------------------------------------------------------------------------

    def versions(self, record_ids: Sequence[str]) -> dict[str, int]:
        """The stored version of each of `record_ids` that has one (a page's worth at a time:
        on the driver's cursor, the sync asks this for every page)."""
        out: dict[str, int] = {}
        with self._conn.begin():
            dbapi: Any = self._conn.connection.dbapi_connection
            cursor = dbapi.cursor()
            try:
                for start in range(0, len(record_ids), 500):
                    chunk = list(record_ids[start : start + 500])
                    if self.db.is_postgresql:
                        # planned for each call: a plan kept from the first pages, when the
                        # table was small, scans it whole ever after (100 ms a page at 20,000)
                        cursor.execute(
                            "SELECT record_id, version FROM versions WHERE record_id = ANY(%s)",
                            (chunk,),
                            prepare=False,
                        )
                    else:
                        marks = ",".join("?" * len(chunk))
                        cursor.execute(
                            f"SELECT record_id, version FROM versions WHERE record_id IN ({marks})",
                            chunk,
                        )
                    out.update(cursor.fetchall())
            finally:
                cursor.close()
        return out

    def count_versions(self, source: str) -> int:
        rows = self._read(sa.text("SELECT COUNT(*) FROM versions WHERE source = :s"), {"s": source})
        return int(rows[0][0])

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
        defer_hooks: Sequence[str] = (),
    ) -> int:
        """Commit everything one page changed; returns how many quarantine entries are new.
        `as_of`: the source's own time when the walk began, kept when it completes
        (`success`). `defer_hooks`: ids written whose hooks run after a bulk load (`deferred`),
        kept in the same transaction that moves the checkpoint past them."""
        written = list(written)
        with self._tx() as conn:
            if defer_hooks:
                conn.execute(
                    deferred_hooks.insert().values(
                        source=source, record_ids=json.dumps(list(defer_hooks))
                    )
                )
            cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            try:
                if self.db.is_postgresql:
                    self._write_versions_pg(cursor, source, written)
                else:
                    self._write_versions_sqlite(cursor, source, written)
            finally:
                cursor.close()
            gone = [{"rid": rid} for rid in deleted]
            if gone:
                conn.execute(sa.text("DELETE FROM versions WHERE record_id = :rid"), gone)
            new = self._quarantine(conn, quarantined)
            self._redact(conn, source, redactions)
            self._put_checkpoint(
                conn, source, stream, watermark=watermark, walk=walk, success=success
            )
            if success and as_of is not None:
                conn.execute(
                    sa.text(
                        "UPDATE checkpoints SET as_of = :as_of "
                        "WHERE source = :source AND stream = :stream"
                    ),
                    {"as_of": as_of.isoformat(), "source": source, "stream": stream},
                )
        return new

    def _write_versions_sqlite(
        self, cursor: Any, source: str, written: Sequence[tuple[str, int]]
    ) -> None:
        """The page's versions, and earlier quarantined copies superseded: SQLite runs
        statements in-process, so one per record costs little."""
        self._upsert_version.run_many(
            cursor, [{"record_id": rid, "source": source, "version": v} for rid, v in written]
        )
        now = _now()
        self._supersede_sql.run_many(
            cursor,
            [
                {"now": now, "source": source, "native_id": rid.partition(":")[2]}
                for rid, _ in written
            ],
        )

    @staticmethod
    def _write_versions_pg(cursor: Any, source: str, written: Sequence[tuple[str, int]]) -> None:
        """As `_write_versions_sqlite`, in two statements over arrays: each statement is a round
        trip and a plan on a server (a page of 200 took 36 ms statement by statement, pipelined)."""
        if not written:
            return
        latest = dict(written)  # one row per id (ON CONFLICT cannot touch a row twice)
        ids = list(latest)
        cursor.execute(
            "INSERT INTO versions (record_id, source, version) "
            "SELECT r, %s, v FROM unnest(%s::text[], %s::bigint[]) AS t(r, v) "
            "ON CONFLICT (record_id) DO UPDATE SET version = excluded.version",
            (source, ids, list(latest.values())),
        )
        cursor.execute(
            "UPDATE quarantine SET resolved_at = %s, resolution = 'superseded' "
            "WHERE source = %s AND native_id = ANY(%s) AND resolved_at IS NULL "
            "AND collection IS DISTINCT FROM '@file'",
            (_now(), source, [rid.partition(":")[2] for rid in ids]),
            prepare=False,  # as in `versions`: the quarantine grows after its first plan
        )

    # -- hooks deferred by a bulk load ---------------------------------------------------------

    def deferred(
        self, sources: Sequence[str], *, after: int = 0, limit: int = 50
    ) -> list[DeferredHook]:
        """The next batches of `sources` whose hooks have not run, in the order they were
        written (ids after `after`)."""
        rows = self._read(
            sa.select(deferred_hooks.c.id, deferred_hooks.c.source, deferred_hooks.c.record_ids)
            .where(deferred_hooks.c.id > after, deferred_hooks.c.source.in_(list(sources)))
            .order_by(deferred_hooks.c.id)
            .limit(limit)
        )
        return [DeferredHook(int(i), s, json.loads(ids)) for i, s, ids in rows]

    def has_deferred(self) -> bool:
        """Whether any source's batches still wait for their hooks."""
        return bool(self._read(sa.select(deferred_hooks.c.id).limit(1)))

    def hooked(self, entry_id: int) -> None:
        """The hooks of batch `entry_id` have run (and committed what they write)."""
        with self._tx() as conn:
            conn.execute(deferred_hooks.delete().where(deferred_hooks.c.id == entry_id))

    def saw(self, source: str, stream: str, when: datetime) -> None:
        """The source showed its time `when` (a page's `as_of` or `Date`): kept if the latest,
        whether or not the walk goes on to complete (lag is measured against it)."""
        stamp = when.astimezone(UTC).isoformat()  # one offset: ISO times compare as text
        with self._tx() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO checkpoints (source, stream, updated_at, source_now) "
                    "VALUES (:source, :stream, :now, :stamp) "
                    "ON CONFLICT (source, stream) DO UPDATE SET source_now = excluded.source_now "
                    "WHERE checkpoints.source_now IS NULL "
                    "OR checkpoints.source_now < excluded.source_now"
                ),
                {"source": source, "stream": stream, "now": _now(), "stamp": stamp},
            )

    def add_quarantine(self, items: Iterable[Quarantined]) -> int:
        with self._tx() as conn:
            return self._quarantine(conn, items)

    def _quarantine(self, conn: sa.Connection, items: Iterable[Quarantined]) -> int:
        new = 0
        now = _now()
        for item in items:
            payload = _dumps(item.payload)
            native = (
                storable(item.native_id)
                if item.native_id
                else "sha256:" + hashlib.sha256(payload.encode()).hexdigest()[:16]
            )
            collection = item.collection and storable(item.collection)
            reason = storable(item.reason)
            fingerprint = hashlib.sha256(
                "\x1f".join((collection or "", native, reason, payload)).encode()
            ).hexdigest()
            entry_id, seen = conn.execute(
                _QUARANTINE,
                {
                    "source": item.source,
                    "collection": collection,
                    "native_id": native,
                    "reason": reason,
                    "payload": payload,
                    "version_hint": item.version_hint.isoformat() if item.version_hint else None,
                    "fingerprint": fingerprint,
                    "now": now,
                    "indexed": int(item.indexed),
                },
            ).one()
            if seen == 1:
                new += 1
                keys = [
                    {"entry_id": entry_id, "kind": kind, "value": v, "rev": v[::-1]}
                    for kind, v in identifier_keys(item.payload)
                ]
                if keys:
                    conn.execute(quarantine_keys.insert(), keys)
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
        k, q = quarantine_keys.c, quarantine.c
        clauses: list[sa.ColumnElement[bool]] = []
        if registration:
            clauses.append(
                sa.and_(k.kind.in_(("registration", "any")), k.value == compact(registration))
            )
        for kind, value in (("chassis", chassis), ("engine", engine)):
            number = compact(value) if value else ""
            if len(number) < MIN_FRAGMENT:
                continue
            suffixes = [number[i:] for i in range(len(number) - MIN_FRAGMENT + 1)]
            # stored values ending with `number`: their reversal starts with it, a range the
            # index on `rev` answers (values are [0-9A-Z] only, and "[" sorts right after "Z")
            clauses.append(
                sa.and_(
                    k.kind == kind,
                    sa.or_(
                        k.value.in_(suffixes),
                        sa.and_(k.rev >= number[::-1], k.rev < number[::-1] + "["),
                    ),
                )
            )
            clauses.append(sa.and_(k.kind == "any", k.value == number))
        if not clauses:
            return []
        sql = (
            sa.select(q.source, q.native_id, q.reason, q.indexed)
            .distinct()
            .select_from(quarantine_keys.join(quarantine, q.id == k.entry_id))
            .where(q.resolved_at.is_(None), sa.or_(*clauses))
        )
        if sources:
            sql = sql.where(q.source.in_(list(sources)))
        return [Mention(r[0], r[1], r[2], bool(r[3])) for r in self._read(sql)]

    def _redact(
        self, conn: sa.Connection, source: str, items: Iterable[tuple[str, str, str]]
    ) -> None:
        now = _now()
        rows = [
            {
                "source": source,
                "native_id": storable(native),
                "field": storable(field),
                "what": what,
                "now": now,
            }
            for native, field, what in items
        ]
        if rows:
            conn.execute(_REDACT, rows)

    # -- quarantine reads and replay ---------------------------------------------------------

    def quarantine_entries(
        self, source: str | None = None, *, include_resolved: bool = False
    ) -> Iterator[QuarantineEntry]:
        q = quarantine.c
        sql = sa.select(
            q.id,
            q.source,
            q.collection,
            q.native_id,
            q.reason,
            q.payload,
            q.version_hint,
            q.first_seen,
            q.last_seen,
            q.seen,
            q.resolved_at,
            q.indexed,
        ).order_by(q.id)
        if source:
            sql = sql.where(q.source == source)
        if not include_resolved:
            sql = sql.where(q.resolved_at.is_(None))
        for row in self._read(sql):
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
        with self._tx() as conn:
            conn.execute(
                quarantine.update()
                .where(quarantine.c.id == entry_id)
                .values(resolved_at=_now(), resolution=resolution)
            )

    def resolve_file(self, source: str, native_id: str) -> None:
        """A quarantined file fetched and processed after all."""
        q = quarantine.c
        with self._tx() as conn:
            conn.execute(
                quarantine.update()
                .where(
                    q.source == source,
                    q.native_id == native_id,
                    q.collection == "@file",
                    q.resolved_at.is_(None),
                )
                .values(resolved_at=_now(), resolution="refetched")
            )

    def reopen(self, entry_id: int, reason: str, *, indexed: bool) -> None:
        """A replayed entry still damaged: its new reason, open."""
        with self._tx() as conn:
            conn.execute(
                quarantine.update()
                .where(quarantine.c.id == entry_id)
                .values(reason=reason, indexed=int(indexed), resolved_at=None, resolution=None)
            )

    def quarantine_counts(self) -> dict[str, int]:
        q = quarantine.c
        rows = self._read(
            sa.select(q.source, sa.func.count()).where(q.resolved_at.is_(None)).group_by(q.source)
        )
        return {s: int(n) for s, n in rows}

    def quarantine_split(self) -> dict[str, tuple[int, int]]:
        """Open entries per source: (quarantined alone, indexed with issues)."""
        q = quarantine.c
        rows = self._read(
            sa.select(
                q.source,
                sa.func.sum(sa.case((q.indexed == 0, 1), else_=0)),
                sa.func.sum(sa.case((q.indexed == 1, 1), else_=0)),
            )
            .where(q.resolved_at.is_(None))
            .group_by(q.source)
        )
        return {s: (int(a or 0), int(b or 0)) for s, a, b in rows}

    def redaction_counts(self) -> dict[str, int]:
        r = redactions.c
        rows = self._read(sa.select(r.source, sa.func.count()).group_by(r.source))
        return {s: int(n) for s, n in rows}

    # -- runs --------------------------------------------------------------------------------

    def start_run(self, source: str, *, full: bool) -> int:
        with self._tx() as conn:
            run_id = conn.execute(
                runs.insert()
                .values(source=source, started_at=_now(), full=int(full), status="running")
                .returning(runs.c.id)
            ).scalar_one()
        return int(run_id)

    def finish_run(
        self, run_id: int, status: str, counts: dict[str, Any], error: str | None
    ) -> None:
        with self._tx() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(finished_at=_now(), status=status, counts=_dumps(counts), error=error)
            )

    def fail_last_run(self, source: str, error: str) -> None:
        """Mark the source's latest finished run failed, with `error` added to its own: what a
        run hands over after it finished (the hook over a bulk load's batches) failed, so the
        run did not do all it had to, and readers of the sync state (`icjs sync status`, the
        NOC's freshness) must see a failure, as the run's report does."""
        r = runs.c
        with self._tx() as conn:
            latest = conn.execute(
                sa.select(r.id, r.error)
                .where(r.source == source, r.finished_at.is_not(None))
                .order_by(r.id.desc())
                .limit(1)
            ).first()
            if latest is None:
                return
            joined = "; ".join(e for e in (latest[1], error) if e)
            conn.execute(
                runs.update()
                .where(r.id == latest[0])
                .values(status="failed", error=joined, finished_at=_now())
            )

    def last_runs(self) -> dict[str, dict[str, Any]]:
        r = runs.c
        latest = sa.select(sa.func.max(r.id)).group_by(r.source)
        rows = self._read(
            sa.select(r.source, r.started_at, r.finished_at, r.status, r.error, r.counts).where(
                r.id.in_(latest)
            )
        )
        return {
            row[0]: {
                "started_at": row[1],
                "finished_at": row[2],
                "status": row[3],
                "error": row[4],
                "counts": json.loads(row[5]) if row[5] else {},
            }
            for row in rows
        }

    def last_failure(self, source: str) -> Failure | None:
        r = runs.c
        rows = self._read(
            sa.select(r.finished_at, r.error, r.counts)
            .where(
                r.source == source,
                r.finished_at.is_not(None),
                r.status.not_in(("ok", "running")),
            )
            .order_by(r.id.desc())
            .limit(1)
        )
        if not rows:
            return None
        row = rows[0]
        counts = json.loads(row[2]) if row[2] else {}
        stream = (counts.get("extra") or {}).get("failed_stream")
        return Failure(datetime.fromisoformat(row[0]), row[1], stream)

    def source_times(self) -> dict[tuple[str, str], tuple[datetime | None, datetime | None]]:
        """(source, stream) → (the source's time when its last completed walk began, the
        latest source time seen since)."""
        c = checkpoints.c
        rows = self._read(sa.select(c.source, c.stream, c.as_of, c.source_now))
        return {(r[0], r[1]): (_parse(r[2]), _parse(r[3])) for r in rows}

    def checkpoints(self) -> list[tuple[str, str, Checkpoint]]:
        c = checkpoints.c
        rows = self._read(
            sa.select(c.source, c.stream, c.watermark, c.walk, c.last_success, c.last_reconcile)
        )
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
        with self._tx() as conn:
            conn.execute(
                reconciliations.insert().values(
                    source=source,
                    at=when.isoformat(),
                    listed=listed,
                    removed=len(removed),
                    removed_ids=_dumps(list(removed[:100])),
                )
            )

    def last_reconciliations(self) -> dict[str, dict[str, Any]]:
        r = reconciliations.c
        latest = sa.select(sa.func.max(r.id)).group_by(r.source)
        rows = self._read(
            sa.select(r.source, r.at, r.listed, r.removed, r.removed_ids).where(r.id.in_(latest))
        )
        return {
            row[0]: {
                "at": row[1],
                "listed": row[2],
                "removed": row[3],
                "removed_ids": json.loads(row[4]),
            }
            for row in rows
        }

    # -- reconciliation scratch ------------------------------------------------------------
    # `live_ids` is a temporary table on this store's own connection: private to the sync.

    def reconcile_begin(self, source: str) -> None:
        collate = ' COLLATE "C"' if self.db.is_postgresql else ""
        with self._tx() as conn:
            conn.execute(
                sa.text(
                    "CREATE TEMP TABLE IF NOT EXISTS live_ids "
                    f"(record_id TEXT{collate} PRIMARY KEY)"
                )
            )
            conn.execute(sa.text("DELETE FROM live_ids"))

    def reconcile_add(self, record_ids: Sequence[str]) -> None:
        if not record_ids:
            return
        with self._tx() as conn:
            conn.execute(
                sa.text("INSERT INTO live_ids (record_id) VALUES (:r) ON CONFLICT DO NOTHING"),
                [{"r": r} for r in record_ids],
            )

    def reconcile_missing(self, record_ids: Sequence[str]) -> list[str]:
        """Which of `record_ids` the source no longer listed."""
        present: set[str] = set()
        with self._conn.begin():
            for start in range(0, len(record_ids), 500):
                chunk = list(record_ids[start : start + 500])
                present.update(r for (r,) in self._conn.execute(_LIVE, {"ids": chunk}))
        return [r for r in record_ids if r not in present]

    def reconcile_unknown(self, source: str) -> int:
        """Listed ids that are neither indexed nor waiting in quarantine: rows a walk missed."""
        rows = self._read(
            sa.text(
                "SELECT COUNT(*) FROM live_ids WHERE record_id NOT IN "
                "(SELECT record_id FROM versions) AND substr(record_id, :prefix) NOT IN "
                "(SELECT native_id FROM quarantine WHERE source = :source "
                "AND resolved_at IS NULL)"
            ),
            {"prefix": len(source) + 2, "source": source},
        )
        return int(rows[0][0])


_UPSERT_VERSION = sa.text(
    "INSERT INTO versions (record_id, source, version) VALUES (:record_id, :source, :version) "
    "ON CONFLICT (record_id) DO UPDATE SET version = excluded.version"
)
# A version of these records reached the index: earlier quarantined copies of them are
# superseded (a copy still damaged is quarantined again right after, and reopened).
_SUPERSEDE = (
    quarantine.update()
    .where(
        quarantine.c.source == sa.bindparam("source"),
        quarantine.c.native_id == sa.bindparam("native_id"),
        quarantine.c.resolved_at.is_(None),
        quarantine.c.collection.is_distinct_from("@file"),
    )
    .values(resolved_at=sa.bindparam("now"), resolution="superseded")
)
_PUT_CHECKPOINT = sa.text(
    "INSERT INTO checkpoints (source, stream, watermark, walk, last_success, updated_at) "
    "VALUES (:source, :stream, :watermark, :walk, :last_success, :updated_at) "
    "ON CONFLICT (source, stream) DO UPDATE SET "
    "watermark = excluded.watermark, walk = excluded.walk, updated_at = excluded.updated_at, "
    "last_success = COALESCE(excluded.last_success, checkpoints.last_success)"
)
_QUARANTINE = sa.text(
    "INSERT INTO quarantine (source, collection, native_id, reason, payload, version_hint, "
    "fingerprint, first_seen, last_seen, indexed) VALUES (:source, :collection, :native_id, "
    ":reason, :payload, :version_hint, :fingerprint, :now, :now, :indexed) "
    "ON CONFLICT (source, fingerprint) DO UPDATE SET last_seen = excluded.last_seen, "
    "seen = quarantine.seen + 1, resolved_at = NULL, resolution = NULL, "
    "indexed = excluded.indexed RETURNING id, seen"
)
_REDACT = sa.text(
    "INSERT INTO redactions (source, native_id, field, what, first_seen) "
    "VALUES (:source, :native_id, :field, :what, :now) "
    "ON CONFLICT (source, native_id, field) DO UPDATE SET seen = redactions.seen + 1"
)
_LIVE = sa.text("SELECT record_id FROM live_ids WHERE record_id IN :ids").bindparams(
    sa.bindparam("ids", expanding=True)
)

"""The embedded backend: one SQLite file in WAL mode. The default; zero set-up.

Concurrency: every thread gets its own connection (FastAPI's threadpool, the sync writer), so
readers never share a cursor. WAL lets any number of readers run while one writer commits; a
process-wide lock plus `BEGIN IMMEDIATE` serialises writers, also across processes (a sync in
one process, a rebuild in another). Each read runs in one transaction, so it sees one snapshot:
one index version, a record together with its keys.

Crash safety: each batch is one transaction. A writer killed mid-batch leaves the previous
commit; WAL replays or discards the torn tail on the next open. `synchronous=NORMAL` may lose the
last commits on power loss (never consistency); the sync engine re-reads its overlap window.

Versions and rebuild: see `indexer.backends.sqlite_sql`. A rebuild fills `_v{N+1}` while every
write is applied to both versions, swaps `meta.current` in one transaction, then drops the old
tables. A file lock (`<db>.rebuild.lock`, released by the OS if the process dies) refuses a
second rebuild with a message that says who holds it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from indexer.backends import sqlite_sql as sql
from indexer.backends.base import (
    BackendError,
    BulkResult,
    Candidate,
    CandidateQuery,
    Filters,
    Health,
    IndexStats,
    Link,
    RebuildInProgress,
    RebuildResult,
    stale_keys,
)
from indexer.backends.sqlite_search import candidate_scores, load_candidates
from indexer.backends.sqlite_store import SqliteLinkStore, read_records, write_documents
from indexer.documents import to_document, to_documents
from indexer.links import LinkEngine
from matching.keys import KEYS_VERSION
from records import Record, Source

BATCH = 1000  # records per transaction in rebuilds and copies: short write locks, fast commits
_CHUNK = 500  # ids per IN (…) list


class EmbeddedBackend:
    def __init__(self, path: Path | str) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._write_lock = threading.RLock()
        self._closed = False
        with self._write() as con:
            con.execute(sql.META_DDL)
            if self._meta(con, "current") is None:
                self._create_version(con, 1)
                self._set_meta(con, "current", 1)
                self._set_meta(con, "last_version", 1)
                self._set_meta(con, "keys_version", KEYS_VERSION)
            for v in self._targets(con):  # files written before the vocabulary view existed
                con.execute(sql.vocab_ddl(v))
        self._drop_abandoned_build()

    # -- connections and transactions -----------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._closed:
            raise BackendError("the embedded backend is closed")
        con: sqlite3.Connection | None = getattr(self._local, "con", None)
        if con is None:
            con = sqlite3.connect(
                self._path, isolation_level=None, check_same_thread=False, timeout=30.0
            )
            con.execute("PRAGMA auto_vacuum=INCREMENTAL")  # only takes effect on a new file
            con.execute("PRAGMA journal_mode=WAL")
            con.execute("PRAGMA synchronous=NORMAL")
            con.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache per connection
            con.execute("PRAGMA mmap_size=1073741824")
            self._local.con = con
            with self._guard:
                self._connections.append(con)
        return con

    @contextmanager
    def _read(self) -> Iterator[tuple[sqlite3.Connection, int]]:
        con = self._conn()
        con.execute("BEGIN")
        try:
            yield con, self._current(con)
        finally:
            con.execute("COMMIT")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            con = self._conn()
            try:
                con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise BackendError(f"embedded index {self._path} is busy: {exc}") from None
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    @staticmethod
    def _meta(con: sqlite3.Connection, name: str) -> int | None:
        row = con.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else None

    @staticmethod
    def _set_meta(con: sqlite3.Connection, name: str, value: int | None) -> None:
        if value is None:
            con.execute("DELETE FROM meta WHERE name = ?", (name,))
        else:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, str(value)))

    def _keys_version(self, con: sqlite3.Connection) -> int:
        """`matching.keys.KEYS_VERSION` of the keys in this file (1: written before it was kept)."""
        return self._meta(con, "keys_version") or 1

    def _current(self, con: sqlite3.Connection) -> int:
        current = self._meta(con, "current")
        if current is None:
            raise BackendError(f"{self._path} has no current index version")
        return current

    def _targets(self, con: sqlite3.Connection) -> list[int]:
        """Versions every write goes to: the current one, and the one a rebuild is filling."""
        building = self._meta(con, "building")
        current = self._current(con)
        return [current] if building is None else [current, building]

    @staticmethod
    def _create_version(con: sqlite3.Connection, v: int) -> None:
        for statement in sql.version_ddl(v):
            con.execute(statement)

    @staticmethod
    def _drop_version(con: sqlite3.Connection, v: int) -> None:
        for table in sql.version_tables(v):
            con.execute(f"DROP TABLE IF EXISTS {table}")

    # -- writes -----------------------------------------------------------------------------

    def upsert(self, records: Sequence[Record]) -> BulkResult:
        docs, failed = to_documents(records)
        if not docs:
            return BulkResult(failed=tuple(failed))
        with self._write() as con:
            targets = self._targets(con)
            indexed = 0
            if len(targets) > 1:  # written again after a delete: no longer gone
                con.executemany(
                    f"DELETE FROM gone_v{targets[1]} WHERE record_id = ?",
                    [(d.record_id,) for d in docs],
                )
            for v in targets:
                written, unchanged, new = write_documents(con, v, docs)
                LinkEngine(SqliteLinkStore(con, v)).relink(written, fresh=new)
                if v == targets[0]:
                    indexed = len(written) + unchanged
        return BulkResult(indexed=indexed, failed=tuple(failed), skipped=len(docs) - indexed)

    def delete(self, record_ids: Sequence[str]) -> BulkResult:
        wanted = list(dict.fromkeys(record_ids))
        deleted = 0
        with self._write() as con:
            targets = self._targets(con)
            if len(targets) > 1:
                con.executemany(
                    f"INSERT OR IGNORE INTO gone_v{targets[1]} VALUES (?)", [(i,) for i in wanted]
                )
            for v in targets:
                store = SqliteLinkStore(con, v)
                gone = store.delete_records(wanted)
                LinkEngine(store).relink([], removed=gone)
                if v == targets[0]:
                    deleted = len(gone)
        return BulkResult(deleted=deleted)

    def flush(self) -> None:
        """Writes are searchable at commit; only fold the WAL back into the file."""
        with suppress(sqlite3.OperationalError):
            self._conn().execute("PRAGMA wal_checkpoint(PASSIVE)")

    # -- reads ------------------------------------------------------------------------------

    def get(self, record_ids: Sequence[str]) -> list[Record]:
        wanted = list(dict.fromkeys(record_ids))
        found: dict[str, Record] = {}
        with self._read() as (con, v):
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                rows = con.execute(
                    f"SELECT record_id, json FROM records_v{v} "
                    f"WHERE record_id IN ({sql.placeholders(len(chunk))})",
                    chunk,
                )
                for record_id, text in rows:
                    found[record_id] = Record.model_validate_json(text)
        return [found[i] for i in wanted if i in found]

    def candidates(self, query: CandidateQuery) -> list[Candidate]:
        with self._read() as (con, v):
            best, frequencies = candidate_scores(con, v, query)
            return load_candidates(con, v, best, frequencies)

    def count(self, filters: Filters | None = None) -> int:
        where, params = sql.filter_sql(filters)
        with self._read() as (con, v):
            row = con.execute(f"SELECT COUNT(*) FROM records_v{v} r WHERE {where}", params)
            return int(row.fetchone()[0])

    def ids(self, source: Source) -> Iterable[str]:
        """Every record id of `source`, in pages of its own transactions (no long read lock)."""
        after = ""
        while True:
            with self._read() as (con, v):
                page = [
                    row[0]
                    for row in con.execute(
                        f"SELECT record_id FROM records_v{v} WHERE source = ? AND record_id > ? "
                        "ORDER BY record_id LIMIT ?",
                        (Source(source).value, after, 10_000),
                    )
                ]
            yield from page
            if len(page) < 10_000:
                return
            after = page[-1]

    def records(self) -> Iterator[Record]:
        after = 0
        while True:
            with self._read() as (con, v):
                page = read_records(con, v, after, BATCH)
            yield from (record for _, record in page)
            if len(page) < BATCH:
                return
            after = page[-1][0]

    def profile(self, profile_id: str) -> list[Record]:
        with self._read() as (con, v):
            rows = con.execute(
                f"SELECT json FROM records_v{v} WHERE profile_id = ? ORDER BY record_id",
                (profile_id,),
            ).fetchall()
        return [Record.model_validate_json(text) for (text,) in rows]

    def links(self, record_ids: Sequence[str]) -> list[Link]:
        with self._read() as (con, v):
            return SqliteLinkStore(con, v).edges_touching(record_ids)

    def stats(self) -> IndexStats:
        by: dict[str, dict[str, int]] = {}
        with self._read() as (con, v):
            for source, kind, n in con.execute(
                f"SELECT source, kind, COUNT(*) FROM records_v{v} GROUP BY source, kind"
            ):
                by.setdefault(source, {})[kind] = n
            profiles = con.execute(
                f"SELECT COUNT(*) FROM (SELECT profile_id FROM records_v{v} "
                "GROUP BY profile_id HAVING COUNT(*) > 1)"
            ).fetchone()[0]
            links = con.execute(f"SELECT COUNT(*) FROM links_v{v}").fetchone()[0]
            keys_version = self._keys_version(con)
        total = sum(n for kinds in by.values() for n in kinds.values())
        return IndexStats(
            version=v,
            total=total,
            by_source_kind=by,
            profiles=profiles,
            links=links,
            keys_version=keys_version,
        )

    def health(self) -> Health:
        try:
            with self._read() as (con, v):
                con.execute(f"SELECT 1 FROM records_v{v} LIMIT 1").fetchall()
                stale = stale_keys(self._keys_version(con))
        except (sqlite3.Error, BackendError) as exc:
            return Health(ok=False, detail=f"embedded index {self._path}: {exc}")
        detail = f"embedded index {self._path}, version {v}"
        return Health(ok=True, detail=f"{detail}; {stale}" if stale else detail)

    def close(self) -> None:
        self._closed = True
        with self._guard:
            for con in self._connections:
                with suppress(sqlite3.Error):
                    con.close()
            self._connections.clear()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    def disk_bytes(self) -> int:
        """Size of the database file and its WAL, after folding the WAL back in."""
        with suppress(sqlite3.OperationalError):
            self._conn().execute("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = self._path.with_name(self._path.name + "-wal")
        return self._path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

    def version(self) -> int:
        with self._read() as (_, v):
            return v

    def rebuild(self, records: Iterable[Record] | None = None) -> RebuildResult:
        """Build a new index version from `records` (default: the stored canonical records),
        swap it in, drop the old one. Searches keep reading the old version until the swap."""
        started = time.monotonic()
        with self._rebuild_lock():
            with self._write() as con:
                stale = self._meta(con, "building")
                if stale is not None:
                    self._drop_version(con, stale)
                old = self._current(con)
                new = max(old, self._meta(con, "last_version") or old) + 1
                self._create_version(con, new)
                self._set_meta(con, "last_version", new)
                self._set_meta(con, "building", new)
            try:
                count = self._fill(new, old, records)
            except BaseException:
                with self._write() as con:
                    self._set_meta(con, "building", None)
                    self._drop_version(con, new)
                raise
            with self._write() as con:
                self._set_meta(con, "current", new)
                self._set_meta(con, "building", None)
                self._set_meta(con, "keys_version", KEYS_VERSION)
            with self._write() as con:
                self._drop_version(con, old)
            with suppress(sqlite3.OperationalError):
                self._conn().execute("PRAGMA incremental_vacuum")
        return RebuildResult(
            old_version=old, new_version=new, records=count, seconds=time.monotonic() - started
        )

    def _fill(self, new: int, old: int, records: Iterable[Record] | None) -> int:
        count = 0
        if records is None:
            after = 0
            while True:
                with self._write() as con:  # read and copy in one transaction: atomic vs deletes
                    page = read_records(con, old, after, BATCH)
                    docs = [to_document(r) for _, r in page]
                    written, _, created = write_documents(con, new, docs)
                    LinkEngine(SqliteLinkStore(con, new)).relink(written, fresh=created)
                count += len(page)
                if len(page) < BATCH:
                    return count
                after = page[-1][0]
        batch: list[Record] = []
        for record in records:
            batch.append(record)
            if len(batch) >= BATCH:
                count += self._write_into(new, batch)
                batch = []
        if batch:
            count += self._write_into(new, batch)
        return count

    def _write_into(self, v: int, batch: list[Record]) -> int:
        docs = [to_document(r) for r in {r.record_id: r for r in batch}.values()]
        with self._write() as con:
            gone = {
                row[0]
                for row in con.execute(
                    f"SELECT record_id FROM gone_v{v} WHERE record_id IN "
                    f"({sql.placeholders(len(docs))})",
                    [d.record_id for d in docs],
                )
            }
            kept = [d for d in docs if d.record_id not in gone]
            written, _, created = write_documents(con, v, kept)
            LinkEngine(SqliteLinkStore(con, v)).relink(written, fresh=created)
        return len(docs)

    @contextmanager
    def _rebuild_lock(self) -> Iterator[None]:
        lock_path = self._path.with_name(self._path.name + ".rebuild.lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
                raise RebuildInProgress(
                    f"another rebuild of {self._path} is running ({holder}); "
                    "wait for it to finish, or stop that process"
                ) from None
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}, started {time.ctime()}".encode(), 0)
            yield
        finally:
            os.close(fd)  # closing releases the flock

    def _drop_abandoned_build(self) -> None:
        """A rebuild that died leaves `meta.building`: drop it, unless its builder still runs."""
        with self._write() as con:
            building = self._meta(con, "building")
        if building is None:
            return
        try:
            with self._rebuild_lock(), self._write() as con:
                if self._meta(con, "building") == building:
                    self._drop_version(con, building)
                    self._set_meta(con, "building", None)
        except RebuildInProgress:
            pass  # a live rebuild owns it

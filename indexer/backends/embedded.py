"""The embedded backend: one SQLite file in WAL mode. The default; zero set-up.

Concurrency: each transaction borrows a connection from a bounded pool (`sqlite_pool`), so
readers never share a cursor and a server's open descriptors stay bounded however many worker
threads come and go. WAL lets any number of readers run while one writer commits; a
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
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

from indexer import labels
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
from indexer.backends.sqlite_pool import DEFAULT_SIZE, ConnectionPool, PoolClosed, PoolExhausted
from indexer.backends.sqlite_search import candidate_scores, load_candidates
from indexer.backends.sqlite_store import (
    SqliteLabelLookup,
    SqliteLinkStore,
    read_records,
    write_documents,
)
from indexer.documents import IndexDocument, to_document, to_documents
from indexer.links import LinkEngine
from matching.keys import KEYS_VERSION
from records import Record, Source

_SQLITE_MAGIC = b"SQLite format 3\x00"
BATCH = 1000  # records per transaction in rebuilds and copies: short write locks, fast commits
_CHUNK = 500  # ids per IN (…) list


class IndexUnavailable(BackendError):
    """The index file is damaged, missing, or was replaced under the running process."""


class EmbeddedBackend:
    """Opening never fails on a damaged file: every operation then raises `IndexUnavailable`
    saying what is wrong and what to do (the API answers 503, `/readyz` fails), and the file is
    tried again at most every `REOPEN_INTERVAL_S`, so a restored file is picked up."""

    REOPEN_INTERVAL_S = 5.0

    # Each connection keeps its own page cache: `connections` × this is the most the index's
    # cache can take (docs/decisions.md, "Bounded memory and descriptors").
    CACHE_KIB = 65536

    def __init__(self, path: Path | str, *, connections: int = DEFAULT_SIZE) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._pool = ConnectionPool(self._connect, connections)
        self._write_lock = threading.RLock()
        self._closed = False
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the file opened
        self._stamp = 0  # the file's own random stamp (see `_stamped`)
        self._unusable: str | None = None
        self._tried_at = 0.0
        self._open()

    def _open(self) -> None:
        """Create or check the schema; on a damaged file remember why instead of raising."""
        self._tried_at = time.monotonic()
        try:
            with self._write(initialising=True) as con:
                con.execute(sql.META_DDL)
                if self._meta(con, "current") is None:
                    self._create_version(con, 1)
                    self._set_meta(con, "current", 1)
                    self._set_meta(con, "last_version", 1)
                    self._set_meta(con, "keys_version", KEYS_VERSION)
                for v in self._targets(con):  # files written before the vocabulary view existed
                    con.execute(sql.vocab_ddl(v))
            self._drop_abandoned_build()
        except IndexUnavailable as exc:
            self._unusable = exc.detail
            return
        stat = self._path.stat()
        self._identity = (stat.st_dev, stat.st_ino)
        self._stamp = self._stamped()
        self._unusable = None

    def _stamped(self) -> int:
        """This file's stamp (a random `user_version` in its header, written once): another
        index copied over this one in place has another stamp. Best effort: the header on
        disk shows it once a checkpoint has run (at once for a new file)."""
        with self._write(initialising=True) as con:
            stamp = int(con.execute("PRAGMA user_version").fetchone()[0])
            if stamp == 0:
                stamp = secrets.randbelow(2**31 - 1) + 1
                con.execute(f"PRAGMA user_version = {stamp}")
        self._pragma("PRAGMA wal_checkpoint(PASSIVE)")
        return stamp

    def _usable(self) -> None:
        """Raise `IndexUnavailable` unless the file opened is still the one at the path and
        its schema could be read."""
        if self._unusable is not None:
            if time.monotonic() - self._tried_at < self.REOPEN_INTERVAL_S:
                raise IndexUnavailable(self._unusable)
            self._pool.clear()
            self._open()
            if self._unusable is not None:
                raise IndexUnavailable(self._unusable)
        try:
            stat = self._path.stat()
        except FileNotFoundError:
            raise IndexUnavailable(
                f"the embedded index file {self._path} was removed while this process had it "
                "open: restore it, then restart the server"
            ) from None
        replaced = self._identity is not None and (stat.st_dev, stat.st_ino) != self._identity
        header = self._header()
        if header is None:
            raise IndexUnavailable(
                f"the embedded index {self._path} is damaged (it no longer starts with an SQLite "
                "header): restore it from a backup, or build a new one (icjs index import FILE, "
                "or icjs sync --full into a new path), then restart the server"
            )
        stamp = int.from_bytes(header[60:64], "big")
        if replaced or (stamp and self._stamp and stamp != self._stamp):
            raise IndexUnavailable(
                f"the embedded index file {self._path} was replaced while this process had it "
                "open: restart the server to open the new file (to swap an index online, use "
                "icjs index rebuild or icjs index import)"
            )

    def _header(self) -> bytes | None:
        """The file's first 100 bytes if they are an SQLite header, else None. Read on every
        transaction (microseconds): a file overwritten in place is seen at once, not when a page
        missing from the cache happens to be read."""
        try:
            with self._path.open("rb") as f:
                head = f.read(100)
        except OSError:
            return None
        return head if len(head) == 100 and head.startswith(_SQLITE_MAGIC) else None

    def _damaged(self, exc: sqlite3.Error) -> IndexUnavailable:
        """The error for a failed statement (the pool has closed its connection, which may be
        in a bad state; the next transaction opens a new one)."""
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            return IndexUnavailable(f"embedded index {self._path} is busy: {exc}")
        return IndexUnavailable(
            f"the embedded index {self._path} cannot be read ({exc}): restore it from a backup, "
            "or build a new one (icjs index import FILE, or icjs sync --full into a new path)"
        )

    # -- connections and transactions -----------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(
            self._path, isolation_level=None, check_same_thread=False, timeout=30.0
        )
        con.execute("PRAGMA auto_vacuum=INCREMENTAL")  # only takes effect on a new file
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(f"PRAGMA cache_size=-{self.CACHE_KIB}")
        # No memory map: a file shrunk or overwritten under a mapping kills the process with
        # SIGBUS, which nothing can catch; read() turns the same damage into an error.
        con.execute("PRAGMA mmap_size=0")
        return con

    @property
    def open_connections(self) -> int:
        """Connections open now (lent and idle): never more than the pool's size."""
        return self._pool.open_connections

    def _pragma(self, statement: str) -> None:
        """Run a maintenance statement outside any transaction; its failure changes nothing."""
        with (
            suppress(sqlite3.Error, BackendError, PoolClosed, PoolExhausted),
            self._pool.connection() as con,
        ):
            con.execute(statement)

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        """One transaction on a pooled connection; a statement that fails on the file becomes
        `IndexUnavailable` (never a raw sqlite3 error)."""
        if self._closed:
            raise BackendError("the embedded backend is closed")
        try:
            with self._pool.connection() as con:
                con.execute(begin)
                try:
                    yield con
                except BaseException:
                    with suppress(sqlite3.Error):
                        con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._damaged(exc) from None
        except PoolExhausted as exc:
            raise IndexUnavailable(f"embedded index {self._path} is busy: {exc}") from None
        except PoolClosed:
            raise BackendError("the embedded backend is closed") from None

    @contextmanager
    def _read(self) -> Iterator[tuple[sqlite3.Connection, int]]:
        self._usable()
        with self._transaction("BEGIN") as con:
            yield con, self._current(con)

    @contextmanager
    def _write(self, *, initialising: bool = False) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            if not initialising:
                self._usable()
            with self._transaction("BEGIN IMMEDIATE") as con:
                yield con

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
        docs, failed = to_documents(labels.classified(records))
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
                written, unchanged = _write_labelled(con, v, docs)
                if v == targets[0]:
                    indexed = written + unchanged
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
        self._pragma("PRAGMA wal_checkpoint(PASSIVE)")

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
            best = candidate_scores(con, v, query)
            return load_candidates(con, v, best)

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
        except BackendError as exc:
            return Health(ok=False, detail=exc.detail)
        detail = f"embedded index {self._path}, version {v}"
        return Health(ok=True, detail=f"{detail}; {stale}" if stale else detail)

    def close(self) -> None:
        """Close every connection (one lent out is closed when its transaction ends)."""
        self._closed = True
        self._pool.close()

    # -- lifecycle --------------------------------------------------------------------------

    @property
    def path(self) -> Path:
        return self._path

    def disk_bytes(self) -> int:
        """Size of the database file and its WAL, after folding the WAL back in."""
        self._pragma("PRAGMA wal_checkpoint(TRUNCATE)")
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
            self._pragma("PRAGMA incremental_vacuum")
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
                    docs = [to_document(r) for r in labels.classified(r for _, r in page)]
                    _write_labelled(con, new, docs)
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
        unique = {r.record_id: r for r in batch}.values()
        docs = [to_document(r) for r in labels.classified(unique)]
        with self._write() as con:
            gone = {
                row[0]
                for row in con.execute(
                    f"SELECT record_id FROM gone_v{v} WHERE record_id IN "
                    f"({sql.placeholders(len(docs))})",
                    [d.record_id for d in docs],
                )
            }
            _write_labelled(con, v, [d for d in docs if d.record_id not in gone])
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


def _write_labelled(
    con: sqlite3.Connection, v: int, docs: Sequence[IndexDocument]
) -> tuple[int, int]:
    """Write `docs` into version `v` with the case labels of their FIRs (`indexer.labels`), link
    them, and label the stored records that share a FIR with a labelled one. Returns how many
    were written and how many were already stored unchanged."""
    lookup = SqliteLabelLookup(con, v)
    docs = _relabelled(docs, labels.label_batch([d.record for d in docs], lookup))
    written, unchanged, new = write_documents(con, v, docs)
    LinkEngine(SqliteLinkStore(con, v)).relink(written, fresh=new)
    followers = labels.spread(written, lookup)
    if followers:
        again, _, _ = write_documents(con, v, [to_document(r) for r in followers])
        LinkEngine(SqliteLinkStore(con, v)).relink(again)
    return len(written), unchanged


def _relabelled(docs: Sequence[IndexDocument], records: Sequence[Record]) -> list[IndexDocument]:
    """`docs` with the document rebuilt for each record whose labels changed."""
    return [d if r is d.record else to_document(r) for d, r in zip(docs, records, strict=True)]

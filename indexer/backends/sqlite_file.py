"""The embedded index's file: one SQLite file in WAL mode, its connections and transactions.

Concurrency: each transaction borrows a connection from a bounded pool (`sqlite_pool`), so
readers never share a cursor and a server's open descriptors stay bounded however many worker
threads come and go. WAL lets any number of readers run while one writer commits; a
process-wide lock plus `BEGIN IMMEDIATE` serialises writers, also across processes (a sync in
one process, a rebuild in another). Each read runs in one transaction, so it sees one snapshot:
one index version, a record together with its keys.

Crash safety: each batch is one transaction. A writer killed mid-batch leaves the previous
commit; WAL replays or discards the torn tail on the next open. `synchronous=NORMAL` may lose the
last commits on power loss (never consistency); the sync engine re-reads its overlap window.

Versions (`indexer.backends.sqlite_sql`): `meta.current` names the version readers see,
`meta.building` the one a rebuild fills (every write goes to both), `meta.bulk` the one a bulk
load fills (`indexer.backends.sqlite_versions.EmbeddedVersions.bulk_load`: upserts go to it
alone).
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from indexer.backends import sqlite_sql as sql
from indexer.backends.base import BackendError
from indexer.backends.sqlite_pool import DEFAULT_SIZE, ConnectionPool, PoolClosed, PoolExhausted
from matching.keys import KEYS_VERSION
from records.firs import FIR_KEYS_VERSION
from sqlitewal import use_wal

_SQLITE_MAGIC = b"SQLite format 3\x00"


class IndexUnavailable(BackendError):
    """The index file is damaged, missing, or was replaced under the running process."""


class SqliteIndexFile:
    """Opening never fails on a damaged file: every operation then raises `IndexUnavailable`
    saying what is wrong and what to do (the API answers 503, `/readyz` fails), and the file is
    tried again at most every `REOPEN_INTERVAL_S`, so a restored file is picked up."""

    REOPEN_INTERVAL_S = 5.0

    # Each connection keeps its own page cache: `connections` × this, plus the writer's, is the
    # most the index's cache can take (docs/decisions.md, "Bounded memory and descriptors").
    CACHE_KIB = 65536
    # Every write transaction runs on one connection of its own (writes are serialised anyway),
    # so its cache stays warm from batch to batch: a sync's inserts land all over the B-trees
    # and the full-text index, and pages read back from the file on every batch cost CPU that
    # grows with the index (docs/decisions.md, "A full sync writes in large transactions").
    WRITE_CACHE_KIB = 262144
    # WAL pages before the writer folds them back into the file: a page several commits in a
    # row rewrite reaches the file once, not once per commit (SQLite's default is 1,000).
    CHECKPOINT_PAGES = 16384

    def __init__(
        self,
        path: Path | str,
        *,
        connections: int = DEFAULT_SIZE,
        on_open: Callable[[SqliteIndexFile], None] = lambda _: None,
    ) -> None:
        self._path = Path(path)
        self._path.parent.mkdir(parents=True, exist_ok=True)
        self._pool = ConnectionPool(self._connect, connections)
        self._writer = ConnectionPool(self._connect_writer, 1)
        self._write_lock = threading.RLock()
        self._closed = False
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the file opened
        self._stamp = 0  # the file's own random stamp (see `_stamped`)
        self._unusable: str | None = None
        self._tried_at = 0.0
        self._on_open = on_open
        self._open()

    def _open(self) -> None:
        """Create or check the schema; on a damaged file remember why instead of raising."""
        self._tried_at = time.monotonic()
        try:
            with self.write(initialising=True) as con:
                con.execute(sql.META_DDL)
                if self.meta(con, "current") is None:
                    self.create_version(con, 1)
                    self.set_meta(con, "current", 1)
                    self.set_meta(con, "last_version", 1)
                    self.set_meta(con, "keys_version", KEYS_VERSION)
                    self.set_meta(con, "fir_keys_version", FIR_KEYS_VERSION)
                for v in self.targets(con):  # files written before the vocabulary view existed
                    con.execute(sql.vocab_ddl(v))
            self._on_open(self)
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
        with self.write(initialising=True) as con:
            stamp = int(con.execute("PRAGMA user_version").fetchone()[0])
            if stamp == 0:
                stamp = secrets.randbelow(2**31 - 1) + 1
                con.execute(f"PRAGMA user_version = {stamp}")
        self.pragma("PRAGMA wal_checkpoint(PASSIVE)")
        return stamp

    def _usable(self) -> None:
        """Raise `IndexUnavailable` unless the file opened is still the one at the path and
        its schema could be read."""
        if self._unusable is not None:
            if time.monotonic() - self._tried_at < self.REOPEN_INTERVAL_S:
                raise IndexUnavailable(self._unusable)
            self._pool.clear()
            self._writer.clear()
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
        use_wal(con)
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute(f"PRAGMA cache_size=-{self.CACHE_KIB}")
        # No memory map: a file shrunk or overwritten under a mapping kills the process with
        # SIGBUS, which nothing can catch; read() turns the same damage into an error.
        con.execute("PRAGMA mmap_size=0")
        return con

    def _connect_writer(self) -> sqlite3.Connection:
        con = self._connect()
        con.execute(f"PRAGMA cache_size=-{self.WRITE_CACHE_KIB}")
        con.execute(f"PRAGMA wal_autocheckpoint={self.CHECKPOINT_PAGES}")
        return con

    @property
    def open_connections(self) -> int:
        """Connections open now (lent and idle): never more than the pool's size, plus the
        writer's one."""
        return self._pool.open_connections + self._writer.open_connections

    def pragma(self, statement: str) -> None:
        """Run a maintenance statement outside any transaction; its failure changes nothing."""
        with (
            suppress(sqlite3.Error, BackendError, PoolClosed, PoolExhausted),
            self._pool.connection() as con,
        ):
            con.execute(statement)

    @contextmanager
    def _transaction(self, begin: str, pool: ConnectionPool) -> Iterator[sqlite3.Connection]:
        """One transaction on a connection from `pool`; a statement that fails on the file
        becomes `IndexUnavailable` (never a raw sqlite3 error)."""
        if self._closed:
            raise BackendError("the embedded backend is closed")
        try:
            with pool.connection() as con:
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
    def read(self) -> Iterator[tuple[sqlite3.Connection, int]]:
        self._usable()
        with self._transaction("BEGIN", self._pool) as con:
            yield con, self.current(con)

    @contextmanager
    def write(self, *, initialising: bool = False) -> Iterator[sqlite3.Connection]:
        with self._write_lock:
            if not initialising:
                self._usable()
            with self._transaction("BEGIN IMMEDIATE", self._writer) as con:
                yield con

    @staticmethod
    def meta(con: sqlite3.Connection, name: str) -> int | None:
        row = con.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else None

    @staticmethod
    def set_meta(con: sqlite3.Connection, name: str, value: int | None) -> None:
        if value is None:
            con.execute("DELETE FROM meta WHERE name = ?", (name,))
        else:
            con.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, str(value)))

    def keys_version(self, con: sqlite3.Connection) -> int:
        """`matching.keys.KEYS_VERSION` of the keys in this file (1: written before it was kept)."""
        return self.meta(con, "keys_version") or 1

    def fir_keys_version(self, con: sqlite3.Connection) -> int:
        """`records.firs.FIR_KEYS_VERSION` of the FIR keys in this file (1: before it was kept)."""
        return self.meta(con, "fir_keys_version") or 1

    def current(self, con: sqlite3.Connection) -> int:
        current = self.meta(con, "current")
        if current is None:
            raise BackendError(f"{self._path} has no current index version")
        return current

    def targets(self, con: sqlite3.Connection) -> list[int]:
        """Versions every write goes to: the current one, and the one a rebuild is filling."""
        building = self.meta(con, "building")
        current = self.current(con)
        return [current] if building is None else [current, building]

    def upsert_targets(self, con: sqlite3.Connection) -> list[int]:
        """Versions an upsert goes to: `targets`, except while a bulk load fills a new version
        (`meta.bulk`): that one only, so readers see the current version unchanged until the
        load switches them over (deletes still go to both, and are seen at once)."""
        bulk = self.meta(con, "bulk")
        return [bulk] if bulk is not None else self.targets(con)

    @staticmethod
    def create_version(con: sqlite3.Connection, v: int, *, bulk: bool = False) -> None:
        for statement in sql.version_ddl(v, bulk=bulk):
            con.execute(statement)

    @staticmethod
    def drop_version(con: sqlite3.Connection, v: int) -> None:
        for table in sql.version_tables(v):
            con.execute(f"DROP TABLE IF EXISTS {table}")

    @property
    def path(self) -> Path:
        return self._path

    def disk_bytes(self) -> int:
        """Size of the database file and its WAL, after folding the WAL back in."""
        self.pragma("PRAGMA wal_checkpoint(TRUNCATE)")
        wal = self._path.with_name(self._path.name + "-wal")
        return self._path.stat().st_size + (wal.stat().st_size if wal.exists() else 0)

    def version(self) -> int:
        with self.read() as (_, v):
            return v

    def close(self) -> None:
        """Close every connection (one lent out is closed when its transaction ends)."""
        self._closed = True
        self._pool.close()
        self._writer.close()

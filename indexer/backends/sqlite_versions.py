"""The embedded index's versions, as the one rebuild routine (`indexer.backends.rebuild`) steps
through them.

A rebuild fills `_v{N+1}` (`indexer.backends.sqlite_sql`) while every write is applied to both
versions (`meta.building`), swaps `meta.current` in one transaction, then drops the old tables.
A file lock (`<db>.rebuild.lock`, released by the OS if the process dies) refuses a second
rebuild with a message that says who holds it.

A bulk load (a full sync, `bulk_load`) fills `_v{N+1}` the same way, under the same lock, but
upserts go to the new version alone and its name keys are appended to a staging table; at the
end the records the load did not rewrite are copied from the old version (`gone` keeps the
deleted ones out), the keys and deferred indexes are built in key order, and readers switch.
Whatever stops a load half-way, the version it filled is finished, never dropped: the sync has
already moved its checkpoints past what it wrote there.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from pathlib import Path

from indexer import labels
from indexer.backends import sqlite_sql as sql
from indexer.backends.base import RebuildInProgress
from indexer.backends.sqlite_file import SqliteIndexFile
from indexer.backends.sqlite_store import read_records
from indexer.backends.sqlite_writes import write_labelled
from indexer.documents import to_document
from matching.keys import KEYS_VERSION
from records import Record
from records.firs import FIR_KEYS_VERSION

log = logging.getLogger("icjs.index")

BATCH = 1000  # records per transaction in rebuilds and copies: short write locks, fast commits


class EmbeddedVersions:
    """`IndexVersions` on the embedded file."""

    def __init__(self, file: SqliteIndexFile) -> None:
        self._file = file

    @property
    def name(self) -> str:
        return str(self._file.path)

    def rebuild_lock(self) -> AbstractContextManager[None]:
        return rebuild_lock(self._file.path)

    def start_build(self, *, bulk: bool = False) -> tuple[int, int]:
        f = self._file
        finish_stale_bulk(f)
        with f.write() as con:
            stale = f.meta(con, "building")
            if stale is not None:
                f.drop_version(con, stale)
            old = f.current(con)
            new = max(old, f.meta(con, "last_version") or old) + 1
            f.create_version(con, new, bulk=bulk)
            f.set_meta(con, "last_version", new)
            f.set_meta(con, "building", new)
            if bulk:
                f.set_meta(con, "bulk", new)
        return old, new

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """Upserts made inside go to a new version, built in key order and switched to at the
        end (module docstring). While a rebuild holds the lock, the load writes as any sync
        does (logged), since waiting for the rebuild could take as long as the load."""
        with ExitStack() as held:
            try:
                held.enter_context(rebuild_lock(self._file.path))
            except RebuildInProgress as exc:
                log.warning("a full sync writes as an incremental one: %s", exc.detail)
                yield
                return
            old, new = self.start_build(bulk=True)
            try:
                yield
            finally:
                finish_bulk(self._file, old, new)
                self.drop(old)

    def fill(self, new: int, old: int, records: Iterable[Record] | None) -> int:
        count = 0
        if records is None:
            return copy_records(self._file, old, new, missing_only=False)
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
        with self._file.write() as con:
            gone = {
                row[0]
                for row in con.execute(
                    f"SELECT record_id FROM gone_v{v} WHERE record_id IN "
                    f"({sql.placeholders(len(docs))})",
                    [d.record_id for d in docs],
                )
            }
            write_labelled(con, v, [d for d in docs if d.record_id not in gone])
        return len(docs)

    def switch(self, old: int, new: int) -> None:
        with self._file.write() as con:
            make_current(self._file, con, new)

    def drop(self, version: int) -> None:
        with self._file.write() as con:
            self._file.drop_version(con, version)
        self._file.pragma("PRAGMA incremental_vacuum")

    def abandon(self, new: int) -> None:
        f = self._file
        with f.write() as con:
            f.set_meta(con, "building", None)
            f.drop_version(con, new)


def make_current(file: SqliteIndexFile, con: sqlite3.Connection, new: int) -> None:
    """Readers see version `new` from this transaction's commit, recorded with the key versions
    it was built with; nothing is being built any more. One place for a rebuild's switch and a
    bulk load's end, so that the two cannot record different things."""
    file.set_meta(con, "current", new)
    file.set_meta(con, "building", None)
    file.set_meta(con, "keys_version", KEYS_VERSION)
    file.set_meta(con, "fir_keys_version", FIR_KEYS_VERSION)


def copy_records(file: SqliteIndexFile, old: int, new: int, *, missing_only: bool) -> int:
    """Copy version `old`'s records into `new` (`missing_only`: those `new` neither holds nor
    saw deleted), a batch per transaction; how many."""
    count = 0
    after = 0
    while True:
        # read and copy in one transaction: atomic against deletes
        with file.write() as con:
            if missing_only:
                page = read_missing_records(con, old, new, after, BATCH)
            else:
                page = read_records(con, old, after, BATCH)
            docs = [to_document(r) for r in labels.classified(r for _, r in page)]
            write_labelled(con, new, docs)
        count += len(page)
        if len(page) < BATCH:
            return count
        after = page[-1][0]


def read_missing_records(
    con: sqlite3.Connection, old: int, new: int, after_rid: int, limit: int
) -> list[tuple[int, Record]]:
    rows = con.execute(
        f"SELECT o.rid, o.json FROM records_v{old} o WHERE o.rid > ? "
        f"AND NOT EXISTS (SELECT 1 FROM records_v{new} n WHERE n.record_id = o.record_id) "
        f"AND NOT EXISTS (SELECT 1 FROM gone_v{new} g WHERE g.record_id = o.record_id) "
        "ORDER BY o.rid LIMIT ?",
        (after_rid, limit),
    ).fetchall()
    return [(rid, Record.model_validate_json(text)) for rid, text in rows]


def finish_bulk(file: SqliteIndexFile, old: int, new: int) -> None:
    """Complete the bulk load of version `new` and switch readers to it (module docstring);
    the caller drops `old`."""
    started = time.monotonic()
    copied = copy_records(file, old, new, missing_only=True)
    with file.write() as con:
        for statement in sql.finish_bulk_ddl(new):
            con.execute(statement)
        file.set_meta(con, "bulk", None)
        make_current(file, con, new)
    log.info(
        "bulk load of %s: version %d finished (%d records kept from version %d) in %.1f s",
        file.path,
        new,
        copied,
        old,
        time.monotonic() - started,
    )


def finish_stale_bulk(file: SqliteIndexFile) -> None:
    """Finish the bulk load a stopped process left (the caller holds the rebuild lock)."""
    with file.write() as con:
        bulk = file.meta(con, "bulk")
        old = file.current(con)
    if bulk is not None:
        finish_bulk(file, old, bulk)
        with file.write() as con:
            file.drop_version(con, old)


@contextmanager
def rebuild_lock(path: Path) -> Iterator[None]:
    lock_path = path.with_name(path.name + ".rebuild.lock")
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "unknown"
            raise RebuildInProgress(
                f"another rebuild of {path} is running ({holder}); "
                "wait for it to finish, or stop that process"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {time.ctime()}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the flock


def drop_abandoned_build(file: SqliteIndexFile) -> None:
    """A rebuild that died leaves `meta.building`: drop it, unless its builder still runs; a
    bulk load that died is finished instead (module docstring)."""
    with file.write() as con:
        building = file.meta(con, "building")
    if building is None:
        return
    try:
        with rebuild_lock(file.path):
            finish_stale_bulk(file)
            with file.write() as con:
                if file.meta(con, "building") == building:
                    file.drop_version(con, building)
                    file.set_meta(con, "building", None)
    except RebuildInProgress:
        pass  # a live rebuild owns it

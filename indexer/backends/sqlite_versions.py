"""The embedded index's versions, as the one rebuild routine (`indexer.backends.rebuild`) steps
through them.

A rebuild fills `_v{N+1}` (`indexer.backends.sqlite_sql`) while every write is applied to both
versions (`meta.building`), swaps `meta.current` in one transaction, then drops the old tables.
A file lock (`<db>.rebuild.lock`, released by the OS if the process dies) refuses a second
rebuild with a message that says who holds it.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
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

    def start_build(self) -> tuple[int, int]:
        f = self._file
        with f.write() as con:
            stale = f.meta(con, "building")
            if stale is not None:
                f.drop_version(con, stale)
            old = f.current(con)
            new = max(old, f.meta(con, "last_version") or old) + 1
            f.create_version(con, new)
            f.set_meta(con, "last_version", new)
            f.set_meta(con, "building", new)
        return old, new

    def fill(self, new: int, old: int, records: Iterable[Record] | None) -> int:
        count = 0
        if records is None:
            after = 0
            while True:
                # read and copy in one transaction: atomic against deletes
                with self._file.write() as con:
                    page = read_records(con, old, after, BATCH)
                    docs = [to_document(r) for r in labels.classified(r for _, r in page)]
                    write_labelled(con, new, docs)
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
        f = self._file
        with f.write() as con:
            f.set_meta(con, "current", new)
            f.set_meta(con, "building", None)
            f.set_meta(con, "keys_version", KEYS_VERSION)
            f.set_meta(con, "fir_keys_version", FIR_KEYS_VERSION)

    def drop(self, version: int) -> None:
        with self._file.write() as con:
            self._file.drop_version(con, version)
        self._file.pragma("PRAGMA incremental_vacuum")

    def abandon(self, new: int) -> None:
        f = self._file
        with f.write() as con:
            f.set_meta(con, "building", None)
            f.drop_version(con, new)


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
    """A rebuild that died leaves `meta.building`: drop it, unless its builder still runs."""
    with file.write() as con:
        building = file.meta(con, "building")
    if building is None:
        return
    try:
        with rebuild_lock(file.path), file.write() as con:
            if file.meta(con, "building") == building:
                file.drop_version(con, building)
                file.set_meta(con, "building", None)
    except RebuildInProgress:
        pass  # a live rebuild owns it

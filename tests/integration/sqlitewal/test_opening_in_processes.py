"""Processes, not threads, opening one new SQLite file at the same moment, as API workers do
when they start together: every one gets the file in WAL mode, none fails with "database is
locked" (with `PRAGMA journal_mode=WAL` alone, some did)."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import sys
from contextlib import closing
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlitewal import use_wal

PROCESSES = 4
FILES = 100


def _open_each(paths: list[Path], start: Barrier) -> None:
    """In a child: open every file at the same moment as the other children and write a row;
    a failure is printed and the child goes on to the next file (the others wait for it at the
    barrier), then exits with status 1."""
    failures = 0
    for path in paths:
        start.wait()
        try:
            with closing(sqlite3.connect(path, timeout=30.0, isolation_level=None)) as con:
                use_wal(con)
                con.execute("CREATE TABLE IF NOT EXISTS opened (pid INTEGER)")
                con.execute("INSERT INTO opened VALUES (?)", (os.getpid(),))
        except sqlite3.Error as exc:
            print(f"{path.name}: {exc}", file=sys.stderr)
            failures += 1
    sys.exit(1 if failures else 0)


def test_processes_opening_new_files_at_once_all_get_in(tmp_path: Path) -> None:
    paths = [tmp_path / f"file-{i}.db" for i in range(FILES)]
    context = multiprocessing.get_context("fork")
    start = context.Barrier(PROCESSES)
    children = [context.Process(target=_open_each, args=(paths, start)) for _ in range(PROCESSES)]
    for child in children:
        child.start()
    for child in children:
        child.join()
    assert [child.exitcode for child in children] == [0] * PROCESSES
    for path in paths:
        with closing(sqlite3.connect(path)) as con:
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert con.execute("SELECT COUNT(DISTINCT pid) FROM opened").fetchone()[0] == PROCESSES

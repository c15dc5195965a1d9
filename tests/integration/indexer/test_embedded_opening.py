"""Several processes opening one new embedded index file at the same moment (`icjs serve`'s
workers starting, `icjs sync` beside them): each connection puts the file in WAL mode, and a new
file's switch takes a lock SQLite's busy handler does not wait for. Every opener must wait its
turn and get a usable index, never one that answers "busy" until it is tried again."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from indexer.backends.embedded import EmbeddedBackend
from tests.plugins.at_once import at_once

OPENERS = 4
FILES = 200


def _open_at_once(path: Path) -> list[BaseException]:
    backends: list[EmbeddedBackend] = []

    def open_and_read() -> None:
        backend = EmbeddedBackend(path, connections=2)
        backends.append(backend)
        assert backend.file.version() == 1

    try:
        return at_once([open_and_read] * OPENERS)
    finally:
        for backend in backends:
            backend.close()


def test_openers_of_a_new_index_file_at_once_all_get_in(tmp_path: Path) -> None:
    for i in range(FILES):
        path = tmp_path / f"index-{i}.db"
        assert _open_at_once(path) == []
        with closing(sqlite3.connect(path)) as con:
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            assert con.execute("SELECT value FROM meta WHERE name = 'current'").fetchone() == ("1",)

"""Several processes opening one new graph file at the same moment (`icjs serve`'s workers
starting, `icjs network rebuild` beside them): each connection puts the file in WAL mode, and a
new file's switch takes a lock SQLite's busy handler does not wait for. Every opener must wait
its turn, never fail with "database is locked"."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from network import GraphStore
from tests.plugins.at_once import at_once

OPENERS = 4
FILES = 100


def _open_at_once(path: Path) -> list[BaseException]:
    stores: list[GraphStore] = []

    def open_and_write(n: int) -> None:
        store = GraphStore(path)
        stores.append(store)
        store.set_meta(f"opener_{n}", n)

    try:
        return at_once([lambda n=n: open_and_write(n) for n in range(OPENERS)])
    finally:
        for store in stores:
            store.close()


def test_openers_of_a_new_graph_file_at_once_all_get_in(tmp_path: Path) -> None:
    for i in range(FILES):
        path = tmp_path / f"network-{i}.db"
        assert _open_at_once(path) == []
        with closing(sqlite3.connect(path)) as con:
            assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
            opened = con.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'opener%'").fetchone()[0]
            assert opened == OPENERS

"""Several processes opening one new SQLite state file at the same moment (API workers starting,
`icjs sync` beside `icjs serve`): each connection puts the file in WAL mode, and a new file's
switch takes a lock SQLite's busy handler does not wait for. Each opener must wait its turn,
never fail with "database is locked" (it did for about one new file in five with four
openers; CI once failed on it through the migrations' concurrency test)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from state.db import Database
from tests.plugins.at_once import at_once

OPENERS = 4
FILES = 100


def _open_at_once(path: Path) -> list[BaseException]:
    path.touch()  # an empty file: every opener switches its journal
    databases = [Database.sqlite(path) for _ in range(OPENERS)]

    def open_and_write(db: Database, n: int) -> None:
        with db.write() as conn:
            conn.execute(sa.text("CREATE TABLE IF NOT EXISTS opened (n INTEGER)"))
            conn.execute(sa.text("INSERT INTO opened VALUES (:n)"), {"n": n})

    try:
        return at_once([lambda db=db, n=n: open_and_write(db, n) for n, db in enumerate(databases)])
    finally:
        for db in databases:
            db.close()


def test_openers_of_a_new_file_at_once_all_get_in(tmp_path: Path) -> None:
    for i in range(FILES):
        path = tmp_path / f"state-{i}.db"
        assert _open_at_once(path) == []
        db = Database.sqlite(path)
        try:
            with db.read() as conn:
                assert conn.execute(sa.text("SELECT COUNT(*) FROM opened")).scalar() == OPENERS
                assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        finally:
            db.close()

"""Opening a store's area: a `Database` handed in (shared, its owner closes it), or a SQLite
file by path (the store owns it), migrated to this code's schema on the way."""

from __future__ import annotations

from pathlib import Path

from .db import Database
from .migrate import ensure


def open_area(target: Database | Path, area: str, *, migrate: bool = True) -> tuple[Database, bool]:
    """The database of a store and whether the store owns it (and closes it)."""
    if isinstance(target, Database):
        ensure(target, area, auto=migrate)
        return target, False
    db = Database.sqlite(target)
    try:
        ensure(db, area, auto=migrate)
    except BaseException:
        db.close()
        raise
    return db, True

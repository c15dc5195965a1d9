"""Moving a deployment's state from its SQLite files into a shared PostgreSQL database
(`icjs state import-sqlite`): every row of every area, ids and hashes as they were, so the audit
chain verifies in its new home exactly as it did in the old one.

The target must be empty (a copy is a move, done once, with the API and the syncs stopped); the
source files are brought to the current schema first, as opening them would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from .db import Database, StateError
from .migrate import ensure
from .schema import METADATA

_BATCH = 2000
_SKIP = {"sync_holder"}  # who holds a sync lock right now: not a thing to copy


@dataclass(frozen=True)
class Copied:
    area: str
    source: Path
    rows: dict[str, int]


def copy_sqlite_files(files: Mapping[str, Path], target: Database) -> list[Copied]:
    """Copy each area's SQLite file (`files`: area → path; missing files are skipped) into
    `target`, whose tables for those areas must be empty."""
    done: list[Copied] = []
    present = {area: path for area, path in files.items() if path.exists()}
    for area in files:
        ensure(target, area)
        with target.read() as conn:
            for table in METADATA[area].sorted_tables:
                if table.name in _SKIP or table.name == "audit_head":  # a new log's genesis
                    continue
                if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one():
                    raise StateError(
                        f"{target.display} already holds {table.name} rows: the import goes into "
                        "an empty database (with the API and the syncs stopped)"
                    )
    for area, path in present.items():
        source = Database.sqlite(path)
        try:
            ensure(source, area)
            done.append(Copied(area, path, _copy_area(area, source, target)))
        finally:
            source.close()
    return done


def _copy_area(area: str, source: Database, target: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    with source.read() as src, target.write() as dst:
        for table in METADATA[area].sorted_tables:
            if table.name in _SKIP:
                continue
            if table.name == "audit_head":
                dst.execute(table.delete())  # the empty log's genesis gives way to the copied head
            n = 0
            order = list(table.primary_key.columns) or list(table.columns)
            rows = src.execution_options(yield_per=_BATCH).execute(
                sa.select(table).order_by(*order)
            )
            for batch in rows.mappings().partitions():
                dst.execute(table.insert(), [dict(r) for r in batch])
                n += len(batch)
            counts[table.name] = n
            identity = table.c.get("id")
            if (
                n
                and identity is not None
                and identity.identity is not None
                and target.is_postgresql
            ):
                # rows came with their ids: the identity goes on after the highest
                dst.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT MAX(id) FROM {table.name}))"
                    )
                )
    return counts

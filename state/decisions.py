"""Supervisors' judgements on pairs of records, as rows (`judgements`). What a judgement means
is `federation.decisions`; this module only keeps them, on SQLite or PostgreSQL, so that every API
worker and machine sharing the state sees the same decisions.

One row per pair (`a < b`); a newer decision on a pair replaces the older (`ON CONFLICT … DO
UPDATE`: two supervisors deciding at once on one pair leave the later one, never an error).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .db import Database
from .schema import judgements
from .stores import open_area

_CHUNK = 400  # record ids per IN (…): well under every engine's bound on parameters


class JudgementRows:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "decisions", migrate=migrate)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def put(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Store judgements (each with a, b, verdict, reason, decided_by, decided_at,
        decision_id), replacing older ones on the same pairs, in one transaction."""
        if not rows:
            return
        insert = self.db.insert(judgements)
        statement = insert.on_conflict_do_update(
            index_elements=[judgements.c.a, judgements.c.b],
            set_={
                column: insert.excluded[column]
                for column in ("verdict", "reason", "decided_by", "decided_at", "decision_id")
            },
        )
        with self.db.write() as conn:
            conn.execute(statement, [dict(r) for r in rows])

    def among(self, record_ids: Collection[str]) -> list[dict[str, Any]]:
        """Rows whose two records are both in `record_ids`."""
        wanted = sorted(set(record_ids))
        if len(wanted) < 2:
            return []
        inside = set(wanted)
        found: dict[tuple[str, str], dict[str, Any]] = {}
        with self.db.read() as conn:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                query = sa.select(judgements).where(
                    sa.or_(judgements.c.a.in_(chunk), judgements.c.b.in_(chunk))
                )
                for row in conn.execute(query).mappings():
                    if row["a"] in inside and row["b"] in inside:
                        found[(row["a"], row["b"])] = dict(row)
        return list(found.values())

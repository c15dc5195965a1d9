"""Supervisors' decisions on profiles: *these records are one person* (confirm) or *these are not
the same person as those* (split), like the yellow links of the EU's multiple-identity detector.

A decision is stored as judgements on pairs of record ids, which are stable across re-syncs
and rebuilds (`{source}:{native_id}`), in a SQLite file beside the index but outside it: a rebuild
or a re-sync renews the index and never touches them. Grouping reads the judgements among a
search's candidates: a `different` judgement is a cannot-link that nothing overrides (not even a
strong identifier: a supervisor looked); a `same` judgement joins whatever automatic rule
disagrees, and the profile shows the disagreement. The newest judgement on a pair wins.
"""

from __future__ import annotations

import sqlite3
import threading
import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

_CHUNK = 400


class Verdict(StrEnum):
    SAME = "same"
    DIFFERENT = "different"


@dataclass(frozen=True)
class Judgement:
    a: str  # record ids, a < b
    b: str
    verdict: Verdict
    reason: str
    decided_by: str
    decided_at: datetime
    decision_id: str


@dataclass(frozen=True)
class Decision:
    decision_id: str
    action: str  # confirm | split
    reason: str
    decided_by: str
    decided_at: datetime
    pairs: tuple[tuple[str, str], ...]


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


class DecisionStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS judgements ("
                " a TEXT NOT NULL, b TEXT NOT NULL, verdict TEXT NOT NULL, reason TEXT NOT NULL,"
                " decided_by TEXT NOT NULL, decided_at TEXT NOT NULL, decision_id TEXT NOT NULL,"
                " PRIMARY KEY (a, b))"
            )
            self._conn.execute("CREATE INDEX IF NOT EXISTS judgements_b ON judgements(b)")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def record(
        self,
        action: str,
        verdict: Verdict,
        pairs: Iterable[tuple[str, str]],
        *,
        reason: str,
        decided_by: str,
        now: datetime | None = None,
    ) -> Decision:
        """Store one decision's judgements (newest wins on each pair) and return it."""
        decided_at = (now or datetime.now(UTC)).replace(microsecond=0)
        decision_id = "dec_" + uuid.uuid4().hex[:20]
        ordered = tuple(sorted({pair(a, b) for a, b in pairs if a != b}))
        at = decided_at.isoformat()
        rows = [(a, b, verdict.value, reason, decided_by, at, decision_id) for a, b in ordered]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO judgements VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
                self._conn.execute("COMMIT")
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
        return Decision(decision_id, action, reason, decided_by, decided_at, ordered)

    def among(self, record_ids: Collection[str]) -> dict[tuple[str, str], Judgement]:
        """Judgements on pairs of which both records are in `record_ids`."""
        wanted = sorted(set(record_ids))
        if len(wanted) < 2:
            return {}
        found: dict[tuple[str, str], Judgement] = {}
        inside = set(wanted)
        with self._lock:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT * FROM judgements WHERE a IN ({marks}) "
                    f"UNION SELECT * FROM judgements WHERE b IN ({marks})",
                    chunk + chunk,
                ).fetchall()
                for a, b, verdict, reason, by, at, decision_id in rows:
                    if a in inside and b in inside:
                        found[(a, b)] = Judgement(
                            a, b, Verdict(verdict), reason, by, datetime.fromisoformat(at),
                            decision_id,
                        )  # fmt: skip
        return found


class NoDecisions:
    """For callers with no decision store (tools, tests): no judgement on any pair."""

    def among(self, record_ids: Collection[str]) -> dict[tuple[str, str], Judgement]:
        return {}

"""Supervisors' decisions on profiles: *these records are one person* (confirm) or *these are not
the same person as those* (split), like the yellow links of the EU's multiple-identity detector.

A decision is stored as judgements on pairs of record ids, which are stable across re-syncs
and rebuilds (`{source}:{native_id}`), in the state database beside the index but outside it
(`state.decisions`: a SQLite file, or the PostgreSQL database every API worker shares): a rebuild
or a re-sync renews the index and never touches them. Grouping reads the judgements among a
search's candidates: a `different` judgement is a cannot-link that nothing overrides (not even a
strong identifier: a supervisor looked); a `same` judgement joins whatever automatic rule
disagrees, and the profile shows the disagreement. The newest judgement on a pair wins.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from state import Database
from state.decisions import JudgementRows


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
class ProfileDecision:
    decision_id: str
    action: str  # confirm | split
    reason: str
    decided_by: str
    decided_at: datetime
    pairs: tuple[tuple[str, str], ...]


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


class DecisionStore:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self._rows = JudgementRows(target, migrate=migrate)

    def close(self) -> None:
        self._rows.close()

    def record(
        self,
        action: str,
        verdict: Verdict,
        pairs: Iterable[tuple[str, str]],
        *,
        reason: str,
        decided_by: str,
        now: datetime | None = None,
    ) -> ProfileDecision:
        """Store one decision's judgements (newest wins on each pair) and return it."""
        decided_at = (now or datetime.now(UTC)).replace(microsecond=0)
        decision_id = "dec_" + uuid.uuid4().hex[:20]
        ordered = tuple(sorted({pair(a, b) for a, b in pairs if a != b}))
        at = decided_at.isoformat()
        self._rows.put(
            [
                {
                    "a": a,
                    "b": b,
                    "verdict": verdict.value,
                    "reason": reason,
                    "decided_by": decided_by,
                    "decided_at": at,
                    "decision_id": decision_id,
                }
                for a, b in ordered
            ]
        )
        return ProfileDecision(decision_id, action, reason, decided_by, decided_at, ordered)

    def among(self, record_ids: Collection[str]) -> dict[tuple[str, str], Judgement]:
        """Judgements on pairs of which both records are in `record_ids`."""
        return {
            (row["a"], row["b"]): Judgement(
                row["a"],
                row["b"],
                Verdict(row["verdict"]),
                row["reason"],
                row["decided_by"],
                datetime.fromisoformat(row["decided_at"]),
                row["decision_id"],
            )
            for row in self._rows.among(record_ids)
        }


class NoDecisions:
    """For callers with no decision store (tools, tests): no judgement on any pair."""

    def among(self, record_ids: Collection[str]) -> dict[tuple[str, str], Judgement]:
        return {}

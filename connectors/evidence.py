"""What the sync state says about the evidence behind a decision (`federation.NocEvidence`):
how fresh a source's last successful sync is, whether its last run failed, and which quarantined
rows write a vehicle's number.

Reads only, through a connection of the state database per call (SQLite WAL, or PostgreSQL: safe
beside a running sync). A node without a state file has no evidence, and says so (never
"fresh"); with a shared PostgreSQL state every API node sees what every sync wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from state import Database
from state.sync import Mention, StateStore, has_state


@dataclass(frozen=True)
class Freshness:
    last_success: datetime | None
    last_failure: datetime | None
    failure: str | None


NEVER = Freshness(None, None, None)


class SyncEvidence:
    def __init__(self, state: Database | Path) -> None:
        self.state = state

    def freshness(self, source: str, stream: str) -> Freshness:
        """When the walk of `source`'s `stream` last completed, and the source's last failed
        run if it failed in that stream (or before reaching any)."""
        if not has_state(self.state):
            return NEVER
        with StateStore(self.state) as state:
            checkpoint = state.checkpoint(source, stream)
            failure = state.last_failure(source)
        failed_at, reason = None, None
        if failure is not None and failure.stream in (None, stream):
            failed_at, reason = failure.at, failure.error
        return Freshness(checkpoint.last_success, failed_at, reason)

    def mentions(
        self, *, registration: str | None, chassis: str | None, engine: str | None
    ) -> list[Mention]:
        if not has_state(self.state):
            return []
        with StateStore(self.state) as state:
            return state.mentions(registration=registration, chassis=chassis, engine=engine)

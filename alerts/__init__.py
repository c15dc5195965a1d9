"""Alerts: telling the right desk without being asked.

After each sync batch (`AlertStep`, the sync engine's `on_written` hook) the matchers compare what
changed with the open cases on the other side — missing with found persons and children, stolen
vehicles with Vahan registrations and recovered reports — and queue what should be sent in the
state's outbox; a delivery worker (`alerts.delivery`) puts it in each recipient's feed (read
through `GET /v1/alerts`) or other channels. Revoked NOCs become alerts the same way.

Imports point down: `alerts` reads records through `indexer` and `federation`, never `api`.
"""

from __future__ import annotations

from .cases import Case, case_of, recipient
from .matchers import THRESHOLDS, Match
from .step import AlertStep, StepReport
from .store import AlertStore, FeedItem

__all__ = [
    "THRESHOLDS",
    "AlertStep",
    "AlertStore",
    "Case",
    "FeedItem",
    "Match",
    "StepReport",
    "case_of",
    "recipient",
]

"""What `GET /v1/sync/status` shows: per source, the last complete sync, how far behind the
index is, the last run's outcome, the open quarantine, and the sync running now (if any)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from config.settings import SOURCE_NAMES
from connectors.lock import current_holder
from connectors.state import StateStore


def sync_status(state_path: Path, *, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """Per source: `last_success` (ISO time a walk last completed), `watermark` (newest source
    update time the index is complete up to), `lag_s` (now minus that watermark),
    `quarantined` (open entries), `redacted` (Aadhaar removals logged), `last_run`
    (status, error, counts), `running` (pid, host, started_at and sources of the sync walking
    this source now, from the sync lock; null when none). Sources never synced have nulls.
    Reading only: safe while a sync runs (WAL), and the lock probe never turns a sync away."""
    current = now or datetime.now(UTC)
    holder = current_holder(state_path)
    out: dict[str, dict[str, Any]] = {
        name: {
            "last_success": None,
            "watermark": None,
            "lag_s": None,
            "quarantined": 0,
            "redacted": 0,
            "last_run": None,
            "running": (
                holder.as_dict()
                if holder is not None and (not holder.sources or name in holder.sources)
                else None
            ),
        }
        for name in SOURCE_NAMES
    }
    if not state_path.exists():
        return out
    with StateStore(state_path) as state:
        # a source is only as fresh as its stalest collection
        success: dict[str, datetime] = {}
        watermark: dict[str, datetime] = {}
        for source, stream, cp in state.checkpoints():
            if source not in out or stream in ("reconcile", "replay"):
                continue
            if cp.last_success and (source not in success or cp.last_success < success[source]):
                success[source] = cp.last_success
            if cp.watermark and (source not in watermark or cp.watermark < watermark[source]):
                watermark[source] = cp.watermark
        for source, when in success.items():
            out[source]["last_success"] = when.isoformat()
        for source, when in watermark.items():
            out[source]["watermark"] = when.isoformat()
            out[source]["lag_s"] = round((current - when).total_seconds(), 1)
        for source, count in state.quarantine_counts().items():
            if source in out:
                out[source]["quarantined"] = count
        for source, count in state.redaction_counts().items():
            if source in out:
                out[source]["redacted"] = count
        for source, run in state.last_runs().items():
            if source in out:
                out[source]["last_run"] = run
    return out

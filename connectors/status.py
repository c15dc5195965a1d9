"""What `icjs sync status` and `GET /v1/sync/status` show, per source:

- `last_success`: when a walk of every collection last completed (the stalest collection's);
  `last_failure`: the last failed run, when, why and in which collection;
- `watermark`: the newest source update time the index holds; `as_of`: the source's own time
  when the last completed walk began (CCTNS's `as_of`, else the source's `Date` header): the
  index is complete up to it; `lag_s`: how far that is behind the latest time the source has
  shown us since (a walk that failed or is still running shows a later one), the stalest
  collection's: by the source's clock, never by ours, which a source's clock need not match;
- `last_run`: the last run's status, error and counts, where every row seen has one outcome:
  seen = indexed + updated + unchanged + quarantined + with_issues + removed + duplicates
  (`reconciles` says whether it held);
- `quarantined` (open entries that could not be indexed) and `with_issues` (records indexed with
  data issues, listed for replay); `redacted` (Aadhaar removals logged);
- `reconciliation`: the last ids reconciliation (e-Prisons): when, ids listed, what it removed;
- `running`: the sync walking this source now (from the sync lock), or null.

Reading only: safe while a sync runs (WAL), and the lock probe never turns a sync away.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.lock import current_holder
from records import source_names
from state import Database
from state.sync import StateStore, has_state

OUTCOMES = (
    "indexed",
    "updated",
    "unchanged",
    "quarantined",
    "with_issues",
    "removed",
    "duplicates",
)
_SIDE_STREAMS = ("reconcile", "replay")


def sync_status(
    state: Path | Database, *, now: datetime | None = None
) -> dict[str, dict[str, Any]]:
    """Per source, the fields above; sources never synced have nulls and zeros. `now` is
    accepted for callers that pin time; no figure here depends on our clock."""
    holder = current_holder(state)
    out: dict[str, dict[str, Any]] = {
        name: {
            "last_success": None,
            "last_failure": None,
            "watermark": None,
            "as_of": None,
            "lag_s": None,
            "quarantined": 0,
            "with_issues": 0,
            "redacted": 0,
            "last_run": None,
            "reconciliation": None,
            "running": (
                holder.as_dict()
                if holder is not None and (not holder.sources or name in holder.sources)
                else None
            ),
        }
        for name in source_names()
    }
    if not has_state(state):
        return out
    with StateStore(state) as store:
        times = store.source_times()
        # a source is only as fresh as its stalest collection
        for source, stream, cp in store.checkpoints():
            if source not in out or stream in _SIDE_STREAMS:
                continue
            row = out[source]
            if cp.last_success and _older(cp.last_success, row["last_success"]):
                row["last_success"] = cp.last_success.isoformat()
            if cp.watermark and _older(cp.watermark, row["watermark"]):
                row["watermark"] = cp.watermark.isoformat()
            as_of, source_now = times.get((source, stream), (None, None))
            if as_of and source_now:
                lag = round(max(0.0, (source_now - as_of).total_seconds()), 1)
                if row["lag_s"] is None or lag > row["lag_s"]:
                    row["lag_s"], row["as_of"] = lag, as_of.isoformat()
        for source, (alone, damaged) in store.quarantine_split().items():
            if source in out:
                out[source]["quarantined"], out[source]["with_issues"] = alone, damaged
        for source, count in store.redaction_counts().items():
            if source in out:
                out[source]["redacted"] = count
        for source, run in store.last_runs().items():
            if source in out:
                counts = run.get("counts") or {}
                run["reconciles"] = sum(counts.get(k, 0) for k in OUTCOMES) == counts.get(
                    "fetched", 0
                )
                out[source]["last_run"] = run
        for source in out:
            failure = store.last_failure(source)
            if failure is not None:
                out[source]["last_failure"] = {
                    "at": failure.at.isoformat(),
                    "error": failure.error,
                    "stream": failure.stream,
                }
        for source, done in store.last_reconciliations().items():
            if source in out:
                out[source]["reconciliation"] = done
    return out


def _older(value: datetime, held: str | None) -> bool:
    return held is None or value < datetime.fromisoformat(held)

"""Quarantine replay: run stored payloads through the current mapping and index what now maps.

The quarantine holds two kinds of entries: rows that could not be indexed at all, and records
indexed with data issues (listed with their row as received). Replay reads both again after a
fix (a code change, a new state name in `connectors/data/states.tsv`): what now reads cleanly is
indexed and the entry resolved; what still has issues is indexed with the issues it has now and
stays listed; what still cannot be indexed stays, with its new reason. A replayed record never
overwrites a newer version already indexed (the entry is marked `superseded`). Whole-file
entries (a corrupt ALIS file) cannot be re-mapped from the quarantine: they are retried by
fetching the file again, which the next `--full` sync of the source does.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from connectors.base import Connector, Tombstone, utcnow
from connectors.clean import scrub_aadhaar
from connectors.engine import row_from_payload
from connectors.errors import MappingError
from connectors.reading import describe, read_row
from connectors.registry import CONNECTORS, mapping_connector
from connectors.report import RecordSink
from state.sync import StateStore, micros


def replay_quarantine(
    state: StateStore,
    sink: RecordSink,
    *,
    source: str | None = None,
    fetched_at: datetime | None = None,
) -> Counter[str]:
    """Replay open entries (of one source, or all); counts per outcome: `replayed` (indexed,
    no issue left), `still_damaged` (indexed with issues), `superseded`, `still_bad` (still
    not indexable), `needs_refetch`."""
    outcome: Counter[str] = Counter()
    when = fetched_at or utcnow()
    connectors: dict[str, Connector] = {}
    for entry in list(state.quarantine_entries(source)):
        if entry.collection == "@file" or entry.source not in CONNECTORS:
            outcome["needs_refetch"] += 1
            continue
        connector = connectors.get(entry.source) or mapping_connector(entry.source)
        connectors[entry.source] = connector
        payload, _ = scrub_aadhaar(entry.payload)
        row = row_from_payload(payload, entry.collection, entry.version_hint)
        try:
            mapped = read_row(connector, row, when)
        except MappingError as exc:
            if exc.reason != entry.reason or entry.indexed:
                state.reopen(entry.id, exc.reason, indexed=False)
            outcome["still_bad"] += 1
            continue
        old = state.versions([mapped.record_id]).get(mapped.record_id)
        stamp = micros(mapped.version)
        if old is not None and old > stamp:
            state.resolve(entry.id, "superseded")
            outcome["superseded"] += 1
            continue
        if isinstance(mapped, Tombstone):
            result = sink.delete([mapped.record_id])
            if result.failed:
                outcome["still_bad"] += 1
                continue
            state.commit_page(
                entry.source,
                "replay",
                watermark=None,
                walk=None,
                success=False,
                deleted=[mapped.record_id],
            )
        else:
            result = sink.upsert([mapped])
            if result.failed:
                outcome["still_bad"] += 1
                continue
            state.commit_page(
                entry.source,
                "replay",
                watermark=None,
                walk=None,
                success=False,
                written=[(mapped.record_id, stamp)],
            )
            if mapped.data_issues:
                # still damaged, now read as well as the current code can: indexed, listed
                state.reopen(entry.id, describe(mapped.data_issues), indexed=True)
                outcome["still_damaged"] += 1
                continue
        state.resolve(entry.id, "replayed")
        outcome["replayed"] += 1
    return outcome

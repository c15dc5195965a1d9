"""The graph kept current by the sync: its `on_written` hook, beside the alerts' (`alerts.hook`).

    written, removed, close = sync_hook(data_dir / "network.db")
    run_sync(..., on_written=written, on_removed=removed)  # beside the alerts' (cli.sync)

Each written page replaces its records' edges and recounts the values they touch, in one
transaction, before the sync commits the page's checkpoint (a sync that dies after the index
write writes the same edges again on its next run: the write is idempotent). The caps are learnt
again once the graph has grown by a tenth since they were last learnt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from records import Record

from .store import GraphStore
from .suppress import RELEARN_GROWTH, learn_caps, stored_caps

STORE_FILE = "network.db"


def store_path(data_dir: Path) -> Path:
    return data_dir / STORE_FILE


def sync_hook(
    path: Path,
) -> tuple[Callable[[Sequence[Record]], None], Callable[[Sequence[str]], None], Callable[[], None]]:
    """The `on_written` hook, the `on_removed` hook (tombstones, reconciliation) and their
    close."""
    store = GraphStore(path)

    def hook(records: Sequence[Record]) -> None:
        store.replace(records)
        caps = stored_caps(store)
        edges = store.stats().edges if caps.learnt_at is None else None
        if caps.learnt_at is None or _grown(store, caps.learnt_edges, edges):
            learn_caps(store)

    return hook, store.remove, store.close


def _grown(store: GraphStore, learnt: int, known: int | None) -> bool:
    edges = known if known is not None else store.stats().edges
    return edges > learnt * (1 + RELEARN_GROWTH)


def rebuild(store: GraphStore, records: Iterator[Record]) -> int:
    """A full build from every record of the index; the edges written."""
    from .extract import edges_of

    written = store.bulk_load(e for r in records for e in edges_of(r))
    learn_caps(store)
    return written

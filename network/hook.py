"""The graph kept current by the sync: its `on_written` hook, beside the alerts' (`alerts.hook`).

    hook, close = sync_hook(data_dir / "network.db")
    run_sync(..., on_written=chain(alert_hook, hook))

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


def sync_hook(path: Path) -> tuple[Callable[[Sequence[Record]], None], Callable[[], None]]:
    """The hook and its close."""
    store = GraphStore(path)

    def hook(records: Sequence[Record]) -> None:
        store.replace(records)
        caps = stored_caps(store)
        edges = store.stats().edges if caps.learnt_at is None else None
        if caps.learnt_at is None or _grown(store, caps.learnt_edges, edges):
            learn_caps(store)

    return hook, store.close


def _grown(store: GraphStore, learnt: int, known: int | None) -> bool:
    edges = known if known is not None else store.stats().edges
    return edges > learnt * (1 + RELEARN_GROWTH)


def rebuild(store: GraphStore, records: Iterator[Record]) -> int:
    """A full build from every record of the index; the edges written."""
    from .extract import edges_of

    written = store.bulk_load(e for r in records for e in edges_of(r))
    learn_caps(store)
    return written


def chain(
    *hooks: Callable[[Sequence[Record]], None],
) -> Callable[[Sequence[Record]], None]:
    """One `on_written` hook calling each of `hooks` in turn."""

    def run(records: Sequence[Record]) -> None:
        for hook in hooks:
            hook(records)

    return run

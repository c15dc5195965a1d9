"""The alert step as the sync's `on_written` hook, with what it needs opened and closed.

    hook, close = sync_hook(alerts_db, noc_db, backend)
    run_sync(..., on_written=hook)

The hook first revokes CLEAR NOCs of vehicles a new theft report names (`federation`), then runs
the alert step, which also turns those revocations into alerts, then the sexual-offender
register's matcher (`alerts.ndso`): all before the sync engine commits the page's checkpoint, or
in a full sync that loads the index in bulk, after the load, over the batches it wrote
(`connectors.engine`); the engine calls `before_load` first and `after_load` last, so that the
register the matcher compares new records with is the index as it was before them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

from auth.policy import Policy
from federation import NocStore, revoke_on_reports
from federation.registers import OffenderIndex
from indexer.backends.base import Backend
from records import Record
from state import Database
from state.outbox import Outbox

from .directory import Directory
from .ndso import NdsoMatcher
from .searches import SearchMemory
from .step import AlertStep
from .store import AlertStore


class SyncHook:
    """The sync's `on_written` hook (call it with a written batch) and its `before_load`."""

    def __init__(self, run: Callable[[Sequence[Record]], None], ndso: NdsoMatcher | None) -> None:
        self._run = run
        self._ndso = ndso

    def __call__(self, records: Sequence[Record]) -> None:
        self._run(records)

    def before_load(self) -> None:
        """A bulk load is about to start and the hook will run after it: read the register
        now, from the index without the load's records, as a page-by-page sync reads it at its
        first batch, and keep it until `after_load` (read from the loaded index, every new
        record the index links to a registered offender would count as one of his own, not as
        an appearance)."""
        if self._ndso is not None:
            self._ndso.pin()  # kept in the database too, for a process killed before the end

    def after_load(self) -> None:
        """The load's batches are matched (the engine says so only when none waits, this run's
        or a killed one's): the register is read again as usual."""
        if self._ndso is not None:
            self._ndso.unpin()


def sync_hook(
    alerts_db: Database | Path,
    noc_db: Database | Path,
    backend: Backend | None,
    *,
    directory: Directory | None = None,
    policy: Policy | None = None,
) -> tuple[SyncHook, Callable[[], None], AlertStep]:
    """The hook, its close, and the step (for its totals). `policy` judges whether a searcher
    may see a record its retro-hit would name (None: the packaged default)."""
    nocs = NocStore(noc_db)
    store = AlertStore(alerts_db)
    searches = SearchMemory(store.db, policy=policy)
    step = AlertStep(
        store,
        Outbox(store.db),
        backend=backend,
        nocs=nocs,
        directory=directory,
        searches=searches,
    )

    # the sexual-offender register's matcher (`alerts.ndso`): it reads the register from the
    # index, so only where the hook has one
    ndso = (
        NdsoMatcher(OffenderIndex(backend), Outbox(store.db), directory or Directory(), store.db)
        if backend is not None
        else None
    )

    def hook(records: Sequence[Record]) -> None:
        now = datetime.now(UTC)
        revoke_on_reports(nocs, records, now=now)
        step(records)
        if ndso is not None:
            with store.db.write() as conn:
                ndso(conn, records, now)

    def close() -> None:
        store.close()
        nocs.close()

    return SyncHook(hook, ndso), close, step

"""A full sync with the alert step loads the embedded index in bulk (#21 item 3): the step runs
once the load is current, over the batches the load wrote, in the order they were written, and
queues the alerts a page-by-page sync queues. A process killed during the load or between the
load and the step leaves those batches in the sync state, and the next run alerts on them
(#18: a crash re-runs the match, never skips it). Real simulators over HTTP, a real index, real
SQLite state; the kills are real (`os._exit` in a child process)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from alerts.hook import sync_hook
from config import SearchSettings, SourceSettings, SyncSettings
from connectors.engine import run_sync
from indexer import open_backend
from records import Record
from simulators.harness import Running
from state import Database
from state.schema import deferred_hooks, ndso_pinned, outbox
from state.sync import StateStore
from tests.integration.alerts.test_ndso_alerts import appearing, registering
from tests.plugins.api import fill

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


class Watched:
    """The index, saying whether a bulk load is under way or current, and which ids each write
    inside a load carried, in order."""

    def __init__(self, backend: Any) -> None:
        self._backend = backend
        self.phase = "before"  # → loading → current
        self.loads = 0
        self.loaded: list[str] = []

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        with self._backend.bulk_load():
            self.phase = "loading"
            yield
        self.phase = "current"
        self.loads += 1

    def upsert(self, records: Sequence[Record]) -> Any:
        if self.phase == "loading":
            self.loaded += [r.record_id for r in records]
        return self._backend.upsert(records)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


def _sources(sims: Running) -> dict[str, SourceSettings]:
    return {n: SourceSettings.model_validate(e) for n, e in sims.manifest.items()}


def _sync(
    sims: Running,
    root: Path,
    sink: Any,
    hook: Callable[[Sequence[Record]], None],
    *,
    full: bool,
    before_load: Callable[[], None] | None = None,
    after_load: Callable[[], None] | None = None,
) -> Any:
    state = root / "sync.db"
    return asyncio.run(
        run_sync(
            _sources(sims),
            sink,
            state,
            SyncSettings(state_path=state),
            full=full,
            on_written=hook,
            before_load=before_load,
            after_load=after_load,
        )
    )


def _queued(root: Path) -> set[tuple[str, str]]:
    db = Database.sqlite(root / "alerts.db")
    try:
        with db.read() as conn:
            return {(k, d) for k, d in conn.execute(sa.select(outbox.c.kind, outbox.c.dedup_key))}
    finally:
        db.close()


def _settled(queued: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The alerts whatever the order of the batches. Not the sexual-offender register's: an
    accused row that arrives in the same sync as its offender's conviction is one of his own
    records or an appearance depending on the order of the batches in a page-by-page sync (three
    runs of this world agreed, a fourth did not), and after a load it is one of his own (the
    entry built from the loaded index links it to him). The case of an offender registered
    before the sync is pinned by
    `test_a_registered_offender_in_a_bulk_loaded_record_still_alerts_his_station`."""
    return {(kind, key) for kind, key in queued if not kind.startswith("ndso")}


def _deferred(root: Path) -> int:
    db = Database.sqlite(root / "sync.db")
    try:
        with db.read() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(deferred_hooks)).scalar_one()
            )
    finally:
        db.close()


def _page_by_page(sims: Running, root: Path) -> set[tuple[str, str]]:
    """What the alert step queues when it runs after each batch's write: a first sync, which
    does not load in bulk."""
    root.mkdir()
    watched = Watched(open_backend(SearchSettings(path=root / "index.db")))
    hook, close, _ = sync_hook(root / "alerts.db", root / "noc.db", watched)
    try:
        assert _sync(sims, root, watched, hook, full=False).ok
        assert watched.loads == 0
    finally:
        close()
        watched.close()
    queued = _queued(root)
    assert {"missing_found", "stolen_vehicle_seen"} <= {k for k, _ in queued}
    return queued


@pytest.fixture(scope="module")
def expected(simulators: Running, tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str]]:
    return _page_by_page(simulators, tmp_path_factory.mktemp("bulk-alerts") / "pages")


def test_a_full_sync_with_the_alert_step_loads_in_bulk_and_queues_the_same_alerts(
    simulators: Running, expected: set[tuple[str, str]], tmp_path: Path
) -> None:
    watched = Watched(open_backend(SearchSettings(path=tmp_path / "index.db")))
    step_hook, close, _ = sync_hook(tmp_path / "alerts.db", tmp_path / "noc.db", watched)
    hooked: list[str] = []

    def hook(records: Sequence[Record]) -> None:
        # the step searches the index (a stolen report's registrations): only once it is current
        assert watched.phase == "current"
        hooked.extend(r.record_id for r in records)
        step_hook(records)

    try:
        report = _sync(
            simulators,
            tmp_path,
            watched,
            hook,
            full=True,
            before_load=step_hook.before_load,
            after_load=step_hook.after_load,
        )
        assert report.ok, {n: r.error for n, r in report.sources.items()}
        assert watched.loads == 1
        # every record the load wrote and the index holds, hooked once, in the order written
        held = {r.record_id for r in watched.get(watched.loaded)}
        assert hooked == [i for i in watched.loaded if i in held]
        assert len(hooked) > 1000
    finally:
        close()
        watched.close()
    assert _settled(_queued(tmp_path)) == _settled(expected)
    assert _deferred(tmp_path) == 0


# A child process that syncs in full with the alert step and dies (`os._exit`, no clean-up) at
# the first call of `DIE_AT`: the hook (after the load) or the eighth index write (in the load).
_CHILD = textwrap.dedent(
    """
    import asyncio, json, os, sys
    from pathlib import Path
    from alerts.hook import sync_hook
    from config import SearchSettings, SourceSettings, SyncSettings
    from connectors.engine import run_sync
    from indexer import open_backend

    root, die_at = Path(sys.argv[1]), sys.argv[2]
    sources = {n: SourceSettings.model_validate(e) for n, e in json.loads(sys.argv[3]).items()}
    backend = open_backend(SearchSettings(path=root / "index.db"))
    hook, _, _ = sync_hook(root / "alerts.db", root / "noc.db", backend)
    writes = {"n": 0}
    upsert = backend.upsert

    def dying_upsert(records):
        writes["n"] += 1
        if die_at == "load" and writes["n"] == 8:
            os._exit(9)
        return upsert(records)

    def dying_hook(records):
        if die_at == "hook":
            os._exit(9)
        hook(records)

    backend.upsert = dying_upsert
    state = root / "sync.db"
    asyncio.run(
        run_sync(sources, backend, state, SyncSettings(state_path=state), full=True,
                 on_written=dying_hook, before_load=hook.before_load,
                 after_load=hook.after_load, flush_records=200)
    )
    os._exit(0)
    """
)


@pytest.mark.parametrize("die_at", ["hook", "load"])
def test_a_sync_killed_during_or_after_the_load_alerts_on_its_next_run(
    simulators: Running, expected: set[tuple[str, str]], tmp_path: Path, die_at: str
) -> None:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path), die_at, json.dumps(simulators.manifest)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert child.returncode == 9, child.stderr[-3000:]
    # killed with batches written and checkpointed whose alerts were never matched
    assert _deferred(tmp_path) > 0
    if die_at == "hook":
        assert _queued(tmp_path) == set()

    # the next run (incremental: what the scheduler runs next) matches them first
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    hook, close, _ = sync_hook(tmp_path / "alerts.db", tmp_path / "noc.db", backend)
    try:
        report = _sync(simulators, tmp_path, backend, hook, full=False)
        assert report.ok, {n: r.error for n, r in report.sources.items()}
    finally:
        close()
        backend.close()
    assert _deferred(tmp_path) == 0
    assert _settled(_queued(tmp_path)) == _settled(expected)


def test_a_hook_that_fails_after_the_load_fails_its_source_and_keeps_its_batches(
    simulators: Running, expected: set[tuple[str, str]], tmp_path: Path
) -> None:
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    step_hook, close, _ = sync_hook(tmp_path / "alerts.db", tmp_path / "noc.db", backend)

    def failing(records: Sequence[Record]) -> None:
        if any(r.source.value == "cctns" for r in records):
            raise RuntimeError("the alerts database is unreachable")
        step_hook(records)

    try:
        report = _sync(simulators, tmp_path, backend, failing, full=True)
        assert report.sources["cctns"].status == "failed"
        assert "hook after the bulk load failed" in (report.sources["cctns"].error or "")
        assert all(r.status == "ok" for n, r in report.sources.items() if n != "cctns")
        assert not report.ok
        assert _deferred(tmp_path) > 0
        # the sync state says so too (`icjs sync status`, the NOC's freshness read it)
        with StateStore(tmp_path / "sync.db") as state:
            runs = state.last_runs()
            failure = state.last_failure("cctns")
        assert runs["cctns"]["status"] == "failed"
        assert "hook after the bulk load failed" in (runs["cctns"]["error"] or "")
        assert failure is not None and "hook after the bulk load failed" in failure.error
        assert all(r["status"] == "ok" for n, r in runs.items() if n != "cctns")
        again = _sync(simulators, tmp_path, backend, step_hook, full=False)
        assert again.ok
    finally:
        close()
        backend.close()
    assert _deferred(tmp_path) == 0
    assert _settled(_queued(tmp_path)) == _settled(expected)


def test_a_registered_offender_in_a_bulk_loaded_record_still_alerts_his_station(
    tmp_path: Path,
) -> None:
    """After the load the index already links the new arrest to the offender registered by an
    earlier sync: it is still an appearance, not one of his own records, since the register
    the matcher compares with is read before the load (`before_load`)."""
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    fill(backend, registering())  # synced on an earlier day
    db = Database.sqlite(tmp_path / "alerts.db")
    hook, close, _ = sync_hook(db, db, backend)  # the next `icjs sync --full`
    try:
        hook.before_load()
        batches = [registering(), appearing()]
        with backend.bulk_load():
            for batch in batches:
                backend.upsert(batch)
        for batch in batches:
            hook(batch)
        hook.after_load()
        with db.read() as conn:
            rows = conn.execute(sa.select(outbox.c.kind, outbox.c.payload)).all()
        got = {(k, json.loads(p)["match"]["record_id"]) for k, p in rows if k.startswith("ndso")}
        assert got == {
            ("ndso_appeared", "cctns:MH-PS0412-2025-0009-A1"),
            ("ndso_appeared", "sarathi:MH1220190012345"),
            ("ndso_place", "sarathi:MH1220190012345"),
        }
    finally:
        close()
        backend.close()


def test_a_load_whose_matching_a_killed_process_left_still_alerts_the_offender_s_station(
    tmp_path: Path,
) -> None:
    """Killed after the load, before its batches were matched: the next process matches them
    against the register pinned before the load (kept in `ndso_pinned`), not the one it would
    read from the loaded index, which holds the new arrest as one of the offender's own."""
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    fill(backend, registering())  # synced on an earlier day
    db = Database.sqlite(tmp_path / "alerts.db")
    batches = [registering(), appearing()]
    try:
        dying, _, _ = sync_hook(db, db, backend)
        dying.before_load()
        with backend.bulk_load():
            for batch in batches:
                backend.upsert(batch)
        # the process dies here: its hook never ran, nothing unpinned the register
        hook, close, _ = sync_hook(db, db, backend)  # the next process drains the batches
        try:
            for batch in batches:
                hook(batch)
            hook.after_load()
        finally:
            close()
        with db.read() as conn:
            rows = conn.execute(sa.select(outbox.c.kind, outbox.c.payload)).all()
            pinned = conn.execute(sa.select(sa.func.count()).select_from(ndso_pinned)).scalar()
        got = {(k, json.loads(p)["match"]["record_id"]) for k, p in rows if k.startswith("ndso")}
        assert got == {
            ("ndso_appeared", "cctns:MH-PS0412-2025-0009-A1"),
            ("ndso_appeared", "sarathi:MH1220190012345"),
            ("ndso_place", "sarathi:MH1220190012345"),
        }
        assert pinned == 0  # matched: the register is read from the index again
    finally:
        backend.close()

"""The alert step inside real syncs of the simulated sources (HTTP), into a real index, with the
outbox in a real state database (SQLite and PostgreSQL): what is queued is true by the world's
ground truth, a re-run adds nothing, and a sync that dies after the index write and before the
checkpoint still alerts on its next run."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from alerts.delivery import Deliverer, FeedChannel
from alerts.hook import sync_hook
from config import SearchSettings, SourceSettings, SyncSettings
from connectors.engine import run_sync
from indexer import open_backend
from records import Record
from simulators.harness import Running
from state import Database
from state.outbox import Outbox
from state.schema import outbox

pytestmark = pytest.mark.slow


def _sync(sims: Running, root: Path, backend: Any, hook: Callable[[Sequence[Record]], None]) -> Any:
    sources = {n: SourceSettings.model_validate(e) for n, e in sims.manifest.items()}
    state = root / "sync.db"
    return asyncio.run(
        run_sync(sources, backend, state, SyncSettings(state_path=state), on_written=hook)
    )


def _queued(db: Database) -> list[tuple[str, str, str]]:
    with db.read() as conn:
        rows = conn.execute(sa.select(outbox.c.kind, outbox.c.recipient, outbox.c.payload)).all()
    return [(k, r, p) for k, r, p in rows]


def _same(sims: Running) -> Callable[[str, str], bool]:
    people: dict[str, set[str]] = {}
    vehicle: dict[str, str] = {}
    for rec in sims.ground_truth.records():
        people[rec.record_id] = set(rec.people)
        if rec.vehicle:
            vehicle[rec.record_id] = rec.vehicle

    def same(a: str, b: str) -> bool:
        if vehicle.get(a) and vehicle.get(a) == vehicle.get(b):
            return True
        return bool(people.get(a, set()) & people.get(b, set()))

    return same


def test_a_sync_queues_true_alerts_once_and_the_feed_gets_each_once(
    simulators: Running, state_db: Database, tmp_path: Path
) -> None:
    import json

    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    hook, close, step = sync_hook(state_db, state_db, backend)
    try:
        report = _sync(simulators, tmp_path, backend, hook)
        assert report.ok
        queued = _queued(state_db)
        kinds = {k for k, _, _ in queued}
        assert {"missing_found", "stolen_vehicle_seen"} <= kinds, kinds
        same = _same(simulators)
        pairs: dict[str, set[tuple[str, str]]] = {}
        for kind, _, payload in queued:
            body = json.loads(payload)
            pair = tuple(sorted((body["own"]["record_id"], body["match"]["record_id"])))
            pairs.setdefault(kind, set()).add((pair[0], pair[1]))
        for kind in ("missing_found", "stolen_vehicle_seen"):
            right = sum(same(a, b) for a, b in pairs[kind])
            assert right / len(pairs[kind]) >= 0.8, (kind, right, len(pairs[kind]))
        # every payload names its reasons
        assert all(json.loads(p)["evidence"] for _, _, p in queued)

        # the same records again (a full re-walk) queue nothing new
        before = len(queued)
        asyncio.run(
            run_sync(
                {n: SourceSettings.model_validate(e) for n, e in simulators.manifest.items()},
                backend,
                tmp_path / "sync.db",
                SyncSettings(state_path=tmp_path / "sync.db"),
                full=True,
                on_written=hook,
            )
        )
        assert len(_queued(state_db)) == before

        box = Outbox(state_db)
        deliverer = Deliverer(
            box, {"feed": FeedChannel(step.store, lambda: datetime.now(UTC))}, worker="t"
        )
        done = deliverer.drain()
        assert done.sent == before and done.failed == 0
        assert box.counts() == {"sent": before}
        feed = step.store.feed(sorted({r for _, r, _ in queued}), limit=10_000)
        assert len(feed) == before
    finally:
        close()
        backend.close()


class Crash(Exception):
    pass


def test_a_sync_that_dies_before_the_checkpoint_alerts_on_its_next_run(
    simulators: Running, tmp_path: Path
) -> None:
    """The hook runs after the index write and before the checkpoint: a crash there leaves the
    page to be read again, and the re-run matches it (never skips it)."""
    clean_root, crash_root = tmp_path / "clean", tmp_path / "crash"
    clean_root.mkdir()
    crash_root.mkdir()
    backend = open_backend(SearchSettings(path=clean_root / "index.db"))
    hook, close, _ = sync_hook(clean_root / "alerts.db", clean_root / "noc.db", backend)
    try:
        _sync(simulators, clean_root, backend, hook)
        expected = {(k, r) for k, r, _ in _queued(Database.sqlite(clean_root / "alerts.db"))}
    finally:
        close()
        backend.close()

    backend = open_backend(SearchSettings(path=crash_root / "index.db"))
    hook, close, _ = sync_hook(crash_root / "alerts.db", crash_root / "noc.db", backend)
    calls = {"n": 0}

    def dying(records: Sequence[Record]) -> None:
        calls["n"] += 1
        if any(r.source.value == "cctns" for r in records):
            raise Crash("killed between the index write and the alert step")
        hook(records)

    try:
        first = _sync(simulators, crash_root, backend, dying)
        assert first.sources["cctns"].status != "ok"
        assert calls["n"] > 0
        _sync(simulators, crash_root, backend, hook)
        got = {(k, r) for k, r, _ in _queued(Database.sqlite(crash_root / "alerts.db"))}
        assert got == expected
    finally:
        close()
        backend.close()

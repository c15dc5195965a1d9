"""The session's simulated world, every source synced by the real connectors into an embedded
index (and the network graph, kept by the sync's own hook as `icjs sync` keeps it), served by a
real API: what the docket and register tests check against the ground truth."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from config import SourceSettings, SyncSettings
from connectors.engine import run_sync
from connectors.retry import RetryPolicy
from indexer.backends.base import Backend
from network.hook import store_path, sync_hook
from records import Record
from simulators.harness import Running
from tests.plugins.api import LiveApi, api_settings_for, start_api


@contextmanager
def synced_world(
    simulators: Running, root: Path
) -> Iterator[tuple[Backend, LiveApi, list[Record]]]:
    from indexer import open_backend

    settings = api_settings_for(root, rate_limit_per_minute=1_000_000)
    backend = open_backend(settings.search)
    sources = {n: SourceSettings.model_validate(v) for n, v in simulators.manifest.items()}
    written, removed, close_graph = sync_hook(store_path(settings.data_dir))
    try:
        asyncio.run(
            run_sync(
                sources,
                backend,
                settings.sync.state_path,
                SyncSettings(state_path=settings.sync.state_path),
                full=True,
                policy=RetryPolicy(max_attempts=3, initial_s=0.01, max_s=0.05),
                on_written=written,
                on_removed=removed,
            )
        )
    finally:
        close_graph()
    backend.flush()
    records = list(backend.records())
    try:
        with start_api(settings, backend) as api:
            yield backend, api, records
    finally:
        backend.close()

"""An API worker that settles its collector (`api.app.settling_collector`), serving person
searches over real HTTP that each leave a garbage cycle behind after it was frozen; run as its own
process by `test_collector_policy` (freezing is process-wide, the test process keeps Python's
defaults).

    python -m tests.integration.api.collector_worker DIR SEARCHES CLIENTS [--no-full]

Each search keeps a cycle of `CYCLE_OBJECTS` tracked objects in a bounded deque of recent ones,
as a cache would: alive when the collector settles (so frozen), garbage once it is evicted, which
a freeze keeps from young and old collections. `--no-full` never collects the frozen generation
(the policy without its bound): what the test's bound must tell apart. Prints one JSON line: the
policy's counters, the largest frozen and tracked counts seen after a settling, the base, and the
garbage still held at the end (what a last full collection of everything finds unreachable).
"""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import socket
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from api.app import settling_collector
from config.runtime import QuietCollector, tune_gc
from federation import PersonSearchService
from tests.plugins.api import LiveApi, api_settings_for, api_world, fill, fresh_sync_state

CYCLE_OBJECTS = 2_000
RECENT = 32
NAMES = ("Rajendra Patil", "Sunita Devi", "Mahesh Jadhav", "Latha Rao", "Arjun Mehta")


class Watched(QuietCollector):
    """The worker's policy with a small floor (a test world is small), recording what it
    leaves frozen after each settling."""

    FLOOR = 20_000
    never_full = False

    def __post_init__(self) -> None:
        super().__post_init__()
        self.most_frozen = 0
        self.most_tracked = 0
        self.base_seen = self.frozen_base

    def settle(self) -> None:
        if self.never_full:
            self.deferred = 0
            self.settlings += 1
            gc.collect()
            gc.freeze()
        else:
            super().settle()
        frozen = gc.get_freeze_count()
        self.most_frozen = max(self.most_frozen, frozen)
        self.most_tracked = max(self.most_tracked, frozen + len(gc.get_objects()))
        self.base_seen = max(self.base_seen, self.frozen_base)


def leave_cycles() -> None:
    """Each search keeps a cyclic object among the recent ones (evicted later: frozen garbage)."""
    recent: collections.deque[dict[str, Any]] = collections.deque(maxlen=RECENT)
    search = PersonSearchService.search

    def searched(self: PersonSearchService, *args: Any, **kwargs: Any) -> Any:
        outcome = search(self, *args, **kwargs)
        node: dict[str, Any] = {"parts": [[i] for i in range(CYCLE_OBJECTS - 2)]}
        node["self"] = node
        recent.append(node)
        return outcome

    PersonSearchService.search = searched  # type: ignore[method-assign]


def main() -> None:
    root, searches, clients = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    from indexer import open_backend

    tune_gc()  # as a worker starts (`api.app.app_from_environment`)
    settings = api_settings_for(root, rate_limit_per_minute=1_000_000)
    fresh_sync_state(settings.sync.state_path)
    backend = fill(open_backend(settings.search), api_world())
    from api.app import create_app

    app = create_app(settings, backend=backend, access_log=False)
    Watched.never_full = "--no-full" in sys.argv
    collector = Watched()
    settling_collector(app, collector)
    leave_cycles()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])))
    thread.start()
    while not server.started:
        time.sleep(0.02)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    try:
        with httpx.Client(base_url=url, timeout=60) as http:
            api = LiveApi(url=url, app=app, http=http)
            token = api.officer()

            def one(n: int) -> int:
                body = {"name": NAMES[n % len(NAMES)], "purpose": "FIR 0123/2024 PS Shivajinagar"}
                return api.post("/v1/persons/search", token, json=body).status_code

            # several clients at once: requests overlap, settlings freeze in-flight objects
            with ThreadPoolExecutor(clients) as pool:
                statuses = list(pool.map(one, range(searches)))
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
    gc.unfreeze()
    garbage = gc.collect()
    out = {
        "ok": statuses.count(200),
        "settlings": collector.settlings,
        "full_collections": collector.full_collections,
        "most_frozen": collector.most_frozen,
        "most_tracked": collector.most_tracked,
        "base": collector.base_seen,
        "growth": collector.GROWTH,
        "floor": collector.FLOOR,
        "garbage_at_end": garbage,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()

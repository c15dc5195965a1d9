"""A worker that settles its collector after responses (`config.runtime.QuietCollector`) does
not leak: over real HTTP, with requests overlapping, searches that each leave a garbage cycle
after it was frozen keep the frozen and the tracked objects within the policy's bound; without
its full collections the same workload holds every cycle (so the bound tells them apart).

Each run is a process of its own (`collector_worker`): freezing is process-wide."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.integration.api.collector_worker import CYCLE_OBJECTS, RECENT

SEARCHES = 600
CLIENTS = 4


def serve(tmp_path: Path, *extra: str) -> dict[str, Any]:
    worker = ["-m", "tests.integration.api.collector_worker", str(tmp_path)]
    done = subprocess.run(
        [sys.executable, *worker, str(SEARCHES), str(CLIENTS), *extra],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_a_settling_worker_keeps_frozen_and_tracked_objects_bounded(tmp_path: Path) -> None:
    out = serve(tmp_path)
    assert out["ok"] == SEARCHES
    # settled after the requests (at most one deferral a quiet point), fully at least once
    assert 0 < out["settlings"] <= SEARCHES
    assert out["full_collections"] >= 1
    cycles = SEARCHES * CYCLE_OBJECTS  # what the searches left behind, in all
    bound = (1 + out["growth"]) * out["base"] + out["floor"]
    # one settling's survivors on top: the recent cycles and a few requests' objects
    slack = RECENT * CYCLE_OBJECTS + 50_000
    assert out["most_frozen"] <= bound + slack, out
    assert out["most_tracked"] <= bound + slack + 10_000 * CLIENTS, out
    # what was never reclaimed at the end is within the bound's growth, far below all cycles
    assert out["garbage_at_end"] <= out["growth"] * out["base"] + out["floor"] + slack, out
    assert out["garbage_at_end"] < cycles / 2, out


def test_without_its_full_collections_the_same_workload_holds_every_cycle(
    tmp_path: Path,
) -> None:
    out = serve(tmp_path, "--no-full")
    assert out["ok"] == SEARCHES and out["full_collections"] == 0
    # every evicted cycle was frozen while alive, so never collected until the end
    assert out["garbage_at_end"] >= (SEARCHES - RECENT) * CYCLE_OBJECTS, out

"""Two `icjs sync` processes on one state file, against the simulators on loopback: the second
is refused with the holder's pid (exit 75), `--wait` runs after the first, SIGKILL of the holder
frees the lock at once, a `--watch` lets a manual run in between its rounds, and
`GET /v1/sync/status` names the running sync."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from auth.principal import Role
from config import SearchSettings
from connectors.lock import EXIT_BUSY, SyncLock, current_holder
from connectors.status import sync_status
from indexer import open_backend
from records import Source
from simulators.harness import Running
from state.sync import StateStore
from tests.plugins.api import api_settings_for, start_api

ICJS = str(Path(sys.executable).with_name("icjs"))

# Every CCTNS request takes this long: the holder's run lasts a few seconds, long enough for a
# second process to start and meet it (a 300-person CCTNS walk is a handful of requests).
SLOW_S = 1.0


class Workdir:
    def __init__(self, root: Path, sims: Running) -> None:
        self.root = root
        self.sims = sims
        self.state = root / "sync.db"
        self.manifest = root / "manifest.json"
        self.manifest.write_text(json.dumps(sims.manifest))
        self.env = {
            **os.environ,
            "ICJS_SYNC__STATE_PATH": str(self.state),
            "ICJS_SEARCH__PATH": str(root / "index.db"),
            "ICJS_SYNC__BACKOFF_MAX_S": "0.2",
        }
        self.env.pop("ICJS_CONFIG", None)
        self.started: list[subprocess.Popen[str]] = []

    def start(self, *args: str) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            [ICJS, "sync", "--manifest", str(self.manifest), *args],
            env=self.env,
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.started.append(proc)
        return proc

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [ICJS, "sync", "--manifest", str(self.manifest), *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def wait_until_held_by(self, proc: subprocess.Popen[str]) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            holder = current_holder(self.state)
            if holder is not None and holder.pid == proc.pid:
                return
            time.sleep(0.05)
        raise AssertionError(f"sync {proc.pid} never held the lock (exit {proc.poll()})")

    def cctns_runs(self) -> list[tuple[str, str | None]]:
        with contextlib.closing(sqlite3.connect(self.state)) as db:
            rows = db.execute(
                "SELECT started_at, finished_at FROM runs WHERE source = 'cctns' ORDER BY id"
            ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def vahan_rounds(self) -> int:
        if not self.state.exists():
            return 0
        with contextlib.closing(sqlite3.connect(self.state, timeout=5)) as db:
            try:
                row = db.execute(
                    "SELECT COUNT(*) FROM runs WHERE source = 'vahan' AND finished_at IS NOT NULL"
                ).fetchone()
            except sqlite3.OperationalError:  # the sync is creating the file: no tables yet
                return 0
        return int(row[0])

    def wait_for_round(self, watch: subprocess.Popen[str], rounds: int) -> None:
        """Until a `--watch` of vahan finished `rounds` rounds and let go of the lock."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and watch.poll() is None:
            if self.vahan_rounds() >= rounds and current_holder(self.state) is None:
                return
            time.sleep(0.05)
        raise AssertionError(f"the watch did not finish round {rounds} (exit {watch.poll()})")

    def index_matches_the_source(self, name: str) -> bool:
        backend = open_backend(SearchSettings(path=self.root / "index.db"))
        try:
            return set(backend.ids(Source(name))) == self.sims.ground_truth.live_record_ids(name)
        finally:
            backend.close()


@pytest.fixture
def work(simulators_factory: Callable[..., Running], tmp_path: Path) -> Iterator[Workdir]:
    sims = simulators_factory(seed=23, persons=300, faults="none", data_dir=tmp_path / "world")
    sims.set_faults("none", "cctns", rate_slow=1.0, slow_s=(SLOW_S, SLOW_S))
    work = Workdir(tmp_path, sims)
    yield work
    for proc in work.started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=30)


def test_second_sync_is_refused_and_sigkill_frees_the_lock(work: Workdir) -> None:
    holder = work.start("--source", "cctns")
    work.wait_until_held_by(holder)

    status = sync_status(work.state)
    assert status["cctns"]["running"]["pid"] == holder.pid
    assert status["vahan"]["running"] is None

    refused = work.run("--source", "vahan")
    assert refused.returncode == EXIT_BUSY, refused.stderr
    line = refused.stderr.strip()
    assert "\n" not in line
    assert line.startswith(f"icjs sync: another sync of {work.state} is running (pid {holder.pid}")
    assert "started 20" in line and "sources cctns" in line and "--wait" in line
    with StateStore(work.state) as state:
        assert "vahan" not in state.last_runs()  # refused before it touched anything

    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert current_holder(work.state) is None  # no stale lock, nobody cleaned up
    work.sims.set_faults("none", "cctns")
    again = work.run("--source", "cctns")  # no --wait: the lock is free at once
    assert again.returncode == 0, again.stderr
    assert work.index_matches_the_source("cctns")


def test_wait_runs_after_the_holder_finishes(work: Workdir) -> None:
    holder = work.start("--source", "cctns")
    work.wait_until_held_by(holder)
    waiter = work.start("--source", "cctns", "--wait", "90")
    assert waiter.stderr is not None
    told = ""
    while "waiting" not in told and waiter.poll() is None:
        told = waiter.stderr.readline()
    work.sims.set_faults("none", "cctns")  # it waits: no need to keep both runs slow

    _, holder_err = holder.communicate(timeout=120)
    assert holder.returncode == 0, holder_err
    _, waiter_err = waiter.communicate(timeout=120)
    assert waiter.returncode == 0, waiter_err
    assert f"waiting for the sync of {work.state} by pid {holder.pid}" in told
    assert "(up to 90 s)" in told

    first, second = work.cctns_runs()
    assert first[1] is not None and second[0] >= first[1]  # one after the other, not together
    assert work.index_matches_the_source("cctns")


def test_watch_lets_a_manual_run_in_between_rounds(work: Workdir) -> None:
    watch = work.start("--source", "vahan", "--watch", "--interval", "600")
    work.wait_for_round(watch, 1)
    manual = work.run("--source", "vahan")  # no --wait: the watch holds nothing while it sleeps
    assert manual.returncode == 0, manual.stderr
    assert watch.poll() is None  # still watching
    watch.send_signal(signal.SIGINT)
    watch.communicate(timeout=30)
    assert watch.returncode == 130


def test_a_watch_round_waits_for_a_run_that_slipped_in(work: Workdir) -> None:
    """Between rounds the lock is free; the next round meets a holder and waits for it, without
    failing, then runs."""
    watch = work.start("--source", "vahan", "--watch", "--interval", "3")
    assert watch.stderr is not None
    work.wait_for_round(watch, 1)
    with SyncLock(work.state, sources=["vahan"]):  # the "manual run", in this process
        told = ""
        while "waiting" not in told and watch.poll() is None:
            told = watch.stderr.readline()
        assert f"waiting for the sync of {work.state} by pid {os.getpid()}" in told
        assert "up to" not in told  # a watch round waits as long as it takes
        assert work.vahan_rounds() == 1
    work.wait_for_round(watch, 2)
    assert watch.poll() is None


def test_sync_status_endpoint_shows_the_running_sync(tmp_path: Path) -> None:
    """`GET /v1/sync/status` on a live API: `running` names the holder for its sources while a
    sync holds the lock, and is null once it let go."""
    settings = api_settings_for(tmp_path)
    with StateStore(settings.sync.state_path):
        pass  # a node that has synced before
    backend = open_backend(settings.search)
    try:
        with start_api(settings, backend) as api:
            admin = api.officer(role=Role.ADMIN, state=None, district=None)
            with SyncLock(settings.sync.state_path, sources=["cctns", "eprisons"]):
                rows = {r["source"]: r for r in api.get("/v1/sync/status", admin).json()["sources"]}
                running = rows["eprisons"]["running"]
                assert running["pid"] == os.getpid() and running["sources"] == ["cctns", "eprisons"]
                assert rows["cctns"]["running"] == running and rows["vahan"]["running"] is None
            rows = {r["source"]: r for r in api.get("/v1/sync/status", admin).json()["sources"]}
            assert all(row["running"] is None for row in rows.values())
    finally:
        backend.close()

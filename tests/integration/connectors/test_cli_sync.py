"""`icjs sync --manifest` and `icjs quarantine` end to end: the simulators on loopback, the
settings from the environment, the embedded index and the state file under a temporary dir."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config import SearchSettings
from connectors.lock import EXIT_BUSY, SyncLock
from indexer import open_backend
from records import Source
from simulators.harness import Running
from state.sync import StateStore


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ICJS_CONFIG", raising=False)
    monkeypatch.setenv("ICJS_SYNC__STATE_PATH", str(tmp_path / "sync.db"))
    monkeypatch.setenv("ICJS_SEARCH__PATH", str(tmp_path / "index.db"))
    monkeypatch.setenv("ICJS_SYNC__BACKOFF_MAX_S", "0.2")
    return tmp_path


def test_sync_with_manifest_then_quarantine(simulators: Running, workdir: Path) -> None:
    manifest = workdir / "manifest.json"
    manifest.write_text(json.dumps({**simulators.manifest, "extra_system": {"url": "http://x"}}))
    runner = CliRunner()
    result = runner.invoke(
        app, ["sync", "--manifest", str(manifest), "--source", "cctns", "--source", "vahan"]
    )
    assert result.exit_code == 0, result.output
    assert "cctns" in result.output and "vahan" in result.output
    assert "extra_system" in result.output  # named as ignored, not fatal
    backend = open_backend(SearchSettings(path=workdir / "index.db"))
    try:
        for name in ("cctns", "vahan"):
            assert set(backend.ids(Source(name))) == simulators.ground_truth.live_record_ids(name)
        assert not list(backend.ids(Source.SARATHI))
    finally:
        backend.close()

    again = runner.invoke(app, ["sync", "--manifest", str(manifest), "--source", "cctns"])
    assert again.exit_code == 0, again.output

    listed = runner.invoke(app, ["quarantine", "list", "--json"])
    assert listed.exit_code == 0
    assert listed.output.strip() == ""  # the session world has no bad records
    replayed = runner.invoke(app, ["quarantine", "replay", "--source", "cctns"])
    assert replayed.exit_code == 0 and "replayed 0" in replayed.output


def test_sync_status_reconciles_wraps_and_speaks_json(simulators: Running, workdir: Path) -> None:
    manifest = workdir / "manifest.json"
    manifest.write_text(json.dumps(simulators.manifest))
    runner = CliRunner()
    synced = runner.invoke(app, ["sync", "--manifest", str(manifest), "--source", "cctns"])
    assert synced.exit_code == 0, synced.output
    as_json = runner.invoke(app, ["sync", "status", "--json"])
    assert as_json.exit_code == 0, as_json.output
    status = json.loads(as_json.output)
    cctns = status["cctns"]
    counts = cctns["last_run"]["counts"]
    outcomes = ("indexed", "updated", "unchanged", "quarantined", "with_issues", "removed")
    assert sum(counts[k] for k in (*outcomes, "duplicates")) == counts["fetched"] > 0
    assert cctns["last_run"]["reconciles"] is True
    # the lag is by the source's clock (the simulated world is in 2024), not by ours
    assert cctns["as_of"].startswith("2024-") and cctns["lag_s"] == 0
    assert cctns["last_success"] and cctns["last_failure"] is None
    assert status["vahan"]["last_success"] is None
    for width in ("60", "200"):
        table = runner.invoke(app, ["sync", "status"], env={"COLUMNS": width})
        assert table.exit_code == 0, table.output
        assert "…" not in table.output  # wrapped, never cut
        assert all(name in table.output for name in ("cctns", "khoyapaya"))
        assert max(len(line) for line in table.output.splitlines()) <= int(width)
    # the closing table of a sync wraps the same way
    narrow = runner.invoke(
        app, ["sync", "--manifest", str(manifest), "--source", "cctns"], env={"COLUMNS": "60"}
    )
    assert narrow.exit_code == 0 and "…" not in narrow.output


def test_quarantine_replay_waits_for_no_running_sync(simulators: Running, workdir: Path) -> None:
    manifest = workdir / "manifest.json"
    manifest.write_text(json.dumps(simulators.manifest))
    runner = CliRunner()
    synced = runner.invoke(app, ["sync", "--manifest", str(manifest), "--source", "cctns"])
    assert synced.exit_code == 0, synced.output
    with SyncLock(workdir / "sync.db", sources=["cctns"]):  # a sync is running
        refused = runner.invoke(app, ["quarantine", "replay"])
        assert refused.exit_code == EXIT_BUSY
        assert "another sync" in refused.output and str(os.getpid()) in refused.output
    replayed = runner.invoke(app, ["quarantine", "replay"])
    assert replayed.exit_code == 0 and "replayed 0" in replayed.output


def test_sync_refuses_unknown_source_and_missing_config(workdir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["sync", "--source", "nosuch"])
    assert result.exit_code != 0
    result = runner.invoke(app, ["quarantine", "list", "--source", "nosuch"])
    assert result.exit_code != 0


def test_sync_process_killed_midway_resumes(
    simulators_factory: Callable[..., Running], workdir: Path
) -> None:
    """SIGKILL an `icjs sync` process mid-run (no clean-up of any kind), run it again: the index
    ends equal to the ground truth, and the second run did not start from scratch."""
    sims = simulators_factory(seed=31, persons=300, faults="default", data_dir=workdir / "world")
    manifest = workdir / "manifest.json"
    manifest.write_text(json.dumps(sims.manifest))
    env = {**os.environ}
    icjs = str(Path(sys.executable).with_name("icjs"))
    proc = subprocess.Popen(
        [icjs, "sync", "--manifest", str(manifest)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        written = 0
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
            if (workdir / "sync.db").exists():
                with (
                    contextlib.suppress(sqlite3.OperationalError),
                    contextlib.closing(sqlite3.connect(workdir / "sync.db", timeout=1)) as db,
                ):
                    written = db.execute("SELECT COUNT(*) FROM versions").fetchone()[0]
            if written >= 100:
                proc.send_signal(signal.SIGKILL)
                break
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "the sync ended before it could be killed"
    with StateStore(workdir / "sync.db") as state:
        before = sum(state.count_versions(n) for n in sims.manifest)
    assert before >= 100

    result = CliRunner().invoke(app, ["sync", "--manifest", str(manifest)])
    assert result.exit_code == 0, result.output
    with StateStore(workdir / "sync.db") as state:
        resumed = sum(run["counts"]["fetched"] for run in state.last_runs().values())
    served = sum(len(sims.ground_truth.live_record_ids(n)) for n in sims.manifest)
    assert resumed < served  # committed pages were not fetched again
    backend = open_backend(SearchSettings(path=workdir / "index.db"))
    try:
        for name in sims.manifest:
            listed = list(backend.ids(Source(name)))
            assert len(listed) == len(set(listed))
            assert set(listed) == sims.ground_truth.expected_in_index(name), name
    finally:
        backend.close()

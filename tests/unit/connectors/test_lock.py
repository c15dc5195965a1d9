"""The sync lock (`connectors.lock`): one sync per state file, across processes, never stale.

Other processes are real: a small Python process takes the lock through the same code and is
then killed with SIGKILL or left to exit."""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from config import SourceSettings, SyncSettings
from connectors.engine import run_sync
from connectors.lock import (
    EXIT_BUSY,
    GRACE_S,
    Holder,
    SyncBusy,
    SyncLock,
    current_holder,
    lock_path,
)
from connectors.status import sync_status

HOLD = """
import sys, time
from pathlib import Path
from connectors.lock import SyncLock
lock = SyncLock(Path(sys.argv[1]), sources=["cctns", "vahan"])
lock.acquire()
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def hold_in_child(state: Path, seconds: float) -> subprocess.Popen[str]:
    """A real process holding the lock for `seconds` (then exiting without releasing it: the
    kernel does that)."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(state), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "held"
    return child


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "var" / "sync.db"


@pytest.fixture
def child(state: Path) -> Iterator[subprocess.Popen[str]]:
    proc = hold_in_child(state, 60)
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


def test_second_lock_is_refused_with_the_holder_then_free_after_release(state: Path) -> None:
    first = SyncLock(state, sources=["cctns"])
    first.acquire()
    assert first.held and lock_path(state) == state.parent / "sync.db.lock"
    with pytest.raises(SyncBusy) as refused:
        SyncLock(state).acquire()
    message = str(refused.value)
    assert f"another sync of {state} is running" in message
    assert f"pid {os.getpid()} on {socket.gethostname()}" in message
    assert "sources cctns" in message and "--wait" in message
    assert refused.value.exit_code == EXIT_BUSY == 75
    assert "\n" not in message

    first.release()
    first.release()  # twice is harmless
    assert lock_path(state).exists() and lock_path(state).read_bytes() == b""
    with SyncLock(state) as again:
        assert again.held
    assert not again.held


def test_lock_of_another_process_is_refused_and_sigkill_frees_it(
    state: Path, child: subprocess.Popen[str]
) -> None:
    holder = current_holder(state)
    assert holder is not None and holder.pid == child.pid
    assert holder.sources == ("cctns", "vahan")
    with pytest.raises(SyncBusy, match=rf"pid {child.pid} on "):
        SyncLock(state).acquire()

    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert str(child.pid) in lock_path(state).read_text()  # its note outlives it ...
    assert current_holder(state) is None  # ... but the kernel freed the lock
    started = time.monotonic()
    with SyncLock(state):
        assert time.monotonic() - started < GRACE_S  # taken at once, no stale-lock wait
        now = current_holder(state)
        assert now is not None and (now.pid, now.host) == (os.getpid(), socket.gethostname())


def test_wait_takes_the_lock_when_the_holder_exits(state: Path) -> None:
    proc = hold_in_child(state, 1.0)
    try:
        told: list[Holder | None] = []
        started = time.monotonic()
        lock = SyncLock(state)
        lock.acquire(wait=30, on_wait=told.append)
        waited = time.monotonic() - started
        lock.release()
    finally:
        proc.kill()
        proc.wait(timeout=10)
    assert 0.3 < waited < 15
    assert len(told) == 1 and told[0] is not None and told[0].pid == proc.pid


def test_wait_gives_up_after_its_limit(state: Path) -> None:
    with SyncLock(state):
        started = time.monotonic()
        with pytest.raises(SyncBusy):
            SyncLock(state).acquire(wait=0.6)
        assert time.monotonic() - started >= 0.6
    with pytest.raises(ValueError):
        SyncLock(state).acquire(wait=-1)


def test_a_status_probe_never_turns_a_sync_away(state: Path) -> None:
    """`current_holder` holds a shared lock for microseconds when nobody syncs; a sync that
    meets it tries again for `GRACE_S` instead of reporting a busy lock. Here the probe is
    caught in the act and held for a third of that."""
    with SyncLock(state):
        pass  # the file exists: a probe has something to lock
    fd = os.open(lock_path(state), os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    timer = threading.Timer(GRACE_S / 3, os.close, [fd])
    timer.start()
    try:
        with SyncLock(state) as lock:  # wait=0: refused only if still taken after GRACE_S
            assert lock.held
    finally:
        timer.join()


def test_current_holder_reads_only(state: Path) -> None:
    assert current_holder(state) is None
    assert not state.parent.exists()  # the probe created nothing


async def test_a_cancelled_wait_leaves_nothing_open(state: Path) -> None:
    fds = len(os.listdir("/proc/self/fd"))
    with SyncLock(state):
        waiter = SyncLock(state)
        task = asyncio.create_task(waiter.acquire_async(wait=float("inf")))
        await asyncio.sleep(0.4)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not waiter.held
    assert len(os.listdir("/proc/self/fd")) == fds


async def test_run_sync_refuses_while_another_process_syncs(
    state: Path, child: subprocess.Popen[str]
) -> None:
    sources = {"ncrp": SourceSettings(url="http://127.0.0.1:9", api_key="k")}
    with pytest.raises(SyncBusy, match=rf"pid {child.pid}"):
        await run_sync(sources, object(), state, SyncSettings(state_path=state))  # type: ignore[arg-type]
    assert not state.exists()  # refused before the state file was opened

    status = sync_status(state)
    assert status["cctns"]["running"]["pid"] == child.pid
    assert status["vahan"]["running"]["sources"] == ["cctns", "vahan"]
    assert status["ncrp"]["running"] is None  # not among the holder's sources

    child.kill()
    child.wait(timeout=10)
    assert all(row["running"] is None for row in sync_status(state).values())

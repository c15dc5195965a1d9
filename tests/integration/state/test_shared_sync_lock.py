"""One sync at a time on a shared PostgreSQL state, whichever machine runs it: the lock is the
server's (an advisory lock held by the sync's session), so a killed holder frees it at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from connectors.lock import EXIT_BUSY, SharedSyncLock, SyncBusy, current_holder, lock_for
from connectors.status import sync_status
from state import Database

HOLDER = """
import sys, time
from connectors.lock import lock_for
from state import Database
lock = lock_for(Database.from_url(sys.argv[1]), sources=["cctns", "vahan"])
lock.acquire()
print("held", flush=True)
time.sleep(600)
"""


def test_second_sync_is_refused_and_named_then_gets_in(pg_url: str):
    db = Database.from_url(pg_url)
    first = lock_for(db, sources=["cctns"])
    assert isinstance(first, SharedSyncLock)
    first.acquire()
    holder = current_holder(db)
    assert holder is not None and holder.pid == os.getpid() and holder.sources == ("cctns",)
    assert sync_status(db)["cctns"]["running"]["pid"] == os.getpid()
    second = lock_for(Database.from_url(pg_url), sources=["vahan"])
    with pytest.raises(SyncBusy) as refused:
        second.acquire(wait=0.5)
    assert refused.value.exit_code == EXIT_BUSY and f"pid {os.getpid()}" in str(refused.value)
    first.release()
    assert current_holder(db) is None
    second.acquire()
    assert not first.held and second.held
    second.release()
    db.close()


def test_a_killed_holder_frees_the_lock(pg_url: str):
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, pg_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
        db = Database.from_url(pg_url)
        holder = current_holder(db)
        assert holder is not None and holder.pid == proc.pid
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        lock = lock_for(db)
        deadline = time.monotonic() + 30
        while True:  # the server notices the closed connection at once, or nearly
            try:
                lock.acquire(wait=1)
                break
            except SyncBusy:
                assert time.monotonic() < deadline
        lock.release()
        db.close()
    finally:
        if proc.poll() is None:
            proc.kill()

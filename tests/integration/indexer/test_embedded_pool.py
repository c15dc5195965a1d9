"""The embedded backend's connections are pooled and closed, not tied to threads that come and go.

A server's worker threads retire when idle and new ones start with the next burst; per-thread
connections outlived their threads, so every burst after a pause opened new database files (ten
bursts of 16 searches left 32 descriptors open). Here fresh threads in every burst, as the API's
worker pool makes them, must reuse the same few connections, and `close()` must close them all.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from indexer.backends.base import BackendError
from indexer.backends.embedded import EmbeddedBackend
from tests.plugins.backends import sample_world


def _open_files(path: Path) -> int:
    """Descriptors of this process on the index file and its WAL."""
    names = {str(path), f"{path}-wal"}
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") in names:
                count += 1
        except OSError:
            continue
    return count


def _burst(backend: EmbeddedBackend, threads: int) -> list[BaseException]:
    errors: list[BaseException] = []
    gate = threading.Barrier(threads)

    def search() -> None:
        try:
            gate.wait()
            assert backend.count() > 0
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=search) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return errors


def test_threads_that_come_and_go_reuse_a_bounded_pool(tmp_path: Path) -> None:
    path = tmp_path / "icjs.db"
    backend = EmbeddedBackend(path, connections=4)
    backend.upsert(sample_world())
    for _ in range(10):  # ten bursts, each from new threads
        assert _burst(backend, 16) == []
        assert backend.file.open_connections <= 4 + 1  # the readers' pool and the one writer
    # one descriptor for the file and one for the WAL per connection, at most
    assert 0 < _open_files(path) <= 2 * (4 + 1)
    backend.close()
    assert backend.file.open_connections == 0
    assert _open_files(path) == 0, "close() leaves no database descriptor open"
    with pytest.raises(BackendError):
        backend.count()


def test_a_connection_lent_during_close_is_closed_when_it_comes_back(tmp_path: Path) -> None:
    path = tmp_path / "icjs.db"
    backend = EmbeddedBackend(path, connections=2)
    backend.upsert(sample_world())
    reading = threading.Event()
    release = threading.Event()

    def slow_read() -> None:
        with backend.file.read() as (con, v):
            con.execute(f"SELECT COUNT(*) FROM records_v{v}").fetchone()
            reading.set()
            release.wait(10)

    reader = threading.Thread(target=slow_read)
    reader.start()
    assert reading.wait(10)
    backend.close()
    assert backend.file.open_connections == 1  # the one still lent
    release.set()
    reader.join()
    assert backend.file.open_connections == 0 and _open_files(path) == 0

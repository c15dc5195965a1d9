"""A bounded pool of SQLite connections to one file, lent for one transaction at a time.

Why not a connection per thread: the API's worker threads come and go (anyio retires an idle
worker after 10 s), so per-thread connections outlived their threads and every burst after a
pause opened new ones: ten bursts of 16 searches left 32 open database descriptors and gigabytes
of page cache in a long-running server. Here at most `size` connections ever exist; a borrower
beyond that waits (a busy index answers late, not by opening more files), and idle connections
are reused newest first, so their page caches stay warm. A connection that failed is closed, not
returned. `close()` closes the idle connections at once and each lent one when it comes back.

SQLite connections are not tied to a thread here (`check_same_thread=False`); the pool makes
sure only one thread uses a connection at a time.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

DEFAULT_SIZE = 8
WAIT_S = 30.0  # as long as SQLite's own busy timeout: past it, the index is not answering


class PoolExhausted(Exception):
    """No connection became free within the wait."""


class PoolClosed(Exception):
    """The pool was closed: nothing more is lent."""


class ConnectionPool:
    def __init__(self, connect: Callable[[], sqlite3.Connection], size: int = DEFAULT_SIZE) -> None:
        if size < 1:
            raise ValueError("a connection pool needs at least one connection")
        self._connect = connect
        self.size = size
        self._idle: list[sqlite3.Connection] = []  # a stack: the most recently used on top
        self._open = 0  # idle + lent
        self._closed = False
        self._free = threading.Condition(threading.Lock())

    @property
    def open_connections(self) -> int:
        with self._free:
            return self._open

    @contextmanager
    def connection(self, wait_s: float = WAIT_S) -> Iterator[sqlite3.Connection]:
        """Lend a connection; it goes back to the pool when the block ends, or is closed if the
        block raised a `sqlite3.Error` (it may be in a bad state)."""
        con = self._borrow(wait_s)
        try:
            yield con
        except sqlite3.Error:
            self._discard(con)
            raise
        except BaseException:
            self._give_back(con)
            raise
        self._give_back(con)

    def _borrow(self, wait_s: float) -> sqlite3.Connection:
        with self._free:
            ok = self._free.wait_for(
                lambda: self._closed or bool(self._idle) or self._open < self.size, wait_s
            )
            if self._closed:
                raise PoolClosed("the connection pool is closed")
            if not ok:
                raise PoolExhausted(f"all {self.size} connections stayed busy for {wait_s:g} s")
            if self._idle:
                return self._idle.pop()
            self._open += 1
        try:
            return self._connect()
        except BaseException:
            with self._free:
                self._open -= 1
                self._free.notify()
            raise

    def _give_back(self, con: sqlite3.Connection) -> None:
        with self._free:
            if not self._closed:
                self._idle.append(con)
                self._free.notify()
                return
            self._open -= 1
        with suppress(sqlite3.Error):
            con.close()

    def _discard(self, con: sqlite3.Connection) -> None:
        with self._free:
            self._open -= 1
            self._free.notify()
        with suppress(sqlite3.Error):
            con.close()

    def clear(self) -> None:
        """Close the idle connections (a damaged or replaced file: the next borrower opens a new
        one); lent ones are still returned and reused, or discarded by their borrower's error."""
        with self._free:
            idle, self._idle = self._idle, []
            self._open -= len(idle)
            self._free.notify_all()
        for con in idle:
            with suppress(sqlite3.Error):
                con.close()

    def close(self) -> None:
        with self._free:
            self._closed = True
            self._free.notify_all()
        self.clear()

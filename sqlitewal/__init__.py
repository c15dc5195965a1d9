"""Putting an SQLite file in WAL mode when other processes may be opening it at the same moment.

Every SQLite file icjs writes (the embedded index, the state stores, the network graph, the
simulators' world) runs in WAL mode: readers do not wait for the writer. Each connection asks
for it on opening, and on a new file the first of them switches the journal. That switch takes
a lock SQLite's busy handler does not wait for, so a second connection opening the file at that
moment fails at once with "database is locked" whatever its busy timeout: API workers starting
together, or `icjs sync` beside `icjs serve`, failed this way on about one new file in five
(four openers at once). `use_wal` waits its turn instead, within the connection's busy timeout.

Imports nothing of ours (standard library only), so the product and the simulators share it:
it knows nothing of any source's data, only of SQLite (docs/decisions.md, "One way to open an
SQLite file in WAL mode").
"""

from __future__ import annotations

import sqlite3
import time

__all__ = ["use_wal"]

# Pauses between tries grow like SQLite's own busy handler's, from 1 ms to at most 100 ms: the
# switch holds its lock for well under a millisecond, and a longer first pause would slow every
# opener that meets it.
_FIRST_PAUSE_S = 0.001
_LONGEST_PAUSE_S = 0.1


def use_wal(con: sqlite3.Connection) -> None:
    """Put `con`'s file in WAL mode (a no-op if it is already), retrying while another
    connection holds the lock, until `con`'s busy timeout (`sqlite3.connect(timeout=…)` or
    `PRAGMA busy_timeout`) has passed; then the last "database is locked" is raised."""
    (timeout_ms,) = con.execute("PRAGMA busy_timeout").fetchone()
    deadline = time.monotonic() + timeout_ms / 1000
    pause = _FIRST_PAUSE_S
    while True:
        try:
            con.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if not _busy(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE_S)


def _busy(exc: sqlite3.OperationalError) -> bool:
    """Whether another connection held a lock (SQLITE_BUSY or one of its extended codes)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code is not None and code & 0xFF == sqlite3.SQLITE_BUSY

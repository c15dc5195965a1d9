"""One sync per state file at a time, across processes.

Two syncs on one state file (a cron job and an officer's manual run, or a `--watch` left
running) would walk the same sources, move the same checkpoints past each other's pages and
write the same records twice. So a sync holds an exclusive `flock` on `<state file>.lock` (for
`var/sync.db`: `var/sync.db.lock`) while it runs.

Why `flock`: the kernel drops the lock when the holder's file is closed, and a process that dies
(SIGKILL, OOM, power off the terminal) has its files closed, so there is never a stale lock to
remove by hand. The embedded index's rebuild lock (`<db>.rebuild.lock`) works the same way.
The lock is per open file, not per process: two syncs inside one process exclude each other too.

The file also says who holds it: JSON `{pid, host, started_at, sources}`, written just after the
lock is taken and emptied just before it is released. Its content is believed only while the lock
is held (after a SIGKILL it still names the dead holder until the next holder overwrites it).
The file is never deleted: removing a locked file would let the next process lock a new file of
the same name while the old holder still runs.

A sync state in a shared PostgreSQL database (`state.url`) is written by syncs on any machine,
so there the lock is the database's: a session-level advisory lock (`SharedSyncLock`), which the
server drops when the holder's connection ends (process killed, machine lost), and the holder's
note is a row (`sync_holder`), believed only while the lock is held. `lock_for(target)` picks
the kind that fits the state it is given.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import math
import os
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from state import Database
from state.migrate import ensure
from state.schema import sync_holder

# A status probe (`current_holder`) holds a shared lock for a few microseconds; a sync that
# meets it must not be refused for that. So a refusal is decided only after the lock stayed
# taken this long, tried every POLL_S.
GRACE_S = 0.25
POLL_S = 0.1

# The exit status of `icjs sync` when another sync holds the lock: EX_TEMPFAIL of sysexits.h,
# "try again later", which is what a scheduler should do.
EXIT_BUSY = 75


def lock_path(state_path: Path) -> Path:
    """The lock file of a state file: next to it, same name plus `.lock`."""
    return state_path.with_name(state_path.name + ".lock")


@dataclass(frozen=True)
class Holder:
    """Who holds a sync lock, as the holder wrote it."""

    pid: int | None
    host: str | None
    started_at: str | None
    sources: tuple[str, ...] = ()

    def describe(self) -> str:
        where = f" on {self.host}" if self.host else ""
        text = f"pid {self.pid if self.pid is not None else '?'}{where}"
        if self.started_at:
            text += f", started {self.started_at}"
        if self.sources:
            text += f", sources {', '.join(self.sources)}"
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "pid": self.pid,
            "host": self.host,
            "started_at": self.started_at,
            "sources": list(self.sources),
        }


class SyncBusy(Exception):
    """Another sync holds the lock of this state (and kept it as long as we would wait)."""

    exit_code = EXIT_BUSY

    def __init__(self, state_path: Path | str, holder: Holder | None, waited_s: float) -> None:
        who = holder.describe() if holder else "holder unknown"
        after = f" after waiting {waited_s:.0f} s" if waited_s >= 1 else ""
        super().__init__(
            f"another sync of {state_path} is running{after} ({who}); "
            "wait for it with --wait SECONDS, or stop that process"
        )
        self.state_path = state_path
        self.holder = holder


def _note(sources: Sequence[str]) -> bytes:
    return json.dumps(
        {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sources": list(sources),
        }
    ).encode()


def _parse_holder(raw: bytes) -> Holder | None:
    try:
        data = json.loads(raw.decode())
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    pid = data.get("pid")
    sources = data.get("sources")
    return Holder(
        pid=pid if isinstance(pid, int) else None,
        host=str(data["host"]) if data.get("host") else None,
        started_at=str(data["started_at"]) if data.get("started_at") else None,
        sources=tuple(str(s) for s in sources) if isinstance(sources, list) else (),
    )


def _read_holder(fd: int) -> Holder | None:
    """The holder's note. A holder writes it right after taking the lock, so an empty or half
    written note gets two more looks before we give up on it."""
    for attempt in range(3):
        holder = _parse_holder(os.pread(fd, 4096, 0))
        if holder is not None:
            return holder
        if attempt < 2:
            time.sleep(0.02)
    return None


class SyncLock:
    """The lock of one state file. `acquire` (or `acquire_async` inside an event loop) takes it,
    waiting up to `wait` seconds (`math.inf`: as long as it takes) and raising `SyncBusy`
    otherwise; `release` gives it back and may be called any number of times."""

    def __init__(self, state_path: Path, *, sources: Sequence[str] = ()) -> None:
        self.state_path = state_path
        self.path = lock_path(state_path)
        self.sources = tuple(sources)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(
        self, wait: float = 0.0, on_wait: Callable[[Holder | None], None] | None = None
    ) -> None:
        for delay in self._tries(wait, on_wait):
            time.sleep(delay)

    async def acquire_async(
        self, wait: float = 0.0, on_wait: Callable[[Holder | None], None] | None = None
    ) -> None:
        """As `acquire`, sleeping with `asyncio.sleep`: Ctrl-C or a cancelled task stops the
        wait (a waiting thread could not be stopped)."""
        for delay in self._tries(wait, on_wait):
            await asyncio.sleep(delay)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.ftruncate(fd, 0)  # nobody holds it: say nothing rather than name a past holder
        finally:
            os.close(fd)  # closing drops the flock

    def __enter__(self) -> SyncLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _tries(
        self, wait: float, on_wait: Callable[[Holder | None], None] | None
    ) -> Iterator[float]:
        """Try the lock until it is ours (then write the note) or `wait` ran out (then raise);
        in between, yield how long to sleep before the next try."""
        if self._fd is not None:
            raise RuntimeError(f"{self.path} is already held by this SyncLock")
        if math.isnan(wait) or wait < 0:
            raise ValueError(f"wait must be 0 or more seconds, not {wait}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # 0o644: the API's status probe may run as another user; the note holds nothing secret
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        started = time.monotonic()
        deadline = started + max(wait, GRACE_S)
        announced = False
        ours = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    pass
                now = time.monotonic()
                if now >= deadline:
                    raise SyncBusy(self.state_path, _read_holder(fd), now - started)
                if on_wait is not None and not announced and now - started >= GRACE_S:
                    on_wait(_read_holder(fd))
                    announced = True
                yield min(POLL_S, deadline - now)
            note = _note(self.sources)
            os.pwrite(fd, note, 0)
            os.ftruncate(fd, len(note))
            self._fd = fd
            ours = True
        finally:
            if not ours:  # refused, or the caller stopped waiting
                os.close(fd)


def sqlite_file(db: Database) -> Path:
    """The file of a SQLite state database (its lock file lies next to it)."""
    return Path(str(db.engine.url.database))


def lock_for(target: Path | Database, *, sources: Sequence[str] = ()) -> SyncLock:
    """The sync lock of a state: a file's `flock` for a SQLite file, the database's advisory
    lock for a shared PostgreSQL state."""
    if isinstance(target, Database):
        if target.is_postgresql:
            return SharedSyncLock(target, sources=sources)
        target = sqlite_file(target)
    return SyncLock(target, sources=sources)


# pg_advisory_lock key of the sync lock: a constant of our own ("sync" in ASCII)
_SYNC_LOCK_KEY = 0x73796E63


class SharedSyncLock(SyncLock):
    """The sync lock of a state in a shared PostgreSQL database: a session-level advisory lock
    on a connection held for as long as the lock is, so the server frees it when the holder's
    session ends however it ends. Same interface and waiting rules as the file lock."""

    def __init__(self, db: Database, *, sources: Sequence[str] = ()) -> None:
        ensure(db, "sync")  # the holder's note has a table of its own
        self.db = db
        self.state_path = Path(db.display)
        self.path = self.state_path
        self.sources = tuple(sources)
        self._conn: sa.Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        try:
            with conn.begin():
                conn.execute(sync_holder.delete())
            conn.execute(sa.select(sa.func.pg_advisory_unlock(_SYNC_LOCK_KEY)))
            conn.commit()
        finally:
            conn.close()  # ending the session drops the lock in any case

    def _tries(
        self, wait: float, on_wait: Callable[[Holder | None], None] | None
    ) -> Iterator[float]:
        if self._conn is not None:
            raise RuntimeError(f"the sync lock of {self.db.display} is already held here")
        if math.isnan(wait) or wait < 0:
            raise ValueError(f"wait must be 0 or more seconds, not {wait}")
        # its own connection, not a pooled one: the lock lives as long as this session
        conn = self.db.engine.connect()
        started = time.monotonic()
        deadline = started + max(wait, GRACE_S)
        announced = False
        ours = False
        try:
            while True:
                got = bool(
                    conn.execute(sa.select(sa.func.pg_try_advisory_lock(_SYNC_LOCK_KEY))).scalar()
                )
                conn.commit()  # a session-level lock outlives the transaction that took it
                if got:
                    break
                now = time.monotonic()
                if now >= deadline:
                    raise SyncBusy(self.db.display, _read_note(self.db), now - started)
                if on_wait is not None and not announced and now - started >= GRACE_S:
                    on_wait(_read_note(self.db))
                    announced = True
                yield min(POLL_S, deadline - now)
            note = _note(self.sources).decode()
            with conn.begin():
                conn.execute(sync_holder.delete())
                conn.execute(sync_holder.insert().values(id=1, note=note))
            self._conn = conn
            ours = True
        finally:
            if not ours:
                conn.close()


def _read_note(db: Database) -> Holder | None:
    with db.read() as conn:
        note = conn.execute(sa.select(sync_holder.c.note)).scalar()
    return _parse_holder(note.encode()) if note else None


def _shared_holder(db: Database) -> Holder | None:
    """Asks the server, not the note: the lock taken means nobody else holds it (and is given
    back at once; `SharedSyncLock` does not refuse before `GRACE_S`)."""
    ensure(db, "sync")
    with db.engine.connect() as conn:
        free = bool(conn.execute(sa.select(sa.func.pg_try_advisory_lock(_SYNC_LOCK_KEY))).scalar())
        if free:
            conn.execute(sa.select(sa.func.pg_advisory_unlock(_SYNC_LOCK_KEY)))
        conn.commit()
    if free:
        return None
    return _read_note(db) or Holder(None, None, None)


@contextlib.asynccontextmanager
async def sync_lock(
    target: Path | Database,
    *,
    wait: float = 0.0,
    sources: Sequence[str] = (),
    on_wait: Callable[[Holder | None], None] | None = None,
) -> AsyncIterator[SyncLock]:
    """Hold the sync lock of a state for the body of an `async with`."""
    lock = lock_for(target, sources=sources)
    await lock.acquire_async(wait, on_wait)
    try:
        yield lock
    finally:
        lock.release()


def current_holder(target: Path | Database) -> Holder | None:
    """Who is syncing this state right now, or None when nobody is."""
    if isinstance(target, Database):
        if target.is_postgresql:
            return _shared_holder(target)
        target = sqlite_file(target)
    return _file_holder(target)


def _file_holder(state_path: Path) -> Holder | None:
    """Who holds the lock of this state file right now, or None when nobody does.

    Asks the kernel, not the note: a shared lock that cannot be had means an exclusive holder.
    The probe's own shared lock lasts microseconds, and `SyncLock` does not refuse before
    `GRACE_S`, so probing never turns a sync away. Opens read-only and creates nothing."""
    try:
        fd = os.open(lock_path(state_path), os.O_RDONLY)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd) or Holder(None, None, None)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)

"""The world on disk: one SQLite file holding every source's rows and the ground truth.

The servers read it; the generator and the clock write it. Keeping the world on disk is what lets
it grow to millions of people without memory growing with it, and lets a second demo run reuse a
world generated once (the file is named by seed, size and bad-record rate).

Tables:
- `rows`: what the sources serve, one row per (source, collection, native key), body as JSON text,
  ordered for paging by (`t`, `nid`). ALIS uses the collection for the export day.
- `owners`: Vahan owner history per registration.
- `truth`, `truth_people`, `matches`: the ground truth (see `simulators.truth`).
- `meta`: seed, size, clock, id counters.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulators.world.recs import Rec
from sqlitewal import use_wal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS rows (
    source TEXT NOT NULL, coll TEXT NOT NULL, nid TEXT NOT NULL, rid TEXT NOT NULL,
    t INTEGER NOT NULL, state TEXT, key2 TEXT, body TEXT NOT NULL,
    deleted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (source, coll, nid)
);
CREATE TABLE IF NOT EXISTS owners (regn TEXT NOT NULL, sr INTEGER NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (regn, sr));
CREATE TABLE IF NOT EXISTS truth (
    rid TEXT PRIMARY KEY, source TEXT NOT NULL, coll TEXT NOT NULL, t INTEGER NOT NULL,
    status TEXT NOT NULL, reason TEXT, vehicle TEXT, visible INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS truth_people (rid TEXT NOT NULL, pid TEXT NOT NULL, role TEXT NOT NULL,
    PRIMARY KEY (rid, pid));
CREATE TABLE IF NOT EXISTS matches (found_rid TEXT NOT NULL, missing_rid TEXT NOT NULL,
    PRIMARY KEY (found_rid, missing_rid));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# Secondary indexes are built once the bulk of the world is written (faster than keeping them
# up to date row by row); `Store.index()` is idempotent.
_INDEXES = """
CREATE INDEX IF NOT EXISTS rows_feed ON rows (source, coll, t, nid);
CREATE INDEX IF NOT EXISTS rows_state ON rows (source, coll, state, t, nid);
CREATE INDEX IF NOT EXISTS rows_key2 ON rows (source, key2);
CREATE INDEX IF NOT EXISTS rows_rid ON rows (rid);
CREATE INDEX IF NOT EXISTS truth_source ON truth (source, status);
CREATE INDEX IF NOT EXISTS truth_people_pid ON truth_people (pid);
"""

# ALIS publishes the file of day D at D+1 01:00 IST = D 19:30 UTC.
_ALIS_PUBLISH_AFTER_DAY_START_MS = 25 * 3_600_000 - (5 * 3_600_000 + 30 * 60_000)


def alis_publish_ms(day_iso: str) -> int:
    """Epoch ms at which the ALIS export for `day_iso` (IST calendar day) is published."""
    from datetime import UTC, date, datetime

    d = date.fromisoformat(day_iso)
    midnight_utc = int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)
    return midnight_utc + _ALIS_PUBLISH_AFTER_DAY_START_MS


def body_text(body: dict[str, Any], *, ascii_only: bool = False) -> str:
    """JSON text of a row. `ascii_only` keeps lone surrogates (a wrong-encoding fault) as
    `\\udcxx` escapes so that the page stays valid UTF-8 while the record does not."""
    return json.dumps(body, ensure_ascii=ascii_only, separators=(",", ":"))


@dataclass
class Batch:
    """Rows ready for the tables: plain tuples, cheap to send from a generator process."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    truth: list[tuple[Any, ...]] = field(default_factory=list)
    people: list[tuple[str, str, str]] = field(default_factory=list)
    matches: list[tuple[str, str]] = field(default_factory=list)
    owners: list[tuple[str, int, str]] = field(default_factory=list)

    @classmethod
    def of(cls, recs: list[Rec], owners: dict[str, list[dict[str, Any]]] | None = None) -> Batch:
        batch = cls()
        for r in recs:
            deleted = r.body.get("RECORD_STATUS") == "DELETED"
            ascii_only = r.bad is not None and r.bad.startswith("bad_encoding")
            body = body_text(r.body, ascii_only=ascii_only)
            batch.rows.append(
                (r.source, r.coll, r.nid, r.rid, r.t_ms, r.state, r.key2, body, int(deleted))
            )
            status = "bad" if r.bad else ("deleted" if deleted else "live")
            visible = alis_publish_ms(r.coll) if r.source == "alis" else r.t_ms
            batch.truth.append((r.rid, r.source, r.coll, r.t_ms, status, r.bad, r.vehicle, visible))
            batch.people.extend((r.rid, pid, role) for pid, role in r.people.items())
            batch.matches.extend((r.rid, m) for m in r.matches)
        for regn, hist in (owners or {}).items():
            batch.owners.extend((regn, o["rc_owner_sr"], body_text(o)) for o in hist)
        return batch


class Store:
    """Thread-safe access to the world file: one connection per thread, WAL for readers."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self.write_lock = threading.RLock()
        # Sorted update times per feed, for `count_since`; dropped whenever anything commits
        # (`PRAGMA data_version` on a connection that never writes sees every commit, this
        # process's or another's).
        self._feeds: dict[tuple[str, str | None], array[int]] = {}
        self._feeds_lock = threading.Lock()
        self._feeds_version: int | None = None
        self._watch: sqlite3.Connection | None = None
        with self.connect() as db:
            db.executescript(_SCHEMA)
            if self.get_meta("complete") == "1":
                db.executescript(_INDEXES)

    def index(self) -> None:
        """Build the secondary indexes (after bulk generation)."""
        with self.write_lock:
            self._conn().executescript(_INDEXES)

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            use_wal(conn)
            conn.execute("PRAGMA synchronous=NORMAL")
            self._local.conn = conn
        return conn

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        yield self._conn()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.write_lock:
            conn = self._conn()
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return self._conn().execute(sql, tuple(params)).fetchall()

    def count_since(self, source: str, coll: str | None, since: int) -> int:
        """How many rows of `source` (of collection `coll`, or all) have `t >= since`: the
        `total` a position-paged feed reports on every page. Counting them in SQL scans every
        row still ahead, so a full walk, whose lower bound moves up page by page, cost the
        square of the source's size; here it is a bisection in the feed's sorted times, read
        once until something changes."""
        with self._feeds_lock:
            if self._watch is None:
                self._watch = sqlite3.connect(self.path, timeout=30, check_same_thread=False)
            version = self._watch.execute("PRAGMA data_version").fetchone()[0]
            if version != self._feeds_version:
                self._feeds.clear()
                self._feeds_version = version
            times = self._feeds.get((source, coll))
            if times is None:
                where = "source = ? AND t IS NOT NULL" + ("" if coll is None else " AND coll = ?")
                params = (source,) if coll is None else (source, coll)
                times = array(
                    "q",
                    sorted(t for (t,) in self._watch.execute(
                        f"SELECT t FROM rows WHERE {where}", params
                    )),
                )  # fmt: skip
                self._feeds[(source, coll)] = times
        return len(times) - bisect_left(times, since)

    # -- meta -------------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self._conn().execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def clock_ms(self) -> int:
        return int(self.get_meta("clock_ms") or 0)

    # -- writes -----------------------------------------------------------------------------

    def put(self, conn: sqlite3.Connection, recs: list[Rec]) -> None:
        """Insert or replace rows and their ground truth."""
        self.put_batch(conn, Batch.of(recs))

    def put_batch(self, conn: sqlite3.Connection, batch: Batch) -> None:
        conn.executemany(
            "INSERT OR REPLACE INTO rows (source, coll, nid, rid, t, state, key2, body, deleted)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            batch.rows,
        )
        conn.executemany(
            "INSERT INTO truth (rid, source, coll, t, status, reason, vehicle, visible)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (rid) DO UPDATE SET t = max(truth.t, excluded.t),"
            " status = excluded.status,"
            " reason = excluded.reason, visible = min(truth.visible, excluded.visible)",
            batch.truth,
        )
        conn.executemany(
            "INSERT OR REPLACE INTO truth_people (rid, pid, role) VALUES (?, ?, ?)", batch.people
        )
        conn.executemany(
            "INSERT OR IGNORE INTO matches (found_rid, missing_rid) VALUES (?, ?)", batch.matches
        )
        conn.executemany(
            "INSERT OR REPLACE INTO owners (regn, sr, body) VALUES (?, ?, ?)", batch.owners
        )

    def put_owners(self, conn: sqlite3.Connection, regn: str, owners: list[dict[str, Any]]) -> None:
        conn.executemany(
            "INSERT OR REPLACE INTO owners (regn, sr, body) VALUES (?, ?, ?)",
            [(regn, o["rc_owner_sr"], body_text(o)) for o in owners],
        )

    def set_truth_status(self, conn: sqlite3.Connection, rid: str, status: str) -> None:
        conn.execute("UPDATE truth SET status = ? WHERE rid = ?", (status, rid))

    def close(self) -> None:
        with self._feeds_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

"""The stored graph: one SQLite file of edges and node degrees, updated record by record.

Why its own file and plain `sqlite3` rather than a `state/` store (docs/decisions.md, "Network
link analysis"): the graph is derived data, rebuilt from the index whenever wanted, so it needs
no migrations, no PostgreSQL twin and no backup; its hot path is a few indexed probes per hop,
which the standard library does with no layer between. Every API node opens the file read-only
in practice (the sync writes it; WAL lets readers run beside the writer).

Tables:
- `edges`: one row per (record, value) with the record's source, kind, place and labels, which
  the access check reads (`network.access`), and the evidence (relation, time).
- `nodes`: one row per value node with its degree (records holding it): what the hub cap reads.
- `fir_cases`: each stated FIR node (`fir:MH/0412/2024/123`) under the stateless node it is one
  reading of (`fir:0412/2024/123`). An e-Prisons inmate's case names no state, so the inmate's
  record gets, beside its own stateless edge, one edge to each stated node of that case: the
  accused are two hops from the inmate in whichever state the FIR was registered, and accused of
  different states never share a node (`network.extract`). These edges are the inmate's (its
  evidence, its labels) and come and go with the stated nodes: a case's first accused adds them,
  its last one gone takes them away.
- `meta`: the learnt caps (`network.suppress`), when they were learnt, and which FIR nodes the
  graph was built with (`FIR_NODES_VERSION`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from records import Kind, Record, Sensitivity, Source
from sqlitewal import use_wal

from .extract import edges_of, is_unstated_fir_node, unstated_fir_node
from .model import Edge, NodeKind, split_node

# Which FIR nodes the graph holds: 1, one stateless node per FIR (accused of the same station
# code, year and number in two states met there); 2, stated nodes with inmates tied to each.
FIR_NODES_VERSION = 2

SCHEMA = """
CREATE TABLE IF NOT EXISTS edges (
    record_id TEXT NOT NULL,
    node TEXT NOT NULL,
    relation TEXT NOT NULL,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    state TEXT,
    district TEXT,
    police_station TEXT,
    labels TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (record_id, node)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS edges_node ON edges (node, record_id);
CREATE TABLE IF NOT EXISTS nodes (
    node TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    degree INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS nodes_degree ON nodes (kind, degree);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS fir_cases (
    unstated TEXT NOT NULL,
    node TEXT NOT NULL,
    PRIMARY KEY (unstated, node)
) WITHOUT ROWID;
"""

_COLUMNS = "record_id, node, relation, source, kind, state, district, police_station, labels, at"
_CHUNK = 500  # bound parameters per IN (...) list, well under SQLite's limit


def _labels_text(labels: Collection[Sensitivity]) -> str:
    return "".join(f"|{label.value}" for label in sorted(labels)) + ("|" if labels else "")


def _row(edge: Edge) -> tuple[str, ...] | tuple[Any, ...]:
    return (
        edge.record_id,
        edge.node,
        edge.relation,
        edge.source.value,
        edge.kind.value,
        edge.state,
        edge.district,
        edge.police_station,
        _labels_text(edge.labels),
        edge.at.isoformat(),
    )


def _edge(row: Sequence[Any]) -> Edge:
    labels = frozenset(Sensitivity(x) for x in str(row[8]).split("|") if x)
    return Edge(
        record_id=row[0],
        node=row[1],
        relation=row[2],
        source=Source(row[3]),
        kind=Kind(row[4]),
        state=row[5],
        district=row[6],
        police_station=row[7],
        labels=labels,
        at=datetime.fromisoformat(row[9]),
    )


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


# Every stated FIR node under its stateless reading, and every stateless FIR edge tied to each
# stated node of its case: what `_tie_cases` does page by page, for a whole build at once.
_ALL_CASES = (
    "INSERT OR IGNORE INTO fir_cases (unstated, node) "
    "SELECT DISTINCT 'fir:' || substr(node, instr(node, '/') + 1), node FROM edges "
    "WHERE node LIKE 'fir:%/%/%/%' AND node NOT LIKE 'fir:%/%/%/%/%'"
)
_ALL_TIES = (
    f"INSERT OR IGNORE INTO edges ({_COLUMNS}) "
    "SELECT e.record_id, c.node, e.relation, e.source, e.kind, e.state, e.district, "
    "e.police_station, e.labels, e.at FROM fir_cases c JOIN edges e ON e.node = c.unstated"
)


def _tie_cases(cur: sqlite3.Cursor, edges: Sequence[Edge]) -> list[tuple[str, int]]:
    """Tie stateless FIR edges to the stated nodes of their case, both ways: a page's inmates
    to every known case, and every known inmate to a case the page brings first. Returns the
    edges added per node."""
    ties: dict[tuple[str, str], Edge] = {}
    for edge in edges:
        unstated = unstated_fir_node(edge.node)
        if unstated is None:
            continue
        cur.execute(
            "INSERT OR IGNORE INTO fir_cases (unstated, node) VALUES (?, ?)", (unstated, edge.node)
        )
        if cur.rowcount:  # a case the graph did not know: its inmates so far meet it
            rows = cur.execute(f"SELECT {_COLUMNS} FROM edges WHERE node = ?", (unstated,))
            for held in [_edge(r) for r in rows]:
                ties[(held.record_id, edge.node)] = replace(held, node=edge.node)
    for edge in edges:
        if not is_unstated_fir_node(edge.node):
            continue
        for (case,) in cur.execute(
            "SELECT node FROM fir_cases WHERE unstated = ?", (edge.node,)
        ).fetchall():
            ties[(edge.record_id, case)] = replace(edge, node=case)
    own = {(e.record_id, e.node) for e in edges}
    added = [t for key, t in sorted(ties.items()) if key not in own]
    cur.executemany(
        f"INSERT OR IGNORE INTO edges ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
        [_row(t) for t in added],
    )
    return list(Counter(t.node for t in added).items())


def _untie_cases(
    cur: sqlite3.Cursor, delta: Counter[str], edges: Sequence[Edge]
) -> list[tuple[str, int]]:
    """A stated FIR node that lost its last own holder (every edge left is an inmate's tie)
    is no case any more: its ties go with it. Returns the edges removed per node (negative)."""
    written = {e.node for e in edges}
    gone: list[tuple[str, int]] = []
    for node in sorted(n for n, d in delta.items() if d < 0 and n not in written):
        unstated = unstated_fir_node(node)
        if unstated is None:
            continue
        (own,) = cur.execute(
            "SELECT COUNT(*) FROM edges e WHERE e.node = ? AND NOT EXISTS "
            "(SELECT 1 FROM edges t WHERE t.record_id = e.record_id AND t.node = ?)",
            (node, unstated),
        ).fetchone()
        if own:
            continue
        (ties,) = cur.execute("SELECT COUNT(*) FROM edges WHERE node = ?", (node,)).fetchone()
        cur.execute("DELETE FROM edges WHERE node = ?", (node,))
        cur.execute("DELETE FROM fir_cases WHERE node = ?", (node,))
        if ties:
            gone.append((node, -int(ties)))
    return gone


@dataclass(frozen=True)
class Where:
    """An SQL condition on `edges` columns and its parameters (`network.access` builds it)."""

    sql: str = "1"
    params: tuple[Any, ...] = ()


@dataclass(frozen=True)
class GraphStats:
    edges: int
    records: int
    nodes: dict[str, int]  # value nodes per kind


class GraphStore:
    """The edges and degrees in one SQLite file. Thread-safe: one connection, one lock."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(
            path, timeout=30.0, check_same_thread=False, isolation_level=None
        )
        use_wal(self._conn)
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._lock = threading.RLock()
        if self.get_meta("fir_nodes_version") is None and self._empty():
            self.set_meta("fir_nodes_version", FIR_NODES_VERSION)  # built from now on

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def _empty(self) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM edges LIMIT 1").fetchone() is None

    def stale(self) -> str | None:
        """What to tell an operator whose graph was built with other FIR nodes than this icjs
        writes, or None."""
        built = self.get_meta("fir_nodes_version") or 1
        if built == FIR_NODES_VERSION:
            return None
        return (
            f"FIR nodes built by version {built}, this icjs writes version {FIR_NODES_VERSION}: "
            "accused of the same station code, year and number in two states may show as "
            "co-accused until `icjs network rebuild`"
        )

    def cases_of(self, unstated: str) -> list[str]:
        """The stated FIR nodes a stateless one may be (`fir:0412/2024/123` →
        `fir:KA/0412/2024/123`, `fir:MH/0412/2024/123`)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT node FROM fir_cases WHERE unstated = ? ORDER BY node", (unstated,)
            ).fetchall()
        return [str(r[0]) for r in rows]

    # -- writes --------------------------------------------------------------------------------

    def replace(self, records: Iterable[Record]) -> int:
        """Put these records' edges in place of what they gave before; the edges written."""
        latest = {r.record_id: r for r in records}  # a page may carry one id twice: last wins
        edges = [e for r in latest.values() for e in edges_of(r)]
        return self._rewrite(list(latest), edges)

    def remove(self, record_ids: Collection[str]) -> None:
        """Take away the edges of records gone from the index (tombstones, reconciliation)."""
        self._rewrite(sorted(set(record_ids)), [])

    def _rewrite(self, record_ids: Sequence[str], edges: Sequence[Edge]) -> int:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                # degrees move by what leaves and what arrives: no recount of a busy value
                delta: Counter[str] = Counter(e.node for e in edges)
                for chunk in _chunks(record_ids):
                    marks = ",".join("?" * len(chunk))
                    for node, n in cur.execute(
                        f"SELECT node, COUNT(*) FROM edges WHERE record_id IN ({marks}) "
                        "GROUP BY node",
                        chunk,
                    ).fetchall():
                        delta[node] -= n
                    cur.execute(f"DELETE FROM edges WHERE record_id IN ({marks})", chunk)
                cur.executemany(
                    f"INSERT INTO edges ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    [_row(e) for e in edges],
                )
                tied = _tie_cases(cur, edges) + _untie_cases(cur, delta, edges)
                for node, n in tied:
                    delta[node] += n
                changed = sorted(n for n, d in delta.items() if d)
                cur.executemany(
                    "INSERT OR IGNORE INTO nodes (node, kind, degree) VALUES (?, ?, 0)",
                    [(n, split_node(n)[0].value) for n in changed],
                )
                cur.executemany(
                    "UPDATE nodes SET degree = degree + ? WHERE node = ?",
                    [(delta[n], n) for n in changed],
                )
                cur.executemany(
                    "DELETE FROM nodes WHERE node = ? AND degree <= 0", [(n,) for n in changed]
                )
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
        return len(edges)

    def bulk_load(self, edges: Iterable[Edge], batch: int = 50_000) -> int:
        """Append edges to an empty store without per-node recounts, then count degrees once
        (`icjs network rebuild`, the benchmark). Far faster than `replace` for a full build."""
        written = 0
        with self._lock:
            self._conn.execute("DELETE FROM edges")
            self._conn.execute("DELETE FROM nodes")
            self._conn.execute("DELETE FROM fir_cases")
            self._conn.execute("DROP INDEX IF EXISTS edges_node")
            pending: list[tuple[Any, ...]] = []
            sql = f"INSERT OR REPLACE INTO edges ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?)"
            for edge in edges:
                pending.append(_row(edge))
                if len(pending) >= batch:
                    self._insert(sql, pending)
                    written += len(pending)
                    pending = []
            self._insert(sql, pending)
            written += len(pending)
            self._conn.executescript(SCHEMA)  # the node index again, built once
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.execute(_ALL_CASES)
            self._conn.execute(_ALL_TIES)
            for node, n in list(
                self._conn.execute("SELECT node, COUNT(*) FROM edges GROUP BY node")
            ):
                self._conn.execute(
                    "INSERT INTO nodes (node, kind, degree) VALUES (?,?,?)",
                    (node, split_node(node)[0].value, n),
                )
            self._conn.execute("COMMIT")
        self.set_meta("fir_nodes_version", FIR_NODES_VERSION)
        return written

    def _insert(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self._conn.execute("BEGIN IMMEDIATE")
            self._conn.executemany(sql, rows)
            self._conn.execute("COMMIT")

    # -- reads ---------------------------------------------------------------------------------

    def edges_of_records(self, record_ids: Collection[str], where: Where) -> list[Edge]:
        out: list[Edge] = []
        ids = sorted(record_ids)
        with self._lock:
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT {_COLUMNS} FROM edges WHERE record_id IN ({marks}) AND ({where.sql})"
                out.extend(_edge(r) for r in self._conn.execute(sql, (*chunk, *where.params)))
        return out

    def edges_of_node(self, node: str, where: Where, limit: int | None = None) -> list[Edge]:
        sql = f"SELECT {_COLUMNS} FROM edges WHERE node = ? AND ({where.sql})"
        params: tuple[Any, ...] = (node, *where.params)
        if limit is not None:
            sql += " LIMIT ?"
            params = (*params, limit)
        with self._lock:
            return [_edge(r) for r in self._conn.execute(sql, params)]

    def holder_groups(
        self, node: str, where: Where, limit: int
    ) -> list[tuple[tuple[Any, ...], int]]:
        """The holders of a value within `where` (at most `limit` read), counted per
        (source, kind, state, district, police station, labels): what the access check needs
        to count a busy value without reading its rows one by one."""
        sql = (
            "SELECT source, kind, state, district, police_station, labels, COUNT(*) FROM "
            f"(SELECT * FROM edges WHERE node = ? AND ({where.sql}) LIMIT ?) "
            "GROUP BY source, kind, state, district, police_station, labels"
        )
        with self._lock:
            rows = self._conn.execute(sql, (node, *where.params, limit)).fetchall()
        return [
            (
                (
                    Source(r[0]),
                    Kind(r[1]),
                    r[2],
                    r[3],
                    r[4],
                    frozenset(Sensitivity(x) for x in str(r[5]).split("|") if x),
                ),
                int(r[6]),
            )
            for r in rows
        ]

    def degrees(self, nodes: Collection[str]) -> dict[str, int]:
        """Records holding each value node, whoever may see them (0 for an unknown node)."""
        out = dict.fromkeys(nodes, 0)
        ids = sorted(nodes)
        with self._lock:
            for chunk in _chunks(ids):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT node, degree FROM nodes WHERE node IN ({marks})"
                out.update({n: d for n, d in self._conn.execute(sql, chunk)})
        return out

    def degree_quantile(self, kind: NodeKind, q: float) -> tuple[int, int]:
        """The degree at quantile `q` among value nodes of `kind`, and how many there are."""
        with self._lock:
            (count,) = self._conn.execute(
                "SELECT COUNT(*) FROM nodes WHERE kind = ?", (kind.value,)
            ).fetchone()
            if not count:
                return 0, 0
            offset = min(count - 1, int(q * count))
            (value,) = self._conn.execute(
                "SELECT degree FROM nodes WHERE kind = ? ORDER BY degree LIMIT 1 OFFSET ?",
                (kind.value, offset),
            ).fetchone()
        return int(value), int(count)

    def get_meta(self, key: str) -> Any:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )

    def stats(self) -> GraphStats:
        with self._lock:
            (edges,) = self._conn.execute("SELECT COUNT(*) FROM edges").fetchone()
            (records,) = self._conn.execute(
                "SELECT COUNT(*) FROM (SELECT DISTINCT record_id FROM edges)"
            ).fetchone()
            kinds = dict(self._conn.execute("SELECT kind, COUNT(*) FROM nodes GROUP BY kind"))
        return GraphStats(int(edges), int(records), {str(k): int(v) for k, v in kinds.items()})

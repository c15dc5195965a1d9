"""Walking the stored graph for one request: the neighbourhood of some nodes, and the shortest
paths between two sets of nodes. Only visible edges are read (`network.access`), and a
suppressed value (`network.suppress`) is shown but never walked through.

Each hop is one stored edge: a record to a value it carries, or a value to a record carrying it.
A co-accused pair is two hops apart (record → FIR → record); three hops reach what a co-accused
carries (his phone, his vehicle).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import networkx as nx

from .access import Access
from .model import DATA_CLASS, Edge, NodeKind, split_node
from .store import GraphStore
from .suppress import Suppressor

# Holders read to count a suppressed value for the caller; beyond this the count says "at least".
COUNT_LIMIT = 100_000


@dataclass(frozen=True)
class Suppressed:
    reason: str  # "placeholder" or "hub"
    holders: int  # records holding the value that the caller may see
    at_least: bool = False  # the count stopped at COUNT_LIMIT


@dataclass
class Subgraph:
    """What a request reached: nodes with their hop, edges with their evidence."""

    hops: dict[str, int] = field(default_factory=dict)
    edges: dict[tuple[str, str], Edge] = field(default_factory=dict)
    suppressed: dict[str, Suppressed] = field(default_factory=dict)
    truncated: list[str] = field(default_factory=list)

    def graph(self) -> nx.Graph:
        g = nx.Graph()
        g.add_nodes_from(self.hops)
        g.add_edges_from((e.record_node, e.node) for e in self.edges.values())
        return g


class Walker:
    """One request's walks over the store, under one caller's access."""

    def __init__(self, store: GraphStore, access: Access, suppressor: Suppressor) -> None:
        self._store = store
        self._access = access
        self._suppressor = suppressor
        self._verdicts: dict[str, Suppressed | None] = {}
        self._holders: dict[str, list[Edge]] = {}

    # -- one step ------------------------------------------------------------------------------

    def visible_holders(self, node: str, limit: int | None = None) -> list[Edge]:
        found = self._holders.get(node)
        if found is None:
            rows = self._store.edges_of_node(node, self._access.where, limit)
            found = self._access.keep(rows)
            if limit is None or len(rows) < limit:
                self._holders[node] = found
        return found

    def holders(self, node: str) -> tuple[int, bool]:
        """How many records holding the value the caller may see, and whether the count
        stopped at COUNT_LIMIT rows read (then: at least that many)."""
        groups = self._store.holder_groups(node, self._access.where, COUNT_LIMIT)
        seen = self._access.count(DATA_CLASS[split_node(node)[0]], groups)
        return seen, sum(n for _, n in groups) >= COUNT_LIMIT

    def verdicts(self, nodes: Collection[str]) -> dict[str, Suppressed | None]:
        """Whether each value node is suppressed for this caller (None: followed)."""
        todo = [n for n in nodes if n not in self._verdicts]
        degrees = self._store.degrees(todo) if todo else {}
        caps = self._suppressor.caps
        for node in todo:
            stopped = self._suppressor.reason(node, 0) == "placeholder"
            if not stopped and degrees[node] <= caps.of(node):
                self._verdicts[node] = None  # all holders together are under the cap
                continue
            holders, limited = self.holders(node)
            reason = self._suppressor.reason(node, holders)
            self._verdicts[node] = None if reason is None else Suppressed(reason, holders, limited)
        return {n: self._verdicts[n] for n in nodes}

    def step(self, frontier: Iterable[str]) -> list[tuple[str, str, Edge]]:
        """Every visible edge leaving the frontier, as (from, to, edge); suppressed values are
        not left."""
        records: list[str] = []
        values: list[str] = []
        for node in frontier:
            kind, value = split_node(node)
            if kind is NodeKind.RECORD:
                records.append(value)
            else:
                values.append(node)
        out: list[tuple[str, str, Edge]] = []
        for edge in sorted(
            self._access.keep(self._store.edges_of_records(records, self._access.where)),
            key=lambda e: (e.record_id, e.node),
        ):
            out.append((edge.record_node, edge.node, edge))
        verdicts = self.verdicts(values)
        for node in sorted(values):
            if verdicts[node] is not None:
                continue
            for edge in sorted(self.visible_holders(node), key=lambda e: e.record_id):
                out.append((node, edge.record_node, edge))
        return out

    # -- neighbourhood -------------------------------------------------------------------------

    def neighbourhood(
        self, seeds: Collection[str], hops: int, max_nodes: int, max_edges: int
    ) -> Subgraph:
        sub = Subgraph(hops=dict.fromkeys(sorted(seeds), 0))
        frontier = sorted(seeds)
        for hop in range(1, hops + 1):
            if not frontier:
                break
            reached: list[str] = []
            for _origin, other, edge in self.step(frontier):
                key = (edge.record_id, edge.node)
                if key in sub.edges:
                    continue
                if other not in sub.hops:
                    if len(sub.hops) >= max_nodes:
                        _note(sub, f"node cap {max_nodes} reached at hop {hop}")
                        continue
                    sub.hops[other] = hop
                    reached.append(other)
                if len(sub.edges) >= max_edges:
                    _note(sub, f"edge cap {max_edges} reached at hop {hop}")
                    break
                sub.edges[key] = edge
            frontier = reached
        values = [n for n in sub.hops if split_node(n)[0] is not NodeKind.RECORD]
        sub.suppressed = {n: v for n, v in self.verdicts(values).items() if v is not None}
        return sub

    # -- paths ---------------------------------------------------------------------------------

    def paths(
        self,
        sources: Collection[str],
        targets: Collection[str],
        max_hops: int,
        max_explored: int,
        max_paths: int,
    ) -> tuple[list[list[str]], Subgraph]:
        """The shortest paths (node lists, each at most `max_hops` edges) from any of `sources`
        to any of `targets`, by a breadth-first search from both ends over visible, followed
        edges; and the explored subgraph, whose edges carry the evidence."""
        sub = Subgraph()
        sides: tuple[dict[str, int], dict[str, int]] = (
            dict.fromkeys(sources, 0),
            dict.fromkeys(targets, 0),
        )
        fronts = [sorted(sources), sorted(targets)]
        depth = [0, 0]
        met = bool(set(sources) & set(targets))
        while not met and depth[0] + depth[1] < max_hops and fronts[0] and fronts[1]:
            side = 0 if len(fronts[0]) <= len(fronts[1]) else 1
            depth[side] += 1
            reached: list[str] = []
            for _origin, other, edge in self.step(fronts[side]):
                value = split_node(other)[0] is not NodeKind.RECORD
                if value and self.verdicts([other])[other] is not None:
                    continue  # a placeholder or hub joins nobody, not even on a path
                sub.edges.setdefault((edge.record_id, edge.node), edge)
                if other not in sides[side]:
                    sides[side][other] = depth[side]
                    reached.append(other)
            fronts[side] = reached
            met = any(n in sides[1 - side] for n in reached)
            if len(sides[0]) + len(sides[1]) > max_explored:
                _note(sub, f"search stopped after exploring {max_explored} nodes")
                break
        if not met:
            return [], sub
        g = sub.graph()
        g.add_nodes_from(sources)
        g.add_nodes_from(targets)
        start, end = ("__from__",), ("__to__",)
        g.add_edges_from((start, s) for s in sources)
        g.add_edges_from((t, end) for t in targets)
        found: list[list[str]] = []
        for path in nx.all_shortest_paths(g, start, end):
            inner = [str(n) for n in path[1:-1]]
            if len(inner) - 1 > max_hops:
                break
            found.append(inner)
            if len(found) >= max_paths:
                _note(sub, f"more shortest paths than the {max_paths} shown")
                break
        found.sort()
        return found, sub


def _note(sub: Subgraph, message: str) -> None:
    if message not in sub.truncated:
        sub.truncated.append(message)

"""What the API and the console call: a neighbourhood, paths between two profiles, their
analysis, all cut to the caller's policy.

Profiles come from `federation` (`PersonSearchService.profile`: the records a profile id opens
to today, under the caller's policy), never from this package's own idea of a person. The
answer's record nodes are fetched again from the index under the caller's policy: a record the
index no longer holds, or the caller may not see, is no node, and the edges it gave go with it.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx

from auth.principal import Caller
from federation import PersonSearchService, Policy
from federation.policy import filters_of, is_visible
from indexer.backends.base import Backend
from records import Record

from .access import Access
from .analysis import Analysis, analyse
from .explore import Subgraph, Suppressed, Walker
from .model import Edge, NodeKind, record_node, split_node
from .store import GraphStore
from .suppress import Caps, Suppressor, stored_caps

CAPS_TTL_S = 60.0  # the sync re-learns caps now and then; API nodes re-read them this often
MAX_EXPLORED = 50_000


@dataclass(frozen=True)
class NodeOut:
    id: str
    kind: NodeKind
    value: str  # the record id for a record node
    hop: int
    label: str | None = None  # a record's subject's name as the caller may see it
    source: str | None = None
    record_kind: str | None = None
    profile_id: str | None = None  # opens the record's whole profile
    suppressed: Suppressed | None = None


@dataclass(frozen=True)
class NetworkAnswer:
    nodes: tuple[NodeOut, ...]
    edges: tuple[Edge, ...]
    truncated: tuple[str, ...]
    caps: Caps
    analysis: Analysis | None = None

    def record_ids(self) -> list[str]:
        return [n.value for n in self.nodes if n.kind is NodeKind.RECORD]


@dataclass(frozen=True)
class PathsAnswer:
    paths: tuple[tuple[str, ...], ...]  # node ids, first a node of `from`, last one of `to`
    network: NetworkAnswer  # the nodes and edges on those paths, with their evidence
    max_hops: int


def _name(record: Record, shown: dict[str, Any]) -> str | None:
    """The record's label: the name of a subject as the caller may see it; never a complainant's
    or a reporting guardian's (an NCRP complaint names its victim first)."""
    subjects = {p.role.value for p in record.subjects()}
    for person in shown.get("people") or ():
        if isinstance(person, dict) and person.get("role", "subject") in subjects:
            for key in ("name", "name_local"):
                if person.get(key):
                    return str(person[key])
    return None


class NetworkService:
    def __init__(
        self,
        store: GraphStore,
        policy: Policy,
        persons: PersonSearchService,
        backend: Backend,
        *,
        stop_list: frozenset[str] = frozenset(),
    ) -> None:
        self._store = store
        self._policy = policy
        self._persons = persons
        self._backend = backend
        self._stop_list = stop_list
        self._caps: tuple[float, Caps] | None = None
        self._lock = threading.Lock()

    def caps(self) -> Caps:
        with self._lock:
            now = time.monotonic()
            if self._caps is None or now - self._caps[0] > CAPS_TTL_S:
                self._caps = (now, stored_caps(self._store))
            return self._caps[1]

    def walker(self, caller: Caller) -> Walker:
        return Walker(
            self._store, Access(self._policy, caller), Suppressor(self.caps(), self._stop_list)
        )

    # -- seeds ---------------------------------------------------------------------------------

    def profile_seeds(self, caller: Caller, profile_id: str) -> list[str] | None:
        """The record nodes of a profile as the caller may open it now; None: no such profile
        visible to the caller (the API's 404)."""
        read = self._persons.profile(caller, profile_id)
        if read is None:
            return None
        return sorted(record_node(r.record_id) for r in read.profile.records)

    def value_seed(self, caller: Caller, node: str) -> list[str] | None:
        """The value node, if a record the caller may see holds it; else None (a 404 that says
        nothing of records the caller may not see). A FIR written without its state is every
        state's case of that station code, year and number, and the inmates held on it."""
        walker = self.walker(caller)
        nodes = [node, *self._store.cases_of(node)]
        seen = [n for n in nodes if walker.holders(n)[0]]
        return seen or None

    # -- answers -------------------------------------------------------------------------------

    def neighbourhood(
        self,
        caller: Caller,
        seeds: Sequence[str],
        *,
        hops: int,
        max_nodes: int,
        max_edges: int,
        with_analysis: bool = False,
    ) -> NetworkAnswer:
        sub = self.walker(caller).neighbourhood(seeds, hops, max_nodes, max_edges)
        return self._answer(caller, sub, keep=seeds, with_analysis=with_analysis)

    def paths(
        self,
        caller: Caller,
        sources: Sequence[str],
        targets: Sequence[str],
        *,
        max_hops: int,
        max_paths: int,
    ) -> PathsAnswer:
        found, explored = self.walker(caller).paths(
            sources, targets, max_hops, MAX_EXPLORED, max_paths
        )
        on_paths = {n for path in found for n in path}
        steps = {(a, b) for path in found for a, b in itertools.pairwise(path)}
        sub = Subgraph(
            hops={n: _hop(found, n) for n in sorted(on_paths)},
            edges={
                k: e
                for k, e in explored.edges.items()
                if (e.record_node, e.node) in steps or (e.node, e.record_node) in steps
            },
            truncated=explored.truncated,
        )
        answer = self._answer(caller, sub, keep=(), with_analysis=False)
        shown = {n.id for n in answer.nodes}
        # a path through a record the index no longer holds is no path
        paths = tuple(tuple(p) for p in found if all(n in shown for n in p))
        return PathsAnswer(paths, answer, max_hops)

    def _answer(
        self, caller: Caller, sub: Subgraph, *, keep: Collection[str], with_analysis: bool
    ) -> NetworkAnswer:
        record_ids = [split_node(n)[1] for n in sub.hops if split_node(n)[0] is NodeKind.RECORD]
        filters = filters_of(self._policy.visibility(caller))
        fetched = {r.record_id: r for r in self._backend.get(record_ids) if is_visible(r, filters)}
        edges = [e for e in sub.edges.values() if e.record_id in fetched]
        hops = dict(sub.hops)
        if keep and len(edges) < len(sub.edges):
            # a record gone from the index (deleted since the graph was written) joins nothing:
            # what was reached only through it is not in the answer, and hops are counted again
            hops = _distances(keep, edges)
        touched = {e.record_node for e in edges} | {e.node for e in edges} | set(keep)
        edges = [e for e in edges if e.record_node in hops and e.node in hops]
        nodes: list[NodeOut] = []
        for node, hop in sorted(hops.items(), key=lambda x: (x[1], x[0])):
            kind, value = split_node(node)
            if node not in touched or (kind is NodeKind.RECORD and value not in fetched):
                continue
            if kind is NodeKind.RECORD:
                record = fetched[value]
                shown = self._policy.redact(caller, record).fields
                nodes.append(
                    NodeOut(
                        node,
                        kind,
                        value,
                        hop,
                        label=_name(record, shown),
                        source=record.source.value,
                        record_kind=record.kind.value,
                        profile_id=(
                            self._persons.ids.issue([value]) if record.subjects() else None
                        ),
                    )
                )
            else:
                nodes.append(NodeOut(node, kind, value, hop, suppressed=sub.suppressed.get(node)))
        edges.sort(key=lambda e: (e.record_id, e.node))
        answer = NetworkAnswer(tuple(nodes), tuple(edges), tuple(sub.truncated), self.caps())
        if not with_analysis:
            return answer
        kept = Subgraph(
            hops={n.id: n.hop for n in nodes}, edges={(e.record_id, e.node): e for e in edges}
        )
        return NetworkAnswer(
            answer.nodes, answer.edges, answer.truncated, answer.caps, analyse(kept.graph())
        )


def _distances(seeds: Collection[str], edges: Sequence[Edge]) -> dict[str, int]:
    g = nx.Graph()
    g.add_nodes_from(seeds)
    g.add_edges_from((e.record_node, e.node) for e in edges)
    found: dict[str, int] = nx.multi_source_dijkstra_path_length(g, set(seeds))
    return {str(n): int(d) for n, d in found.items()}


def _hop(paths: list[list[str]], node: str) -> int:
    return min(p.index(node) for p in paths if node in p)

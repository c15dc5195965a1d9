"""The docket's network summary, read from the stored graph (`network`, kept by the sync).

The profile's records are the seeds of a neighbourhood walked under the caller's access
(`NetworkService.neighbourhood`: HOPS hops, capped at MAX_NODES nodes and MAX_EDGES edges), and
what it reached is summarised for paper:

- **co-accused**: the other records on the profile's FIRs (who, which FIR, how: accused in,
  imprisoned on, a theft report);
- **shared identifiers**: each phone, UPI id, bank account, e-mail, address or licence of the
  profile that other records hold too, and who holds it;
- **vehicles**: the profile's vehicles and every other record on them (a theft report, a
  previous owner);
- **hubs**: the most connected nodes of the neighbourhood (degree, betweenness).

Access is the graph's (every edge cut to the caller's policy before the walk) and then the
records': a connected record is printed only as `RelatedRecords` reads it for the caller
(redacted; no victim, since the graph ties only a record's subjects and a name here is only ever
a subject's). What the caller may not see is not in the summary, not even as a count: every
count printed (holders of a placeholder value, nodes reached) is of visible edges only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from auth.principal import Caller
from federation.persons import ProfileRead
from federation.related import RelatedRecords
from federation.views import RecordView
from network import NetworkService, record_node
from network.extract import unstated_fir_node
from network.model import Edge, NodeKind, split_node
from network.service import NetworkAnswer, NodeOut

from .facts import Fact, people_of

HOPS = 2  # record → value → record: a co-accused, and whoever else holds the profile's values
MAX_NODES = 400
MAX_EDGES = 1_200
MAX_HOLDERS = 12  # per value printed; the others the caller may see are counted
TOP_HUBS = 5

_SHARED_KINDS: dict[NodeKind, str] = {
    NodeKind.PHONE: "phone",
    NodeKind.UPI: "UPI id",
    NodeKind.BANK_ACCOUNT: "bank account",
    NodeKind.EMAIL: "e-mail",
    NodeKind.ADDRESS: "address",
    NodeKind.DRIVING_LICENCE: "driving licence",
    NodeKind.ARMS_LICENCE: "arms licence",
    NodeKind.PASSPORT: "passport",
}


@dataclass(frozen=True)
class Holder:
    """Another record holding a value of the profile, as the printing officer may see it."""

    name: str | None  # the subject holding the value (never a complainant)
    relation: str  # what that record says: "accused in", "suspect's phone", "owner of", ...
    fact: Fact


@dataclass(frozen=True)
class SharedValue:
    what: str  # "FIR", "phone", "vehicle", ...
    value: str
    own: tuple[str, ...]  # the profile's records carrying it
    others: tuple[Holder, ...]
    more: int = 0  # further holders the caller may see, beyond those printed
    # a placeholder or hub value is shown, not followed: how many records the caller may see
    # hold it (`network.suppress`)
    suppressed: str | None = None
    suppressed_holders: int = 0


@dataclass(frozen=True)
class HubLine:
    node: str  # "phone +9198…", "record cctns:… (RAJU PATIL)"
    degree: int
    betweenness: float


@dataclass(frozen=True)
class NetworkSummary:
    hops: int
    co_accused: tuple[SharedValue, ...]
    shared: tuple[SharedValue, ...]
    vehicles: tuple[SharedValue, ...]
    hubs: tuple[HubLine, ...]
    nodes: int  # reached and visible
    edges: int
    truncated: tuple[str, ...]  # caps reached

    @property
    def empty(self) -> bool:
        return not (self.co_accused or self.shared or self.vehicles)


SummaryOf = Callable[[Caller, ProfileRead], NetworkSummary]


def graph_summary(network: NetworkService, related: RelatedRecords) -> SummaryOf:
    def summary(caller: Caller, read: ProfileRead) -> NetworkSummary:
        own = {v.record_id for v in read.profile.records}
        answer = network.neighbourhood(
            caller,
            sorted(record_node(r) for r in own),
            hops=HOPS,
            max_nodes=MAX_NODES,
            max_edges=MAX_EDGES,
            with_analysis=True,
        )
        others = sorted({e.record_id for e in answer.edges} - own)
        views = {v.record_id: v for v in read.profile.records}  # names the hubs among them
        views.update(related.views(caller, others))
        return summarise(answer, own, views)

    return summary


def summarise(
    answer: NetworkAnswer, own: set[str], views: Mapping[str, RecordView]
) -> NetworkSummary:
    """The summary of a neighbourhood whose seeds are `own`; `views` are the records as the
    caller may see them (another record missing from it is not printed)."""
    by_value: dict[str, list[Edge]] = defaultdict(list)
    for edge in answer.edges:
        by_value[edge.node].append(edge)
    nodes = {n.id: n for n in answer.nodes}
    co_accused: list[SharedValue] = []
    shared: list[SharedValue] = []
    vehicles: list[SharedValue] = []
    elsewhere = _other_states_cases(by_value, own)
    for node_id, edges in sorted(by_value.items()):
        if node_id in elsewhere:
            continue
        kind, value = split_node(node_id)
        mine = tuple(sorted({e.record_id for e in edges if e.record_id in own}))
        if not mine:
            continue  # reached through someone else: their business, not this profile's
        holders = [
            Holder(_holder_name(view, kind, value), e.relation, Fact.of(view))
            for e in sorted(edges, key=lambda e: e.record_id)
            if e.record_id not in own and (view := views.get(e.record_id)) is not None
        ]
        found = nodes.get(node_id)
        held = found.suppressed if found is not None else None
        line = SharedValue(
            what="FIR" if kind is NodeKind.FIR else _SHARED_KINDS.get(kind, kind.value),
            value=value,
            own=mine,
            others=tuple(holders[:MAX_HOLDERS]),
            more=max(0, len(holders) - MAX_HOLDERS),
            suppressed=held.reason if held is not None else None,
            suppressed_holders=held.holders if held is not None else 0,
        )
        if kind is NodeKind.VEHICLE:
            vehicles.append(line)
        elif not holders and held is None:
            continue  # the profile's own value, nobody else's: not a connection
        elif kind is NodeKind.FIR:
            co_accused.append(line)
        else:
            shared.append(line)
    return NetworkSummary(
        hops=HOPS,
        co_accused=tuple(co_accused),
        shared=tuple(shared),
        vehicles=tuple(vehicles),
        hubs=_hubs(answer, nodes, views),
        nodes=len(answer.nodes),
        edges=len(answer.edges),
        truncated=answer.truncated,
    )


def _other_states_cases(by_value: Mapping[str, list[Edge]], own: set[str]) -> set[str]:
    """The stated FIR nodes this profile reaches only through an inmate's tie, when its own
    CCTNS record states the case in another state.

    An e-Prisons case names its FIR without the state, so the store ties the inmate to every
    state's case of that station code, year and number (`network.store`). When the profile's
    own accused record says which state's case it is, the others are other people's cases,
    never co-accused; without one (an inmate alone), each is shown: any could be his."""
    stated: dict[str, set[str]] = defaultdict(set)  # stateless node → its stated nodes reached
    owned: dict[str, set[str]] = defaultdict(set)  # stateless node → those the profile states
    for node, edges in by_value.items():
        unstated = unstated_fir_node(node)
        if unstated is None:
            continue
        stated[unstated].add(node)
        tied = {e.record_id for e in by_value.get(unstated, ())}
        if any(e.record_id in own and e.record_id not in tied for e in edges):
            owned[unstated].add(node)
    return {n for u, nodes in stated.items() if owned[u] for n in nodes - owned[u]}


def _hubs(
    answer: NetworkAnswer, nodes: Mapping[str, NodeOut], views: Mapping[str, RecordView]
) -> tuple[HubLine, ...]:
    if answer.analysis is None:
        return ()
    top = {h.node: h for h in answer.analysis.by_degree[:TOP_HUBS]}
    for hub in answer.analysis.by_betweenness[:TOP_HUBS]:
        top.setdefault(hub.node, hub)
    lines = []
    for hub in sorted(top.values(), key=lambda h: (-h.degree, -h.betweenness, h.node)):
        if hub.node not in nodes:
            continue
        lines.append(HubLine(_describe(nodes[hub.node], views), hub.degree, hub.betweenness))
    return tuple(lines)


def _describe(node: NodeOut, views: Mapping[str, RecordView]) -> str:
    if node.kind is not NodeKind.RECORD:
        what = {NodeKind.FIR: "FIR", **_SHARED_KINDS}.get(node.kind, node.kind.value)
        return f"{what} {node.value}"
    view = views.get(node.value)
    name = _holder_name(view, NodeKind.RECORD, "") if view is not None else None
    return f"record {node.value}" + (f" ({name})" if name else "")


def _holder_name(view: RecordView, kind: NodeKind, value: str) -> str | None:
    """The subject of the record holding the value: for a phone or an e-mail the one whose it
    is (an NCRP complaint names several suspects), else the record's first subject."""
    people = list(people_of(view))
    if kind in (NodeKind.PHONE, NodeKind.EMAIL):
        key = "phones" if kind is NodeKind.PHONE else "emails"
        for person in people:
            held = [str(v).lower() for v in person.get(key) or ()]
            if value.lower() in held:
                return _name(person)
    return next((n for n in map(_name, people) if n), None)


def _name(person: Mapping[str, object]) -> str | None:
    for key in ("name", "name_local"):
        if person.get(key):
            return str(person[key])
    return None

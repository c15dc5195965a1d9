"""Request and response models of the network routes (`api.routes.network`)."""

from __future__ import annotations

import itertools
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from network import NetworkAnswer, NodeKind, PathsAnswer
from network.analysis import Analysis
from network.model import Edge
from network.service import NodeOut


class ValueKind(StrEnum):
    """The kinds of value a network can be seeded with (a record is opened by its profile)."""

    PHONE = NodeKind.PHONE.value
    EMAIL = NodeKind.EMAIL.value
    UPI = NodeKind.UPI.value
    BANK_ACCOUNT = NodeKind.BANK_ACCOUNT.value
    ADDRESS = NodeKind.ADDRESS.value
    VEHICLE = NodeKind.VEHICLE.value
    DRIVING_LICENCE = NodeKind.DRIVING_LICENCE.value
    ARMS_LICENCE = NodeKind.ARMS_LICENCE.value
    PASSPORT = NodeKind.PASSPORT.value
    FIR = NodeKind.FIR.value


class NetworkFormat(StrEnum):
    JSON = "json"
    GRAPHML = "graphml"


class SuppressedOut(BaseModel):
    reason: str = Field(
        description="`placeholder` (a value that stands for nobody: `9999999999`, a station's "
        "phone on the operator's stop-list) or `hub` (more holders than the learnt cap)."
    )
    holders: int = Field(description="Records holding the value that you may see.")
    at_least: bool = Field(description="The count stopped at its limit: at least this many.")


class NetworkNodeOut(BaseModel):
    id: str = Field(description="`record:{record_id}` or `{kind}:{value}`.")
    kind: NodeKind
    value: str
    hop: int = Field(description="Edges from the nearest seed (0: a seed).")
    label: str | None = Field(None, description="A record's subject as you may see the name.")
    source: str | None = None
    record_kind: str | None = None
    profile_id: str | None = Field(
        None, description="Opens the record's whole profile (`GET /v1/persons/{profile_id}`)."
    )
    suppressed: SuppressedOut | None = Field(
        None, description="Shown but not followed: it joins nobody."
    )


class NetworkEdgeOut(BaseModel):
    """One record's tie to one value: the evidence."""

    record_node: str
    value_node: str
    relation: str = Field(description="What the record says: `accused in`, `owner of`, ...")
    record_id: str
    source: str
    at: datetime = Field(description="The record's event date, else the source's update time.")


class HubOut(BaseModel):
    node: str
    degree: int
    betweenness: float


class AnalysisOut(BaseModel):
    communities: list[list[str]] = Field(
        description="Louvain communities of the answer's graph, largest first (no singletons)."
    )
    hubs_by_degree: list[HubOut]
    hubs_by_betweenness: list[HubOut]


class NetworkOut(BaseModel):
    request_id: str
    seeds: list[str]
    nodes: list[NetworkNodeOut]
    edges: list[NetworkEdgeOut]
    truncated: list[str] = Field(
        description="Why the answer is not the whole neighbourhood (a node or edge cap), if so."
    )
    caps: dict[str, int] = Field(
        description="Per kind of value, how many holders make it a hub (learnt from the data)."
    )
    analysis: AnalysisOut | None = None


class PathOut(BaseModel):
    length: int = Field(description="Edges on the path.")
    nodes: list[str]
    edges: list[NetworkEdgeOut] = Field(description="The evidence of each step, in order.")


class PathsOut(BaseModel):
    request_id: str
    from_seeds: list[str]
    to_seeds: list[str]
    max_hops: int
    paths: list[PathOut] = Field(description="Shortest paths; empty: none within `max_hops`.")
    nodes: list[NetworkNodeOut]
    truncated: list[str]


def node_out(node: NodeOut) -> NetworkNodeOut:
    s = node.suppressed
    return NetworkNodeOut(
        id=node.id,
        kind=node.kind,
        value=node.value,
        hop=node.hop,
        label=node.label,
        source=node.source,
        record_kind=node.record_kind,
        profile_id=node.profile_id,
        suppressed=None if s is None else SuppressedOut(**vars(s)),
    )


def edge_out(edge: Edge) -> NetworkEdgeOut:
    return NetworkEdgeOut(
        record_node=edge.record_node,
        value_node=edge.node,
        relation=edge.relation,
        record_id=edge.record_id,
        source=edge.source.value,
        at=edge.at,
    )


def analysis_out(a: Analysis) -> AnalysisOut:
    return AnalysisOut(
        communities=[list(c) for c in a.communities],
        hubs_by_degree=[HubOut(**vars(h)) for h in a.by_degree],
        hubs_by_betweenness=[HubOut(**vars(h)) for h in a.by_betweenness],
    )


def network_out(answer: NetworkAnswer, seeds: list[str], request_id: str) -> NetworkOut:
    return NetworkOut(
        request_id=request_id,
        seeds=seeds,
        nodes=[node_out(n) for n in answer.nodes],
        edges=[edge_out(e) for e in answer.edges],
        truncated=list(answer.truncated),
        caps={k.value: v for k, v in sorted(answer.caps.by_kind.items())},
        analysis=None if answer.analysis is None else analysis_out(answer.analysis),
    )


def paths_out(answer: PathsAnswer, a: list[str], b: list[str], request_id: str) -> PathsOut:
    by_pair = {(e.record_node, e.node): e for e in answer.network.edges}
    paths = []
    for path in answer.paths:
        steps = []
        for x, y in itertools.pairwise(path):
            steps.append(by_pair.get((x, y)) or by_pair[(y, x)])
        paths.append(
            PathOut(length=len(path) - 1, nodes=list(path), edges=[edge_out(e) for e in steps])
        )
    return PathsOut(
        request_id=request_id,
        from_seeds=a,
        to_seeds=b,
        max_hops=answer.max_hops,
        paths=paths,
        nodes=[node_out(n) for n in answer.network.nodes],
        truncated=list(answer.network.truncated),
    )

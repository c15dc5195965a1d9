"""The graph's vocabulary: what a node is, what an edge says, and which data class each shows.

The stored graph is bipartite. On one side are **records** (`record:{record_id}`): a CCTNS
accused, an e-Prisons inmate, a Vahan owner, an NCRP complaint (its suspects), ...; on the other
are the **values** they carry (`phone:+919876543210`, `fir:1234/2024/0123` (a FIR without its
state, `network.extract`), `vehicle:MH12AB1234`, ...). Two records are connected when they share
a value: a co-accused pair through their FIR, a cyber-fraud suspect and a vehicle owner through
a phone. Every edge comes from exactly one record, so every edge carries its evidence (source,
record id, relation, time) and the access policy decides edge by edge whether a caller may see
it.

People are not stored as nodes of their own: a person is a profile (`federation`), computed with
today's evidence. A record node that names a person carries the sealed profile id of its record,
which opens the whole profile (`GET /v1/persons/{profile_id}`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from auth.data_classes import DataClass
from records import Kind, Sensitivity, Source


class NodeKind(StrEnum):
    RECORD = "record"
    PHONE = "phone"
    EMAIL = "email"
    UPI = "upi"
    BANK_ACCOUNT = "bank_account"
    ADDRESS = "address"
    VEHICLE = "vehicle"
    DRIVING_LICENCE = "driving_licence"
    ARMS_LICENCE = "arms_licence"
    PASSPORT = "passport"
    FIR = "fir"


# Which data class a value node shows: a caller who may not see a record's phones (an officer
# outside his state) does not see that record's edge to its phone either, so the graph never
# reveals what the record view would withhold.
DATA_CLASS: dict[NodeKind, DataClass] = {
    NodeKind.PHONE: DataClass.PHONE,
    NodeKind.EMAIL: DataClass.EMAIL,
    NodeKind.UPI: DataClass.FINANCIAL,
    NodeKind.BANK_ACCOUNT: DataClass.FINANCIAL,
    NodeKind.ADDRESS: DataClass.ADDRESS,
    NodeKind.VEHICLE: DataClass.VEHICLE,
    NodeKind.DRIVING_LICENCE: DataClass.IDENTITY_NUMBER,
    NodeKind.ARMS_LICENCE: DataClass.IDENTITY_NUMBER,
    NodeKind.PASSPORT: DataClass.IDENTITY_NUMBER,
    NodeKind.FIR: DataClass.CASE,
}


def node_id(kind: NodeKind, value: str) -> str:
    return f"{kind.value}:{value}"


def record_node(record_id: str) -> str:
    return node_id(NodeKind.RECORD, record_id)


def split_node(node: str) -> tuple[NodeKind, str]:
    """Inverse of `node_id`; ValueError on anything else."""
    kind, sep, value = node.partition(":")
    if not sep or not value:
        raise ValueError(f"node {node!r} is not of the form '<kind>:<value>'")
    return NodeKind(kind), value


@dataclass(frozen=True)
class Edge:
    """One record's tie to one value, with what the policy needs to decide who sees it."""

    record_id: str
    node: str  # the value node
    relation: str  # what the record says: "accused in", "owner of", "suspect's UPI id", ...
    source: Source
    kind: Kind
    state: str | None
    district: str | None
    police_station: str | None
    labels: frozenset[Sensitivity]
    at: datetime  # the record's event date, else the source's update time

    @property
    def record_node(self) -> str:
        return record_node(self.record_id)

    @property
    def data_class(self) -> DataClass:
        return DATA_CLASS[split_node(self.node)[0]]

"""A record's edges: which values it ties its record node to, and how it names the tie.

Only what the record says about its subjects becomes an edge: never a complainant (a victim's
identity does not leave the API) nor the guardian who reported a missing child, and no contact
detail of a child's record. NCRP's identifiers are its suspects' (`connectors.ncrp`).

A FIR's node is the FIR with its state when the record states it (`fir:MH/0412/2024/123`, a
CCTNS case): station codes repeat from state to state, so the same code, year and number in
Karnataka is another case and another node. An e-Prisons case names its FIR by station code and
number only (`records.firs`); its node is the FIR without a state (`fir:0412/2024/123`), and the
store ties the inmate to every stated case that this stateless FIR could be
(`network.store`): an inmate meets the accused of that FIR in whichever state it was
registered, and two accused of different states meet only through an inmate whose case could
be either, never directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, time

from matching import identifiers as ids
from records import IdType, Kind, Record, Sensitivity
from records.firs import UNSTATED, fir_without_state

from .model import Edge, NodeKind, node_id

_IDENTIFIER_NODES: dict[IdType, NodeKind] = {
    IdType.MOBILE: NodeKind.PHONE,
    IdType.EMAIL: NodeKind.EMAIL,
    IdType.UPI: NodeKind.UPI,
    IdType.BANK_ACCOUNT: NodeKind.BANK_ACCOUNT,
    IdType.REGISTRATION: NodeKind.VEHICLE,
    IdType.DRIVING_LICENCE: NodeKind.DRIVING_LICENCE,
    IdType.ARMS_LICENCE: NodeKind.ARMS_LICENCE,
    IdType.PASSPORT: NodeKind.PASSPORT,
    IdType.FIR: NodeKind.FIR,
}

_CONTACTS = frozenset({NodeKind.PHONE, NodeKind.EMAIL, NodeKind.ADDRESS})

# How a record of each kind names its tie to a value; the value's kind completes it.
_RELATION: dict[tuple[Kind, NodeKind], str] = {
    (Kind.ACCUSED, NodeKind.FIR): "accused in",
    (Kind.INMATE, NodeKind.FIR): "imprisoned on",
    (Kind.VEHICLE_REGISTRATION, NodeKind.VEHICLE): "owner of",
    (Kind.VEHICLE_REPORT, NodeKind.VEHICLE): "reported in",
    (Kind.VEHICLE_REPORT, NodeKind.FIR): "theft report",
    (Kind.DRIVING_LICENCE, NodeKind.DRIVING_LICENCE): "holder of",
    (Kind.ARMS_LICENCE, NodeKind.ARMS_LICENCE): "holder of",
    (Kind.FOREIGNER, NodeKind.PASSPORT): "holder of",
    (Kind.CYBER_COMPLAINT, NodeKind.PHONE): "suspect's phone",
    (Kind.CYBER_COMPLAINT, NodeKind.UPI): "suspect's UPI id",
    (Kind.CYBER_COMPLAINT, NodeKind.BANK_ACCOUNT): "suspect's bank account",
    (Kind.CYBER_COMPLAINT, NodeKind.EMAIL): "suspect's e-mail",
}


def relation(kind: Kind, node: NodeKind) -> str:
    return _RELATION.get((kind, node), f"{node.value.replace('_', ' ')} of")


_ADDRESS_NOISE = re.compile(r"[^0-9A-Z\u0900-\u0DFF]+")


def address_key(address: str) -> str | None:
    """An address as a node value: upper case, punctuation and spacing folded, so that
    `12, M.G. Road, Pune 411001` and `12 MG ROAD PUNE` are one node. Too short to place anyone
    (`NA`, `PUNE`) is no node."""
    folded = _ADDRESS_NOISE.sub(" ", address.upper()).split()
    if folded and len(folded[-1]) == 6 and folded[-1].isdigit():
        folded = folded[:-1]  # the PIN code: one source writes it, another does not
    key = " ".join(folded)
    return key if len(folded) >= 3 and len(key) >= 10 else None


def _when(record: Record) -> datetime:
    if record.event_date is not None:
        return datetime.combine(record.event_date, time(), tzinfo=UTC)
    return record.provenance.source_updated_at


def edges_of(record: Record) -> list[Edge]:
    """Every edge the record gives, once each (the same phone twice is one edge)."""
    subjects = record.subjects()
    if not subjects and record.kind is not Kind.VEHICLE_REPORT:
        return []  # nobody to tie (an unidentified found person still has subjects)
    values: dict[str, NodeKind] = {}
    for ident in record.identifiers:
        kind = _IDENTIFIER_NODES.get(ident.type)
        if kind is NodeKind.FIR:
            if case := fir_node_value(ident.value):
                values.setdefault(node_id(kind, case), kind)
        elif kind is not None and not ident.partial and ident.value:
            values.setdefault(node_id(kind, ident.value), kind)
    if record.vehicle is not None and record.vehicle.registration_no:
        values.setdefault(
            node_id(NodeKind.VEHICLE, record.vehicle.registration_no), NodeKind.VEHICLE
        )
    for person in subjects:
        for phone in person.phones:
            values.setdefault(node_id(NodeKind.PHONE, phone), NodeKind.PHONE)
        for email in person.emails:
            values.setdefault(node_id(NodeKind.EMAIL, email.lower()), NodeKind.EMAIL)
        key = address_key(person.address) if person.address else None
        if key is not None:
            values.setdefault(node_id(NodeKind.ADDRESS, key), NodeKind.ADDRESS)
    if Sensitivity.CHILD in record.sensitivity:
        values = {n: k for n, k in values.items() if k not in _CONTACTS}
    at = _when(record)
    return [
        Edge(
            record_id=record.record_id,
            node=node,
            relation=relation(record.kind, kind),
            source=record.source,
            kind=record.kind,
            state=record.state,
            district=record.district,
            police_station=record.police_station,
            labels=record.sensitivity,
            at=at,
        )
        for node, kind in sorted(values.items())
    ]


def _digits(value: str) -> str | None:
    return "".join(c for c in value if c.isdigit()) or None


def _email(value: str) -> str | None:
    text = value.strip().lower()
    return text if "@" in text else None


def fir_node_value(value: str) -> str | None:
    """A stored FIR's node value: `MH/0412/2024/123` as it is, a FIR without its state
    (`0412/2024/123`, or written with the placeholder state) without one."""
    parts = value.split("/")
    if len(parts) == 4 and parts[0] and parts[0] != UNSTATED:
        return value
    return fir_without_state(value)


def unstated_fir_node(node: str) -> str | None:
    """The stateless node a stated FIR node is one reading of (`fir:MH/0412/2024/123` →
    `fir:0412/2024/123`); None for any other node."""
    if _fir_parts(node) != 4:
        return None
    return node_id(NodeKind.FIR, node.partition(":")[2].partition("/")[2])


def is_unstated_fir_node(node: str) -> bool:
    """`fir:0412/2024/123`: an e-Prisons case's FIR, without its state."""
    return _fir_parts(node) == 3


def _fir_parts(node: str) -> int:
    """How many parts a FIR node's value has (0 for any other node)."""
    kind, _, value = node.partition(":")
    return value.count("/") + 1 if kind == NodeKind.FIR.value else 0


def _fir(value: str) -> str | None:
    """A FIR as an officer writes it as its node's value, in the form the connectors store
    (`matching.identifiers.normalise_fir`): `MH/0412/2024/0123` and `mh/0412/123/2024` (number
    before year, as a FIR is often cited: "FIR 123/2024") reach `fir:MH/0412/2024/123`; written
    without its state (`0412/2024/123`) it reaches the stateless node, which the network service
    widens to every state's case of that station code, year and number."""
    parts = value.strip().upper().replace(" ", "").split("/")
    state = UNSTATED
    if len(parts) == 4:
        state, parts = parts[0], parts[1:]
        if not (1 <= len(state) <= 3 and state.isalnum()):
            return None  # a state code is two letters (some registers write its two digits)
    if len(parts) != 3:
        return None
    ps_code, year, number = parts
    if _is_year(number) and not _is_year(year):
        year, number = number, year
    normalised = ids.normalise_fir(state, ps_code, f"{number}/{year}")
    return normalised if state != UNSTATED else fir_without_state(normalised)


def _is_year(text: str) -> bool:
    return len(text) == 4 and text.isdigit() and 1900 <= int(text) <= 2099


_NORMALISE: dict[NodeKind, Callable[[str], str | None]] = {
    NodeKind.PHONE: ids.normalise_mobile,
    NodeKind.EMAIL: _email,
    NodeKind.UPI: ids.normalise_upi,
    NodeKind.BANK_ACCOUNT: _digits,
    NodeKind.ADDRESS: address_key,
    NodeKind.VEHICLE: ids.normalise_registration,
    NodeKind.DRIVING_LICENCE: ids.normalise_dl,
    NodeKind.ARMS_LICENCE: ids.normalise_arms_licence,
    NodeKind.PASSPORT: ids.normalise_passport,
    NodeKind.FIR: _fir,
}


def value_node(kind: NodeKind, written: str) -> str | None:
    """The node of a value as an officer writes it (`+91 98220 00001`, `mh-12-ab-1234`),
    normalised as the connectors normalise it; None when it is no valid value of its kind."""
    normalise = _NORMALISE.get(kind)
    value = normalise(written) if normalise is not None else None
    return node_id(kind, value) if value else None

"""What a caller may see of the graph: the policy applied to every edge, before any traversal.

An edge comes from one record, so it is visible exactly when the caller may see that record
(`auth.policy.Visibility`, pushed into the SQL as the backends push it into their queries)
**and** the value's data class in that record (`auth.policy.Policy.granted`: an officer outside
his state sees identity and status, not a record's phones, so not its edge to a phone either).
Traversal, counts, caps and path lengths are all computed over visible edges only: a hidden
record changes nothing in an answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from auth.data_classes import DataClass
from auth.principal import Caller
from federation.policy import Policy, filters_of
from indexer.backends.base import Filters
from records import Provenance, Record, make_record_id

from .model import Edge
from .store import Where

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def where_of(filters: Filters) -> Where:
    """The SQL condition on `edges` for the caller's visibility (the backends' own test)."""
    parts: list[str] = []
    params: list[Any] = []

    def among(column: str, values: Iterable[str]) -> None:
        chosen = sorted(values)
        if not chosen:
            parts.append("0")
            return
        parts.append(f"{column} IN ({','.join('?' * len(chosen))})")
        params.extend(chosen)

    if filters.sources is not None:
        among("source", (s.value for s in filters.sources))
    if filters.kinds is not None:
        among("kind", (k.value for k in filters.kinds))
    if filters.states is not None:
        among("state", filters.states)
    for rule in filters.hidden:
        condition = "instr(labels, ?) > 0"
        params.append(f"|{rule.label.value}|")
        if rule.except_states:
            states = sorted(rule.except_states)
            condition += f" AND COALESCE(state, '') NOT IN ({','.join('?' * len(states))})"
            params.extend(states)
        parts.append(f"NOT ({condition})")
    return Where(" AND ".join(parts) or "1", tuple(params))


@dataclass
class Access:
    """One request's view of the graph: the SQL filter and the per-edge data-class check."""

    policy: Policy
    caller: Caller
    where: Where = field(init=False)
    _granted: dict[tuple[Any, ...], frozenset[DataClass]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.where = where_of(filters_of(self.policy.visibility(self.caller)))

    def _classes(self, edge: Edge) -> frozenset[DataClass]:
        return self.classes(
            (edge.source, edge.kind, edge.state, edge.district, edge.police_station, edge.labels)
        )

    def classes(self, place: tuple[Any, ...]) -> frozenset[DataClass]:
        """The data classes granted in a record of this (source, kind, state, district,
        police station, labels): `Policy.granted` depends on nothing else, so it is asked once
        per distinct place, on a stand-in record carrying just those."""
        found = self._granted.get(place)
        if found is None:
            source, kind, state, district, police_station, labels = place
            stand_in = Record(
                record_id=make_record_id(source, "network"),
                source=source,
                kind=kind,
                state=state,
                district=district,
                police_station=police_station,
                sensitivity=labels,
                provenance=Provenance(
                    source=source,
                    native_id="network",
                    source_updated_at=_EPOCH,
                    fetched_at=_EPOCH,
                ),
            )
            found = self._granted[place] = self.policy.granted(self.caller, stand_in)
        return found

    def count(self, node_class: DataClass, groups: Iterable[tuple[tuple[Any, ...], int]]) -> int:
        """How many of a value's holders (`GraphStore.holder_groups`) the caller may see."""
        return sum(n for place, n in groups if node_class in self.classes(place))

    def shows(self, edge: Edge) -> bool:
        """Whether the caller may see this edge (it is already within `where`)."""
        return edge.data_class in self._classes(edge)

    def keep(self, edges: Iterable[Edge]) -> list[Edge]:
        return [e for e in edges if self.shows(e)]

"""Registers read from the whole index: the sexual-offender register (NDSO) and the
proclaimed-offenders list as officers see it.

**NDSO register.** A person convicted under a sexual-offence section: a CCTNS accused row whose
status is `CONVICTED` on a FIR citing such a section, or an e-Prisons inmate in the `CONVICT`
category whose cases cite one. "Sexual-offence section" is what the offence classifier says
(`records/offences.toml`), read from the record's own sections, never from a label the index
propagated from another record. A row whose status, category or sections arrived damaged is not
registered on a guess: it is listed for REVIEW, with why. Records of one person are grouped by
the index's deterministic links (FIR + station shared by CCTNS and e-Prisons, a DL, a passport),
so an inmate and his accused rows are one entry. The entry's police station is the one of his
latest CCTNS accused row (no source records a residence's station; an FIR is registered where
the offender lived or acted, and the station can correct the register).

**Proclaimed offenders for officers.** Every CCTNS accused row flagged
`IS_PROCLAIMED_OFFENDER = Y`, whatever its status (the officer sees the status), unlike the
public list (`federation.proclaimed`), which publishes only the subset a proclamation may show.

Both are cut to the caller's policy like a search: a record the caller may not see is not
listed, a field it may not see is withheld. The index is read through (`Backend.records`) at most
every `REFRESH_S` seconds, as for the public list.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from auth.principal import Caller
from indexer.backends.base import Backend
from matching import api as matching
from records import Kind, Record, Sensitivity, Source
from records.offences import labels_for_sections

from .policy import Policy, filters_of, is_visible
from .refreshed import Refreshed
from .views import RecordView, record_view

REFRESH_S = 600.0
CONVICTED = "CONVICTED"  # CCTNS ACCUSED_STATUS
CONVICT = "CONVICT"  # e-Prisons category
# An accused row links to the inmate citing its FIR, who links to his other FIRs' rows.
LINK_HOPS = 2
# Fields whose damage leaves the conviction or the offence unknown.
_DECISIVE = ("status", "accused_status", "category", "act_section", "sections", "cases")


@dataclass(frozen=True)
class Conviction:
    record_id: str
    source: str
    fir: str | None
    sections: str


@dataclass(frozen=True)
class Station:
    state: str | None
    district: str | None
    police_station: str | None  # code
    police_station_name: str | None


@dataclass(frozen=True)
class Offender:
    """One registered person: the records that register him and those the index links to him."""

    record_ids: tuple[str, ...]  # the register's records first, then linked ones
    convictions: tuple[Conviction, ...]
    station: Station
    review: tuple[str, ...] = ()  # why a part of the entry needs a person to look

    @property
    def key(self) -> str:
        return self.record_ids[0]


@dataclass(frozen=True)
class RegisterEntry:
    offender: Offender
    records: tuple[RecordView, ...]  # as the caller may see them
    names: tuple[str, ...]


@dataclass(frozen=True)
class Review:
    """A record that might register someone, read too damaged to decide."""

    record_id: str
    reason: str


@dataclass
class _Snapshot:
    offenders: list[Offender] = field(default_factory=list)
    review: list[Review] = field(default_factory=list)
    proclaimed: list[Record] = field(default_factory=list)
    records: dict[str, Record] = field(default_factory=dict)


# --- who is on the register ---------------------------------------------------------------------


def _sections(record: Record) -> list[tuple[str | None, str]]:
    """(FIR, sections) pairs the record cites."""
    if record.source is Source.CCTNS and record.kind is Kind.ACCUSED:
        text = record.attributes.get("act_section")
        fir = next((i.value for i in record.identifiers if i.type.value == "fir"), None)
        return [(fir, str(text))] if text else []
    if record.source is Source.EPRISONS and record.kind is Kind.INMATE:
        cases = record.attributes.get("cases") or []
        out = []
        for case in cases if isinstance(cases, list) else []:
            if isinstance(case, dict) and case.get("sections"):
                fir = case.get("firNumber")
                station = case.get("policeStation") or case.get("psCode")
                out.append((f"{fir} {station}" if fir else None, str(case["sections"])))
        return out
    return []


def _convicted(record: Record) -> bool:
    if record.source is Source.CCTNS:
        return (record.status or "").upper() == CONVICTED
    return str(record.attributes.get("category") or "").upper() == CONVICT


def convictions(record: Record) -> list[Conviction]:
    """The sexual-offence convictions a record states (empty when it states none)."""
    if not _convicted(record):
        return []
    return [
        Conviction(record.record_id, record.source.value, fir, text)
        for fir, text in _sections(record)
        if Sensitivity.SEXUAL_OFFENCE in labels_for_sections(text)
    ]


def _damaged(record: Record) -> str | None:
    fields = [i.field for i in record.data_issues]
    bad = [f for f in fields if any(d in f.lower() for d in _DECISIVE)]
    return ", ".join(bad) if bad else None


def _candidate(record: Record) -> bool:
    """Could this record register someone (a sexual-offence FIR or case, or a sexual label)?"""
    if record.kind not in (Kind.ACCUSED, Kind.INMATE):
        return False
    return Sensitivity.SEXUAL_OFFENCE in record.sensitivity or any(
        Sensitivity.SEXUAL_OFFENCE in labels_for_sections(t) for _, t in _sections(record)
    )


def _station(records: Sequence[Record]) -> Station:
    accused = [r for r in records if r.source is Source.CCTNS and r.kind is Kind.ACCUSED]
    pool = accused or list(records)
    latest = max(pool, key=lambda r: (r.event_date or date.min, r.record_id))
    return Station(
        state=latest.state,
        district=latest.district,
        police_station=latest.police_station,
        police_station_name=(
            str(latest.attributes["ps_name"]) if latest.attributes.get("ps_name") else None
        ),
    )


def _components(ids: Sequence[str], links: Iterable[tuple[str, str]]) -> list[list[str]]:
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in links:
        if a in parent and b in parent:
            parent[find(a)] = find(b)
    groups: dict[str, list[str]] = {}
    for i in ids:
        groups.setdefault(find(i), []).append(i)
    return [sorted(g) for g in groups.values()]


def register(backend: Backend, records: Iterable[Record]) -> tuple[list[Offender], list[Review]]:
    """The register built from `records` (the whole index): offenders, and the records that
    need a person to decide."""
    convicting: dict[str, list[Conviction]] = {}
    by_id: dict[str, Record] = {}
    review: list[Review] = []
    for record in records:
        if not _candidate(record):
            continue
        by_id[record.record_id] = record
        found = convictions(record)
        damaged = _damaged(record)
        if found:
            convicting[record.record_id] = found
        elif damaged:
            review.append(Review(record.record_id, f"sexual-offence record with damaged {damaged}"))
    ids = sorted(convicting)
    # the people the index links to each registering record: their other accused rows and
    # inmate records (a conviction on one FIR registers the person, not the FIR)
    links: list[tuple[str, str]] = []
    frontier, reached = list(ids), set(ids)
    for _ in range(LINK_HOPS):
        if not frontier:
            break
        edges = [(link.a, link.b) for link in backend.links(frontier)]
        links.extend(edges)
        frontier = sorted({x for pair in edges for x in pair} - reached)
        reached |= set(frontier)
    linked = sorted(reached - set(ids))
    for record in backend.get(linked) if linked else []:
        by_id[record.record_id] = record
    everyone = sorted(set(ids) | {x for x in linked if x in by_id})
    offenders = []
    for group in _components(everyone, links):
        registering = [i for i in group if i in convicting]
        if not registering:
            continue
        members = registering + [i for i in group if i not in convicting]
        offenders.append(
            Offender(
                record_ids=tuple(members),
                convictions=tuple(c for i in registering for c in convicting[i]),
                station=_station([by_id[i] for i in members]),
            )
        )
    offenders.sort(key=lambda o: (o.station.state or "", o.station.district or "", o.key))
    return offenders, review


# --- the service ---------------------------------------------------------------------------------


def _names(views: Sequence[RecordView]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for view in views:
        for person in view.fields.get("people") or []:
            if not isinstance(person, dict) or person.get("role", "subject") != "subject":
                continue
            for name in (
                person.get("name"),
                person.get("name_local"),
                *(person.get("aliases") or []),
            ):
                if isinstance(name, str) and name.strip():
                    seen.setdefault(name.casefold(), name)
    return tuple(seen.values())


def _matches(query: str | None, names: Sequence[str]) -> bool:
    """A name query against the names shown: a shared phonetic key or a substring."""
    if not query:
        return True
    wanted = matching.name_keys(query)
    folded = query.casefold()
    return any(folded in n.casefold() or wanted & matching.name_keys(n) for n in names)


def _place(state: str | None, district: str | None, where: Station | Record) -> bool:
    if state and (where.state or "").upper() != state.upper():
        return False
    return not district or (where.district or "").upper() == district.upper()


class OffenderIndex:
    """The register and the flagged accused, read from the whole index at most every
    `refresh_s` seconds (no policy: for the services below and the alert matcher)."""

    def __init__(
        self,
        backend: Backend,
        *,
        refresh_s: float = REFRESH_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self._snapshot = Refreshed(self._build, refresh_s=refresh_s, clock=clock)

    def refresh(self) -> None:
        """Read the index again at the next use (after a sync, or in tests)."""
        self._snapshot.refresh()

    def current(self) -> _Snapshot:
        return self._snapshot.current()

    def as_it_was(self, members: Mapping[str, Sequence[str]]) -> _Snapshot:
        """The register read now, cut back to an earlier one (`members`: each offender's key and
        record ids then, as `members_of` gave them): an offender then is one now whose
        convictions include a record of his then, with only the records and convictions he had
        then; an offender registered since is left out. The records are read as they are now."""
        now = self.current()
        then_of = {rid: key for key, ids in members.items() for rid in ids}
        offenders: list[Offender] = []
        for offender in now.offenders:
            keys = {then_of[c.record_id] for c in offender.convictions if c.record_id in then_of}
            then = {rid for key in sorted(keys) for rid in members[key]}
            record_ids = tuple(r for r in offender.record_ids if r in then)
            held = tuple(c for c in offender.convictions if c.record_id in then)
            if record_ids and held:
                offenders.append(replace(offender, record_ids=record_ids, convictions=held))
        wanted = {i for o in offenders for i in o.record_ids}
        records = {i: r for i, r in now.records.items() if i in wanted}
        return _Snapshot(offenders, now.review, now.proclaimed, records)

    def _build(self) -> _Snapshot:
        proclaimed: list[Record] = []
        candidates: list[Record] = []
        for record in self.backend.records():
            if record.attributes.get("proclaimed_offender") is True:
                proclaimed.append(record)
            if _candidate(record):
                candidates.append(record)
        offenders, review = register(self.backend, candidates)
        wanted = {i for o in offenders for i in o.record_ids}
        records = {r.record_id: r for r in candidates if r.record_id in wanted}
        missing = sorted(wanted - set(records))
        records.update({r.record_id: r for r in self.backend.get(missing)})
        return _Snapshot(offenders, review, proclaimed, records)


def members_of(snapshot: _Snapshot) -> dict[str, list[str]]:
    """Each offender's key and record ids: what `OffenderIndex.as_it_was` cuts back to."""
    return {o.key: list(o.record_ids) for o in snapshot.offenders}


class Registers:
    """The registers as a caller may see them."""

    def __init__(self, index: OffenderIndex, policy: Policy) -> None:
        self._index = index
        self._policy = policy
        self._backend = index.backend

    def _current(self) -> _Snapshot:
        return self._index.current()

    def ndso(
        self,
        caller: Caller,
        *,
        name: str | None = None,
        state: str | None = None,
        district: str | None = None,
    ) -> tuple[list[RegisterEntry], list[Review]]:
        snapshot = self._current()
        filters = filters_of(self._policy.visibility(caller))
        out = []
        for offender in snapshot.offenders:
            if not _place(state, district, offender.station):
                continue
            records = [snapshot.records[i] for i in offender.record_ids if i in snapshot.records]
            visible = [r for r in records if is_visible(r, filters)]
            if not any(r.record_id in {c.record_id for c in offender.convictions} for r in visible):
                continue  # the caller may not see what registers him
            views = tuple(record_view(self._policy, caller, r, None) for r in visible)
            names = _names(views)
            if _matches(name, names):
                out.append(RegisterEntry(offender, views, names))
        review = [
            r
            for r in snapshot.review
            if (record := self._record(r.record_id)) is not None
            and is_visible(record, filters)
            and _place(state, district, record)
        ]
        return out, review

    def _record(self, record_id: str) -> Record | None:
        found = self._backend.get([record_id])
        return found[0] if found else None

    def proclaimed(
        self,
        caller: Caller,
        *,
        name: str | None = None,
        state: str | None = None,
        district: str | None = None,
    ) -> list[RecordView]:
        filters = filters_of(self._policy.visibility(caller))
        out = []
        for record in self._current().proclaimed:
            if not is_visible(record, filters) or not _place(state, district, record):
                continue
            view = record_view(self._policy, caller, record, None)
            if _matches(name, _names([view])):
                out.append(view)
        return sorted(
            out,
            key=lambda v: (
                v.fields.get("state") or "",
                v.fields.get("district") or "",
                v.record_id,
            ),
        )

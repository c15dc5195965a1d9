"""Vehicle search: registrations with their owners, theft reports, blacklist and NOC flags.

Records come from the backend (identifier terms within the caller's policy) and, for a plate not
yet synced, from a live Vahan look-up the API performs through an injected `VahanLookup`. This
module only assembles: which registration each report concerns, whether a match is exact or a
fragment, who owned the vehicle when.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from auth.principal import Caller
from indexer.backends.base import Backend, Filters
from records import IdType, Kind, Record, Source

from .planning import VehicleTerms, plan_vehicle
from .policy import Policy, is_visible
from .profile_ids import ProfileIds
from .views import RecordView, record_view


class VahanLookup(Protocol):
    """Point look-ups in Vahan for plates the index does not hold yet (`connectors.sources.vahan`).
    Each returns canonical records (one per owner serial), empty when Vahan knows none."""

    async def by_registration(self, registration_no: str) -> list[Record]: ...

    async def by_chassis(self, chassis_suffix: str) -> list[Record]: ...


class MatchKind(StrEnum):
    EXACT = "exact"  # a full identifier is equal
    PARTIAL = "partial"  # only a fragment (last characters of chassis or engine) agrees


_BLACKLIST_KEYS = ("blacklist_status", "rc_blacklist_status", "blacklist")
_NOC_KEYS = ("noc_details", "rc_noc_details", "noc")


def _flag(record: Record, keys: tuple[str, ...]) -> str | None:
    for source in (record.attributes, record.raw or {}):
        for key in keys:
            value = source.get(key)
            if value not in (None, "", False, "N", "NO"):
                return str(value)
    return None


def blacklist_of(record: Record) -> str | None:
    """Vahan's blacklist status (e.g. `BLACKLISTED-THEFT`), or None."""
    return _flag(record, _BLACKLIST_KEYS)


def noc_of(record: Record) -> str | None:
    return _flag(record, _NOC_KEYS)


def _first(record: Record, id_type: IdType, *, partial: bool | None = None) -> str | None:
    for ident in record.identifiers:
        if ident.type is id_type and (partial is None or ident.partial is partial):
            return ident.value
    return None


def registration_of(record: Record) -> str | None:
    if record.vehicle and record.vehicle.registration_no:
        return record.vehicle.registration_no
    return _first(record, IdType.REGISTRATION)


def chassis_of(record: Record) -> str | None:
    if record.vehicle and record.vehicle.chassis_no:
        return record.vehicle.chassis_no
    return _first(record, IdType.CHASSIS)


def engine_of(record: Record) -> str | None:
    if record.vehicle and record.vehicle.engine_no:
        return record.vehicle.engine_no
    return _first(record, IdType.ENGINE)


def _agrees(query: str | None, value: str | None, *, fragment_ok: bool) -> MatchKind | None:
    if not query or not value:
        return None
    if query == value:
        return MatchKind.EXACT
    if fragment_ok and len(min(query, value, key=len)) >= 5:
        longer, shorter = (query, value) if len(query) >= len(value) else (value, query)
        if longer.endswith(shorter):
            return MatchKind.PARTIAL
    return None


def match_kind(terms: VehicleTerms, record: Record) -> MatchKind | None:
    """How a record agrees with the searched identifiers; None when it does not."""
    found: list[MatchKind] = []
    if terms.registration and registration_of(record) == terms.registration:
        found.append(MatchKind.EXACT)
    chassis = _agrees(terms.chassis, chassis_of(record), fragment_ok=True)
    engine = _agrees(terms.engine, engine_of(record), fragment_ok=True)
    if chassis is MatchKind.EXACT and not terms.chassis_is_fragment:
        found.append(MatchKind.EXACT)
    elif chassis is not None:
        found.append(MatchKind.PARTIAL)
    if engine is not None:
        found.append(engine)
    if not found:
        return None
    return MatchKind.EXACT if MatchKind.EXACT in found else MatchKind.PARTIAL


@dataclass(frozen=True)
class Owner:
    owner_serial: int | None
    current: bool
    profile_id: str  # the person profile this owner record opens (`GET /v1/persons/{id}`)
    record: RecordView


@dataclass(frozen=True)
class Report:
    match: MatchKind
    status: str | None
    record: RecordView


@dataclass(frozen=True)
class VehicleView:
    registration_no: str | None
    chassis_no: str | None
    engine_no: str | None
    match: MatchKind
    details: dict[str, Any]  # the current registration's vehicle fields as the caller may see
    rc_status: str | None
    blacklisted: bool
    blacklist_status: str | None
    noc_issued: str | None
    live: bool  # found by a live Vahan look-up, not yet in the index
    owners: tuple[Owner, ...]
    reports: tuple[Report, ...]


@dataclass(frozen=True)
class VehicleOutcome:
    vehicles: tuple[VehicleView, ...]
    unlinked_reports: tuple[Report, ...]  # theft reports matching no known registration

    @property
    def record_ids(self) -> list[str]:
        out = [o.record.record_id for v in self.vehicles for o in v.owners]
        out += [r.record.record_id for v in self.vehicles for r in v.reports]
        out += [r.record.record_id for r in self.unlinked_reports]
        return out


def retrieve(
    backend: Backend, terms: VehicleTerms, filters: Filters, *, max_candidates: int
) -> list[Record]:
    """Vehicle records matching the terms within the caller's filters."""
    query = plan_vehicle(terms, filters, max_candidates=max_candidates)
    return [c.record for c in backend.candidates(query) if match_kind(terms, c.record) is not None]


def plates_missing_past_owners(records: list[Record]) -> list[str]:
    """Plates whose current owner serial says there were earlier owners we do not hold."""
    held: dict[str, set[int]] = defaultdict(set)
    current: dict[str, int] = {}
    for r in records:
        if r.kind is not Kind.VEHICLE_REGISTRATION or r.vehicle is None:
            continue
        plate, serial = registration_of(r), r.vehicle.owner_serial
        if plate is None or serial is None:
            continue
        held[plate].add(serial)
        current[plate] = max(current.get(plate, 0), serial)
    return sorted(p for p, top in current.items() if not set(range(1, top)) <= held[p])


def has_registration(records: list[Record]) -> bool:
    return any(r.kind is Kind.VEHICLE_REGISTRATION for r in records)


def _is_report(record: Record) -> bool:
    return record.kind is Kind.VEHICLE_REPORT


def _belongs(report: Record, registration: Record) -> bool:
    reg = registration_of(report)
    if reg and reg == registration_of(registration):
        return True
    chassis = _agrees(chassis_of(report), chassis_of(registration), fragment_ok=True)
    engine = _agrees(engine_of(report), engine_of(registration), fragment_ok=True)
    return chassis is not None or engine is not None


def assemble(
    policy: Policy,
    caller: Caller,
    terms: VehicleTerms,
    records: list[Record],
    filters: Filters,
    *,
    ids: ProfileIds,
    live_ids: frozenset[str] = frozenset(),
    granted: frozenset[str] = frozenset(),
) -> VehicleOutcome:
    """Group registrations by plate, attach reports, cut every record to the caller's view.
    Live records are filtered here (the backend filtered the rest in its query); `granted`
    records (of hit-flag sources, opened by an approved access request) are shown too."""
    visible = {r.record_id: r for r in records if is_visible(r, filters) or r.record_id in granted}
    by_plate: dict[str, list[Record]] = defaultdict(list)
    for r in visible.values():
        if r.kind is Kind.VEHICLE_REGISTRATION:
            by_plate[registration_of(r) or r.record_id].append(r)
    reports = [r for r in visible.values() if _is_report(r)]
    attached: set[str] = set()
    vehicles: list[VehicleView] = []
    for _plate, regs in sorted(by_plate.items()):
        regs.sort(key=lambda r: (r.vehicle.owner_serial or 0) if r.vehicle else 0)
        current = regs[-1]
        mine = [rep for rep in reports if _belongs(rep, current)]
        attached.update(rep.record_id for rep in mine)
        current_view = record_view(policy, caller, current, None)
        details = current_view.fields.get("vehicle")
        kinds = [match_kind(terms, r) for r in regs]
        blacklist = next((b for b in map(blacklist_of, reversed(regs)) if b), None)
        shown = details if isinstance(details, dict) else {}
        vehicles.append(
            VehicleView(
                registration_no=shown.get("registration_no"),
                chassis_no=shown.get("chassis_no"),
                engine_no=shown.get("engine_no"),
                match=MatchKind.EXACT if MatchKind.EXACT in kinds else MatchKind.PARTIAL,
                details=shown,
                rc_status=current.status,
                blacklisted=blacklist is not None,
                blacklist_status=blacklist,
                noc_issued=next((n for n in map(noc_of, reversed(regs)) if n), None),
                live=current.record_id in live_ids,
                owners=tuple(
                    Owner(
                        owner_serial=r.vehicle.owner_serial if r.vehicle else None,
                        current=r is current,
                        profile_id=ids.issue([r.record_id]),
                        record=record_view(policy, caller, r, None),
                    )
                    for r in reversed(regs)
                ),
                reports=tuple(_report(policy, caller, terms, rep) for rep in mine),
            )
        )
    unlinked = tuple(
        _report(policy, caller, terms, rep) for rep in reports if rep.record_id not in attached
    )
    return VehicleOutcome(vehicles=tuple(vehicles), unlinked_reports=unlinked)


def _report(policy: Policy, caller: Caller, terms: VehicleTerms, record: Record) -> Report:
    return Report(
        match=match_kind(terms, record) or MatchKind.PARTIAL,
        status=record.status,
        record=record_view(policy, caller, record, None),
    )


def live_source_allowed(filters: Filters) -> bool:
    return filters.sources is None or Source.VAHAN in filters.sources

"""What a mini-docket says, assembled from a profile read as the caller may see it.

Everything here comes from the *redacted* record views of `federation` (the profile read's
policy path): a field the caller's role may not see is absent from the view and so from the
docket; nothing is read from the records themselves. On top of that the docket never names a
victim, whatever the role may see on screen: people in a record who are not the profile's person
(complainants, a guardian who reported a child) are left out entirely, since a printed page
leaves the system's control.

Every fact carries where it came from: the source, the record id, the source's own update time
and when this system fetched it (`Provenance`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from federation.persons import ProfileRead
from federation.views import RecordView

from .facts import Fact, dict_of, people_of, text_of
from .network import NetworkSummary

# CCTNS statuses that say the person was arrested on that FIR at some point.
ARRESTED = frozenset({"ARRESTED", "CHARGESHEETED", "CONVICTED"})


@dataclass(frozen=True)
class Identity:
    name: str | None  # Latin as written
    name_local: str | None  # the recorded script, beside it
    aliases: tuple[str, ...]
    relative: str | None
    gender: str | None
    born: str | None  # birth date, year, or age on a date: what the record says
    address: str | None
    fact: Fact


@dataclass(frozen=True)
class FirLine:
    fir: str  # normalised: {state}/{ps}/{year}/{number}
    police_station: str | None
    district: str | None
    date: str | None
    sections: str | None
    status: str | None  # the accused's status on it (CCTNS), or the inmate's category
    fact: Fact


@dataclass(frozen=True)
class Arrest:
    fir: str | None
    police_station: str | None
    date: str | None
    status: str
    fact: Fact


@dataclass(frozen=True)
class Custody:
    prisoner_id: str | None
    prison: str | None
    admitted: str | None
    category: str | None
    released: str | None
    release_type: str | None
    parole_until: str | None
    fact: Fact


@dataclass(frozen=True)
class Holding:
    """A vehicle owned, a driving or arms licence held, or another record (a cyber complaint as
    suspect, a foreigner's registration, a missing-person report)."""

    what: str
    number: str | None
    detail: str | None
    status: str | None
    fact: Fact


@dataclass(frozen=True)
class DataIssueLine:
    record_id: str
    field: str
    reason: str


@dataclass(frozen=True)
class Printing:
    """The footer: who printed it, when, and why (also in the audit log)."""

    printed_by: str
    role: str
    agency: str | None
    printed_at: datetime
    purpose: str
    request_id: str | None


@dataclass(frozen=True)
class Docket:
    profile_id: str
    display_name: str | None
    confidence: float
    identities: tuple[Identity, ...]
    firs: tuple[FirLine, ...]
    arrests: tuple[Arrest, ...]
    custody: tuple[Custody, ...]
    vehicles: tuple[Holding, ...]
    licences: tuple[Holding, ...]
    other_records: tuple[Holding, ...]
    network: NetworkSummary
    data_issues: tuple[DataIssueLine, ...]
    restricted: tuple[tuple[str, int], ...]  # records a label hides: label, count
    withheld: int  # field values withheld by the policy, counted
    record_ids: tuple[str, ...]
    printing: Printing
    sources: tuple[tuple[str, str | None], ...] = field(default=())  # source, latest fetch

    @property
    def fir_ids(self) -> list[str]:
        return [f.fir for f in self.firs]

    @property
    def audited_record_ids(self) -> list[str]:
        """Every record the docket prints from: the profile's, then the connected ones."""
        connected = (
            h.fact.record_id
            for group in (self.network.co_accused, self.network.shared, self.network.vehicles)
            for line in group
            for h in line.others
        )
        return list(dict.fromkeys((*self.record_ids, *connected)))


def _identifiers(view: RecordView, kind: str) -> list[str]:
    found = view.fields.get("identifiers")
    return [
        str(i["value"])
        for i in (found if isinstance(found, list) else [])
        if isinstance(i, dict) and i.get("type") == kind and i.get("value")
    ]


def _born(person: dict[str, Any]) -> str | None:
    if person.get("birth_date"):
        return str(person["birth_date"])
    if person.get("birth_year"):
        return f"born {person['birth_year']}"
    if person.get("age_from") is not None:
        span = person["age_from"]
        if person.get("age_to") not in (None, span):
            span = f"{span}-{person['age_to']}"
        on = f" on {person['age_on']}" if person.get("age_on") else ""
        return f"aged {span}{on}"
    return None


def _identities(views: Sequence[RecordView]) -> list[Identity]:
    out: list[Identity] = []
    seen: set[tuple[Any, ...]] = set()
    for view in views:
        for person in people_of(view):
            key = (person.get("name"), person.get("name_local"), view.record_id)
            if key in seen or not (person.get("name") or person.get("name_local")):
                continue
            seen.add(key)
            out.append(
                Identity(
                    name=text_of(person.get("name")),
                    name_local=text_of(person.get("name_local")),
                    aliases=tuple(str(a) for a in person.get("aliases") or ()),
                    relative=_relative(person),
                    gender=text_of(person.get("gender")),
                    born=_born(person),
                    address=text_of(person.get("address")),
                    fact=Fact.of(view),
                )
            )
    return out


def _relative(person: dict[str, Any]) -> str | None:
    name = text_of(person.get("relative_name"))
    if name is None:
        return None
    relation = text_of(person.get("relation"))
    return f"{relation} {name}" if relation and relation != "RELATIVE" else name


def _firs(views: Sequence[RecordView]) -> list[FirLine]:
    """One line per FIR and record citing it: CCTNS accused rows, and e-Prisons inmates' cases
    (the same FIR from both sources shows twice, each with its source)."""
    out: list[FirLine] = []
    for view in views:
        attributes = dict_of(view.fields.get("attributes"))
        firs = _identifiers(view, "fir")
        if view.kind == "accused":
            for fir in firs:
                out.append(
                    FirLine(
                        fir=fir,
                        police_station=_station(attributes.get("ps_name"), view),
                        district=text_of(view.fields.get("district")),
                        date=text_of(view.fields.get("event_date")),
                        sections=text_of(attributes.get("act_section")),
                        status=view.status,
                        fact=Fact.of(view),
                    )
                )
        elif view.kind == "inmate":
            cases = [c for c in attributes.get("cases") or [] if isinstance(c, dict)]
            for fir in firs:
                case = _case_of(fir, cases)
                out.append(
                    FirLine(
                        fir=fir,
                        police_station=text_of(case.get("policeStation")),
                        district=None,
                        date=None,
                        sections=text_of(case.get("sections")),
                        status=f"inmate: {attributes.get('category') or 'category not stated'}",
                        fact=Fact.of(view),
                    )
                )
    return sorted(out, key=lambda f: (f.fir, f.fact.source))


def _case_of(fir: str, cases: list[dict[str, Any]]) -> dict[str, Any]:
    """The inmate's case a normalised FIR came from: `{state}/{ps}/{year}/{number}` against
    the case's `psCode` and `firNumber` (`number/year`)."""
    parts = fir.split("/")
    for case in cases:
        number = str(case.get("firNumber") or "")
        same_station = len(parts) == 4 and str(case.get("psCode") or "") == parts[1]
        if same_station and number.lstrip("0").split("/")[0] == parts[3].lstrip("0"):
            return case
    return {}


def _station(name: Any, view: RecordView) -> str | None:
    code = text_of(view.fields.get("police_station"))
    written = text_of(name)
    if written and code:
        return f"{written} ({code})"
    return written or code


def _arrests(views: Sequence[RecordView]) -> list[Arrest]:
    out = []
    for view in views:
        if view.kind != "accused" or (view.status or "").upper() not in ARRESTED:
            continue
        attributes = dict_of(view.fields.get("attributes"))
        firs = _identifiers(view, "fir")
        out.append(
            Arrest(
                fir=firs[0] if firs else None,
                police_station=_station(attributes.get("ps_name"), view),
                date=text_of(view.fields.get("event_date")),
                status=(view.status or "").upper(),
                fact=Fact.of(view),
            )
        )
    return out


def _custody(views: Sequence[RecordView]) -> list[Custody]:
    out = []
    for view in views:
        if view.kind != "inmate":
            continue
        attributes = dict_of(view.fields.get("attributes"))
        prisoners = _identifiers(view, "prisoner")
        out.append(
            Custody(
                prisoner_id=prisoners[0] if prisoners else None,
                prison=text_of(attributes.get("prison")),
                admitted=text_of(view.fields.get("event_date")),
                category=text_of(attributes.get("category")),
                released=text_of(attributes.get("release_date")),
                release_type=text_of(attributes.get("release_type")),
                parole_until=text_of(attributes.get("parole_until")),
                fact=Fact.of(view),
            )
        )
    return out


def _holding(view: RecordView) -> Holding:
    attributes = dict_of(view.fields.get("attributes"))
    vehicle = dict_of(view.fields.get("vehicle"))
    if view.kind == "vehicle_registration":
        number = text_of(vehicle.get("registration_no"))
        detail = " ".join(
            str(vehicle[k]) for k in ("make_model", "colour", "vehicle_class") if vehicle.get(k)
        )
        return Holding("vehicle (owner)", number, detail or None, view.status, Fact.of(view))
    if view.kind == "driving_licence":
        number = next(iter(_identifiers(view, "driving_licence")), None)
        valid = attributes.get("valid_non_transport") or attributes.get("valid_transport")
        classes = ", ".join(str(c) for c in attributes.get("cov") or [])
        detail = "; ".join(x for x in (classes, f"valid to {valid}" if valid else "") if x)
        return Holding("driving licence", number, detail or None, view.status, Fact.of(view))
    if view.kind == "arms_licence":
        number = next(iter(_identifiers(view, "arms_licence")), None)
        weapon = text_of(attributes.get("weapon_type"))
        valid = text_of(attributes.get("valid_upto"))
        detail = "; ".join(x for x in (weapon, f"valid to {valid}" if valid else None) if x)
        return Holding("arms licence", number, detail or None, view.status, Fact.of(view))
    what = view.kind.replace("_", " ")
    number = None
    for kind in ("passport", "visa", "loc"):
        number = number or next(iter(_identifiers(view, kind)), None)
    return Holding(what, number, None, view.status, Fact.of(view))


def _data_issues(views: Sequence[RecordView]) -> list[DataIssueLine]:
    return [
        DataIssueLine(view.record_id, issue["field"], issue["reason"])
        for view in views
        for issue in view.data_issues
    ]


def _sources(views: Iterable[RecordView]) -> list[tuple[str, str | None]]:
    latest: dict[str, str | None] = {}
    for view in views:
        fetched = Fact.of(view).fetched_at
        if view.source not in latest or (fetched or "") > (latest[view.source] or ""):
            latest[view.source] = fetched
    return sorted(latest.items())


def build(read: ProfileRead, network: NetworkSummary, printing: Printing) -> Docket:
    profile = read.profile
    views = profile.records
    holdings = [_holding(v) for v in views if v.kind not in ("accused", "inmate")]
    return Docket(
        profile_id=profile.profile_id,
        display_name=profile.display_name,
        confidence=profile.confidence,
        identities=tuple(_identities(views)),
        firs=tuple(_firs(views)),
        arrests=tuple(_arrests(views)),
        custody=tuple(_custody(views)),
        vehicles=tuple(h for h in holdings if h.what == "vehicle (owner)"),
        licences=tuple(h for h in holdings if h.what.endswith("licence")),
        other_records=tuple(
            h for h in holdings if h.what != "vehicle (owner)" and not h.what.endswith("licence")
        ),
        network=network,
        data_issues=tuple(_data_issues(views)),
        restricted=tuple((r.label, r.count) for r in profile.restricted),
        withheld=sum(w.count for v in views for w in v.withheld),
        record_ids=tuple(v.record_id for v in views),
        printing=printing,
        sources=tuple(_sources(views)),
    )

"""What the matchers compare: a missing, found or stolen report, or a registration, reduced to the
facts a match is decided on (a `Case`), and kept between syncs as a row of `alert_cases`.

A case is built from one canonical record (`case_of`); the record's labels and data issues come
with it, because what an alert may say (`alerts.content`) and whether it may decide anything
(`review`) depend on them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from matching.identifiers import chassis_suffix, normalise_engine
from records import Kind, Person, PersonRole, Record

MISSING, FOUND, STOLEN, REGISTRATION = "missing", "found", "stolen", "registration"
ADULT_AGE = 18
# A case closed at its source (a traced child, a recovered vehicle) is still compared, so that a
# new record can be ranked against it, but it sends nothing on its own.
CLOSED = frozenset({"TRACED", "CLOSED"})
TAIL = 5  # what a partial chassis or engine report keeps at least (sources/cctns.md)


@dataclass(frozen=True)
class Case:
    record_id: str
    side: str  # missing, found, stolen, registration
    source: str
    status: str | None
    state: str | None
    district: str | None
    police_station: str | None
    station_name: str | None
    event_date: str | None  # ISO: last seen, found, FIR date
    labels: tuple[str, ...] = ()
    review: bool = False  # the record arrived damaged: an alert about it says REVIEW
    # people
    names: tuple[str, ...] = ()
    relative_name: str | None = None
    gender: str | None = None
    born_from: int | None = None
    born_to: int | None = None
    child: bool = False
    height_cm: int | None = None
    complexion: str | None = None
    marks: str | None = None
    clothing: str | None = None
    languages: tuple[str, ...] = ()
    place: str | None = None
    dead_body: bool = False
    # vehicles
    registration_no: str | None = None
    chassis_no: str | None = None
    engine_no: str | None = None
    make_model: str | None = None
    colour: str | None = None
    reported_status: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return (self.status or "").upper() not in CLOSED

    @property
    def chassis_tail(self) -> str | None:
        return chassis_suffix(self.chassis_no, TAIL)

    @property
    def engine_tail(self) -> str | None:
        engine = normalise_engine(self.engine_no)
        return engine[-TAIL:] if engine and len(engine) >= TAIL else None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Case:
        data = dict(data)
        data["labels"] = tuple(data.get("labels") or ())
        data["names"] = tuple(data.get("names") or ())
        data["languages"] = tuple(data.get("languages") or ())
        return cls(**data)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split()).upper()
    return text or None


_NO_MARKS = frozenset({"NONE", "NIL", "NO", "NA", "N/A", "NOT KNOWN"})


def _marks(value: Any) -> str | None:
    text = _text(value)
    return None if text is None or text in _NO_MARKS else text


def _languages(value: Any) -> tuple[str, ...]:
    text = _text(value)
    if text is None:
        return ()
    return tuple(sorted({t.strip() for t in re.split(r"[,/;&]| AND ", text) if t.strip()}))


def birth_years(person: Person, fallback: date | None) -> tuple[int | None, int | None]:
    """The birth years a person's stated age (or age range) allows, widest first: an age `a` on
    day `d` means born in `d.year - a - 1` or `d.year - a`."""
    if person.birth_year is not None:
        return person.birth_year, person.birth_year
    if person.birth_date is not None:
        return person.birth_date.year, person.birth_date.year
    on = person.age_on or fallback
    if on is None or (person.age_from is None and person.age_to is None):
        return None, None
    low = person.age_to if person.age_to is not None else person.age_from
    high = person.age_from if person.age_from is not None else person.age_to
    assert low is not None and high is not None
    return on.year - low - 1, on.year - high


def _subject(record: Record, role: PersonRole) -> Person | None:
    return next((p for p in record.people if p.role is role), None)


def case_of(record: Record) -> Case | None:
    """The case a record makes, or None when it is nothing the matchers compare."""
    common: dict[str, Any] = {
        "record_id": record.record_id,
        "source": record.source.value,
        "status": record.status,
        "state": record.state,
        "district": _text(record.district),
        "police_station": record.police_station,
        "station_name": _text(record.attributes.get("ps_name")),
        "event_date": record.event_date.isoformat() if record.event_date else None,
        "labels": tuple(sorted(s.value for s in record.sensitivity)),
        "review": bool(record.data_issues),
    }
    if record.kind in (Kind.MISSING_PERSON, Kind.FOUND_PERSON):
        missing = record.kind is Kind.MISSING_PERSON
        person = _subject(record, PersonRole.MISSING if missing else PersonRole.FOUND)
        if person is None:
            return None
        born_from, born_to = birth_years(person, record.event_date)
        youngest = person.age_from if person.age_from is not None else person.age_to
        attrs = record.attributes
        height = attrs.get("height_cm")
        return Case(
            side=MISSING if missing else FOUND,
            names=tuple(person.names),
            relative_name=person.relative_name,
            gender=person.gender.value if person.gender else None,
            born_from=born_from,
            born_to=born_to,
            child=record.source.value == "khoyapaya"
            or (youngest is not None and youngest < ADULT_AGE),
            height_cm=height if isinstance(height, int) else None,
            complexion=_text(attrs.get("complexion")),
            marks=_marks(attrs.get("identification_marks") or attrs.get("identifying_marks")),
            clothing=_text(attrs.get("clothing")),
            languages=_languages(attrs.get("languages_spoken")),
            place=_text(attrs.get("last_seen_place") or attrs.get("found_place")),
            dead_body=bool(attrs.get("dead_body")),
            **common,
        )
    vehicle = record.vehicle
    if vehicle is None:
        return None
    if record.kind is Kind.VEHICLE_REPORT:
        side = STOLEN
    elif record.kind is Kind.VEHICLE_REGISTRATION:
        side = REGISTRATION
    else:
        return None
    return Case(
        side=side,
        registration_no=vehicle.registration_no,
        chassis_no=vehicle.chassis_no,
        engine_no=vehicle.engine_no,
        make_model=_text(vehicle.make_model),
        colour=_text(vehicle.colour),
        reported_status=(record.status or "").upper() or None,
        **common,
    )


def recipient(case: Case) -> str:
    """Who is told about a case: its police station, or the district desk where a report names
    none (KhoyaPaya reports come from child-care institutions and citizens)."""
    if case.state and case.police_station:
        return f"station:{case.state}/{case.police_station}"
    if case.state and case.district:
        return f"district:{case.state}/{case.district}"
    return f"state:{case.state or 'XX'}"

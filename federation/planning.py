"""Query planning: the caller's question → one analysed query and one backend candidate query.

The query is analysed once (`matching.api.analyse`) and the analysis is reused for every
candidate; the policy filters are folded into the candidate query so the engine never returns
a record the caller may not see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from indexer.backends.base import CandidateQuery, Filters, IdentifierTerm
from matching import api as matching
from matching import identifiers as ids
from records import Gender, IdType, Kind, Source

from .policy import narrow_kinds, narrow_sources

# Kinds a person search looks at: records *about* a person. Vehicle reports are not.
PERSON_KINDS = frozenset(
    {
        Kind.ACCUSED,
        Kind.INMATE,
        Kind.VEHICLE_REGISTRATION,  # the owner is a person
        Kind.DRIVING_LICENCE,
        Kind.ARMS_LICENCE,
        Kind.CYBER_COMPLAINT,  # suspects only: complainants are never subjects
        Kind.FOREIGNER,
        Kind.MISSING_PERSON,
        Kind.FOUND_PERSON,
    }
)
VEHICLE_KINDS = frozenset({Kind.VEHICLE_REGISTRATION, Kind.VEHICLE_REPORT})


@dataclass(frozen=True)
class PersonSearch:
    """A validated person search as the API hands it to federation."""

    name: str
    relative_name: str | None = None
    birth_year: int | None = None
    age: int | None = None
    tolerance: int = 2
    gender: Gender | None = None
    state: str | None = None
    district: str | None = None
    sources: frozenset[Source] | None = None
    limit: int = 20
    # None: `federation.persons.score_floor` decides (an absolute floor on the calibrated score)
    min_score: float | None = None

    def birth_year_estimate(self, today: date) -> int | None:
        if self.birth_year is not None:
            return self.birth_year
        if self.age is not None:
            return today.year - self.age
        return None


@dataclass(frozen=True)
class PersonPlan:
    analysed: matching.AnalysedQuery
    candidates: CandidateQuery


def plan_person(
    search: PersonSearch, filters: Filters, *, max_candidates: int, today: date
) -> PersonPlan:
    """Analyse once; ask the backend for records sharing a name key or close in name text,
    those agreeing with the relative and birth year first."""
    # An age is "about N": a birth year from it is uncertain by a year even with tolerance 0.
    tolerance = search.tolerance if search.birth_year is not None else max(search.tolerance, 1)
    query = matching.PersonQuery(
        name=search.name,
        relative_name=search.relative_name,
        birth_year=search.birth_year_estimate(today),
        birth_year_tolerance=tolerance,
        gender=search.gender.value if search.gender else None,
        state=search.state,
        district=search.district,
    )
    analysed = matching.analyse(query)
    scoped = narrow_kinds(narrow_sources(filters, search.sources), PERSON_KINDS)
    candidate_query = CandidateQuery(
        name_keys=analysed.keys,
        name_text=analysed.text or None,
        filters=scoped,
        limit=max_candidates,
        # the relative and the birth year steer which records of a common name are kept
        boost_keys=matching.corroboration_keys(analysed),
        near_keys=analysed.near_keys,
    )
    return PersonPlan(analysed=analysed, candidates=candidate_query)


@dataclass(frozen=True)
class VehicleSearch:
    registration_no: str | None = None
    chassis_no: str | None = None
    engine_no: str | None = None


# A full chassis number (a VIN is 17 characters) is long enough to trust as exact; a shorter
# one is a fragment, as CCTNS theft reports often carry (the last 5-6 characters).
FULL_CHASSIS_MIN = 11
# Stored fragments are the last 5..8 characters of a chassis number: a full query number is also
# asked as each of those suffixes, so that a theft report holding only "23456" is found.
FRAGMENT_LENGTHS = range(5, 9)


@dataclass(frozen=True)
class VehicleTerms:
    registration: str | None
    chassis: str | None
    chassis_is_fragment: bool
    engine: str | None

    @property
    def empty(self) -> bool:
        return not (self.registration or self.chassis or self.engine)


def normalise_vehicle(search: VehicleSearch) -> VehicleTerms:
    """Normalise each identifier with `matching.identifiers`; raise `ValueError` naming the one
    that cannot be what it says."""
    registration = chassis = engine = None
    if search.registration_no:
        registration = ids.normalise_registration(search.registration_no)
        if registration is None:
            raise ValueError(
                f"registration_no {search.registration_no!r} is not a registration number "
                "(state code, RTO number, series, number: e.g. MH12AB1234 or 22BH1234AA)"
            )
    if search.chassis_no:
        chassis = ids.normalise_chassis(search.chassis_no)
        if chassis is None:
            raise ValueError(
                f"chassis_no {search.chassis_no!r} must be letters and digits, at least the "
                "last 5 characters"
            )
    if search.engine_no:
        engine = ids.normalise_engine(search.engine_no)
        if engine is None:
            raise ValueError(
                f"engine_no {search.engine_no!r} must be letters and digits, at least 4 characters"
            )
    return VehicleTerms(
        registration=registration,
        chassis=chassis,
        chassis_is_fragment=chassis is not None and len(chassis) < FULL_CHASSIS_MIN,
        engine=engine,
    )


def plan_vehicle(terms: VehicleTerms, filters: Filters, *, max_candidates: int) -> CandidateQuery:
    out: list[IdentifierTerm] = []
    if terms.registration:
        out.append(IdentifierTerm(IdType.REGISTRATION, terms.registration))
    if terms.chassis:
        if terms.chassis_is_fragment:
            out.append(IdentifierTerm(IdType.CHASSIS, terms.chassis, suffix=True))
        else:
            out.append(IdentifierTerm(IdType.CHASSIS, terms.chassis))
            out.extend(IdentifierTerm(IdType.CHASSIS, terms.chassis[-n:]) for n in FRAGMENT_LENGTHS)
    if terms.engine:
        out.append(IdentifierTerm(IdType.ENGINE, terms.engine))
        out.extend(IdentifierTerm(IdType.ENGINE, terms.engine[-n:]) for n in FRAGMENT_LENGTHS)
    return CandidateQuery(
        identifiers=tuple(dict.fromkeys(out)),
        filters=narrow_kinds(filters, VEHICLE_KINDS),
        limit=max_candidates,
    )

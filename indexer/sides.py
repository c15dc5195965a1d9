"""What a record says about its person, read once for every comparison: `Side`.

A record names one or more people; a side is one of them with what the record carries about
them, in the forms comparisons need (canonical names, a range of possible birth years, address
tokens, phones, accounts, strong identifiers, FIRs, the place that places them). Read once per
record and person, then compared many times (`indexer.comparison`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from matching import api as matching
from records import Gender, IdType, Kind, Person, PersonRole, Record, Relation, Source
from records.firs import fir_without_state

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_FIR_KINDS = (Kind.ACCUSED, Kind.INMATE)
_ACCOUNTS = (IdType.UPI, IdType.BANK_ACCOUNT, IdType.EMAIL)


class Kin(StrEnum):
    """Who a record's relative is to the person."""

    PARENT = "parent"  # S/O, D/O; a parent reporting a child (F/O, M/O)
    SPOUSE = "spouse"  # W/O, H/O
    GUARDIAN = "guardian"
    UNKNOWN = "unknown"  # "father's or husband's name" (Vahan, e-Prisons, Sarathi, ALIS)


_KIN = {
    Relation.SON_OF: Kin.PARENT,
    Relation.DAUGHTER_OF: Kin.PARENT,
    Relation.FATHER_OF: Kin.PARENT,
    Relation.MOTHER_OF: Kin.PARENT,
    Relation.WIFE_OF: Kin.SPOUSE,
    Relation.HUSBAND_OF: Kin.SPOUSE,
    Relation.GUARDIAN: Kin.GUARDIAN,
}


@dataclass(frozen=True, slots=True)
class Side:
    """One person of one record, read once for every comparison it takes part in."""

    record_id: str
    source: Source
    kind: Kind
    names: tuple[str, ...]
    canonical: frozenset[str]  # `matching.api.name_text` of each written name
    relative: str | None
    relative_canonical: frozenset[str]  # `matching.api.name_text` of the relative's name
    # the relative's name is spelled by the person's own (`Rajendra Shankar Patil`, son of
    # `Shankar Patil`): agreeing on it says nothing the names have not said
    relative_in_name: bool
    kin: Kin
    relation: Relation | None
    gender: Gender | None
    female_hint: bool  # a female title (Smt, Kumari…) where the record states no gender
    born: tuple[int, int] | None  # earliest and latest possible year of birth
    born_from_age: bool  # `born` rests on a stated age, not a date or a year
    birth_date: date | None
    address: frozenset[str]
    phones: frozenset[str]
    accounts: frozenset[str]  # UPI ids, bank accounts, emails of a one-subject record
    licences: frozenset[str]  # driving licence numbers
    passports: frozenset[str]
    firs: frozenset[str]  # FIRs of a CCTNS accused or an e-Prisons inmate (full: with state)
    # the same FIRs and an inmate's FIRs whose state its case does not give, without the state
    # (`records.firs`): what an accused and an inmate are compared on
    fir_cases: frozenset[str]
    vehicle: tuple[str, int] | None  # (registration, owner serial) of a Vahan owner
    # when a missing-person report says its person went missing (CCTNS, KhoyaPaya MISSING)
    missing_on: date | None
    state: str | None
    district: str | None

    @property
    def stateless_firs(self) -> frozenset[str]:
        """The FIRs this record names only without their state (an inmate's case that does
        not state it)."""
        return self.fir_cases - {x for f in self.firs if (x := fir_without_state(f))}

    @classmethod
    def of(cls, record: Record, person: Person) -> Side:
        # On the search path: grouping reads every record it may join for the first time here
        # (a hundred in a search for a common name), so what most records lack costs nothing:
        # no identifiers, no relative, no accounts (`record.subjects()` is asked only when an
        # account could be the subject's).
        names = tuple(person.names)
        relation = person.relation
        gender = person.gender
        hint = matching.parse_name(names[0]).gender_hint if names and not gender else None
        kind = record.kind
        fir_kind = kind in _FIR_KINDS
        licences: list[str] = []
        passports: list[str] = []
        accounts: list[str] = [f"email:{e.casefold()}" for e in person.emails]
        firs: list[str] = []
        fir_cases: list[str] = []
        single: bool | None = None
        for i in record.identifiers:
            id_type = i.type
            if id_type is IdType.FIR and fir_kind:
                stateless = fir_without_state(i.value)
                if stateless:
                    fir_cases.append(stateless)
            if i.partial:
                continue
            if id_type is IdType.DRIVING_LICENCE:
                licences.append(i.value)
            elif id_type is IdType.PASSPORT:
                passports.append(i.value)
            elif id_type is IdType.FIR:
                if fir_kind:
                    firs.append(i.value)
            elif id_type in _ACCOUNTS:
                if single is None:
                    single = len(record.subjects()) == 1
                if single:
                    accounts.append(f"{id_type.value}:{i.value}")
        vehicle = None
        if (
            record.source is Source.VAHAN
            and person.role is PersonRole.OWNER
            and record.vehicle is not None
            and record.vehicle.registration_no
            and record.vehicle.owner_serial is not None
        ):
            vehicle = (record.vehicle.registration_no, record.vehicle.owner_serial)
        canonical = frozenset([t for n in names if (t := canonical_name(n))])
        relative_name = person.relative_name
        relative = canonical_name(relative_name) if relative_name else ""
        born, from_age = birth_years(person, record)
        state, district = _place(record)
        return cls(
            record_id=record.record_id,
            source=record.source,
            kind=kind,
            names=names,
            canonical=canonical,
            relative=relative_name or None,
            relative_canonical=frozenset((relative,)) if relative else _EMPTY,
            relative_in_name=bool(relative) and _spelt_in(relative, canonical),
            kin=_KIN.get(relation, Kin.UNKNOWN) if relation else Kin.UNKNOWN,
            relation=relation,
            gender=gender,
            female_hint=gender is None and hint == "F",
            born=born,
            born_from_age=from_age,
            birth_date=person.birth_date,
            address=_frozen(address_tokens(person.address)) if person.address else _EMPTY,
            phones=frozenset(person.phones) if person.phones else _EMPTY,
            accounts=frozenset(accounts) if accounts else _EMPTY,
            licences=frozenset(licences) if licences else _EMPTY,
            passports=frozenset(passports) if passports else _EMPTY,
            firs=frozenset(firs) if firs else _EMPTY,
            fir_cases=frozenset(fir_cases) if fir_cases else _EMPTY,
            vehicle=vehicle,
            missing_on=record.event_date if kind is Kind.MISSING_PERSON else None,
            state=state,
            district=district,
        )


def _spelt_in(relative: str, canonical: frozenset[str]) -> bool:
    """Whether every word of the relative's name is a word of one of the person's names."""
    words = set(relative.split())
    return any(words <= set(n.split()) for n in canonical)


# One empty set for every side that lacks a field: a record carries few of its person's
# identifiers, phones and accounts, and sides are kept across searches (`federation.grouping`),
# where each empty set would be one more object for the garbage collector to walk.
_EMPTY: frozenset[str] = frozenset()


def _frozen(values: Iterable[str]) -> frozenset[str]:
    found = frozenset(values)
    return found if found else _EMPTY


def _place(record: Record) -> tuple[str | None, str | None]:
    """Where the record places its person. A cyber complaint's place is where the complainant
    filed it, not where the suspect lives: it places nobody the complaint names."""
    if record.kind is Kind.CYBER_COMPLAINT:
        return None, None
    state = record.state.upper() if record.state else None
    district = " ".join(record.district.casefold().split()) if record.district else None
    return state, district


def canonical_name(name: str) -> str:
    # the name without its alias part: `RAJU @ RAJENDRA PATIL` is compared form by form anyway
    return matching.name_text(name.split("@")[-1]) if "@" in name else matching.name_text(name)


def birth_years(person: Person, record: Record) -> tuple[tuple[int, int] | None, bool]:
    """The earliest and latest year `person` can have been born in, and whether that rests on a
    stated age only. An age at a date spans two years (before or after the birthday)."""
    if person.birth_date is not None:
        return (person.birth_date.year, person.birth_date.year), False
    if person.birth_year is not None:
        return (person.birth_year, person.birth_year), False
    low_age = person.age_from if person.age_from is not None else person.age_to
    high_age = person.age_to if person.age_to is not None else person.age_from
    on = person.age_on or record.event_date
    if low_age is None or high_age is None or on is None:
        return None, False
    return (on.year - high_age - 1, on.year - low_age), True


def address_tokens(address: str | None) -> list[str]:
    return _TOKEN.findall(address.casefold()) if address else []


def sides_of(record: Record) -> list[Side]:
    """A side per named subject of `record` (never a complainant or a reporting guardian)."""
    return [Side.of(record, p) for p in record.subjects() if p.names]

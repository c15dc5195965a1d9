"""Canonical records.

Every source row becomes one `Record`. The common parts (who, which vehicle, which identifiers,
where, how sensitive, where from) are typed fields so that the indexer, the matcher and the policy
can work on any source alike; what only one source knows lives in `attributes`, cleaned but
otherwise as the source sent it.

`record_id` is `"{source}:{native_id}"` and is part of the public API: partner systems store it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import SchemaValidator


class Source(StrEnum):
    """A system records come from. The eight national systems are members (`Source.VAHAN`);
    a source added later is a folder and a descriptor (`connectors.sources`), whose name
    `register_source` makes a `Source` too: `Source("toy")` then works everywhere a member does
    (validation, comparison, `.value`), without an edit here."""

    CCTNS = "cctns"
    EPRISONS = "eprisons"
    VAHAN = "vahan"
    SARATHI = "sarathi"
    ALIS = "alis"
    NCRP = "ncrp"
    IVFRT = "ivfrt"
    KHOYAPAYA = "khoyapaya"

    @classmethod
    def _missing_(cls, value: object) -> Source | None:
        if isinstance(value, str) and value in _REGISTERED:
            return _REGISTERED[value]
        return None


_REGISTERED: dict[str, Source] = {}


def register_source(name: str) -> Source:
    """Make `name` a `Source` (idempotent); a member's own name returns the member."""
    if not name or not name.isidentifier() or name != name.lower():
        raise ValueError(f"a source name is a lower-case identifier, not {name!r}")
    try:
        return Source(name)
    except ValueError:
        pass
    member = str.__new__(Source, name)
    member._name_ = name.upper()
    member._value_ = name
    _REGISTERED[name] = member
    return member


def source_names() -> tuple[str, ...]:
    """Every source's name: the members, then those registered, in registration order."""
    return (*(s.value for s in Source), *_REGISTERED)


class Kind(StrEnum):
    """What a record is about. One source can hold several kinds (CCTNS holds four)."""

    ACCUSED = "accused"  # CCTNS persons: accused, arrested, proclaimed offenders
    INMATE = "inmate"  # e-Prisons
    VEHICLE_REGISTRATION = "vehicle_registration"  # Vahan RC
    VEHICLE_REPORT = "vehicle_report"  # CCTNS stolen / recovered / case property
    DRIVING_LICENCE = "driving_licence"  # Sarathi
    ARMS_LICENCE = "arms_licence"  # ALIS
    CYBER_COMPLAINT = "cyber_complaint"  # NCRP
    FOREIGNER = "foreigner"  # IVFRT
    MISSING_PERSON = "missing_person"  # CCTNS missing persons, KhoyaPaya MISSING
    FOUND_PERSON = "found_person"  # CCTNS unidentified persons, KhoyaPaya FOUND / SIGHTED


class Sensitivity(StrEnum):
    """Labels that the policy reads to restrict records or fields."""

    SEXUAL_OFFENCE = "sexual_offence"  # CCTNS SENSITIVE_CASE=Y: sexual offences and POCSO
    CHILD = "child"  # a minor's record (KhoyaPaya, missing children)
    VICTIM = "victim"  # a complainant or victim is named in the record


class Gender(StrEnum):
    MALE = "M"
    FEMALE = "F"
    TRANSGENDER = "T"
    OTHER = "X"  # IVFRT passports


class Relation(StrEnum):
    SON_OF = "S/O"
    DAUGHTER_OF = "D/O"
    WIFE_OF = "W/O"
    HUSBAND_OF = "H/O"
    FATHER_OF = "F/O"
    MOTHER_OF = "M/O"
    GUARDIAN = "GUARDIAN"  # KhoyaPaya guardian_relation other than a parent
    RELATIVE = "RELATIVE"  # relation not stated (e-Prisons fatherName, Sarathi swdOf)


class PersonRole(StrEnum):
    """The part a person plays in a record."""

    SUBJECT = "subject"  # the person the record is about: accused, inmate, holder, foreigner
    OWNER = "owner"  # vehicle owner
    SUSPECT = "suspect"  # NCRP suspect
    COMPLAINANT = "complainant"  # NCRP complainant: a victim, restricted
    MISSING = "missing"
    FOUND = "found"
    GUARDIAN = "guardian"  # reporter of a missing child


class IdType(StrEnum):
    REGISTRATION = "registration"
    CHASSIS = "chassis"
    ENGINE = "engine"
    DRIVING_LICENCE = "driving_licence"
    PASSPORT = "passport"
    FIR = "fir"
    MOBILE = "mobile"
    UPI = "upi"
    BANK_ACCOUNT = "bank_account"
    EMAIL = "email"
    URL = "url"
    ARMS_LICENCE = "arms_licence"
    PRISONER = "prisoner"
    VISA = "visa"
    LOC = "loc"  # look-out circular number


class Identifier(BaseModel):
    """A normalised identifier (see `matching.identifiers`). `partial` marks a fragment such as
    the last five characters of a chassis number that a stolen-vehicle report often carries."""

    model_config = ConfigDict(frozen=True)

    type: IdType
    value: str
    partial: bool = False


class Person(BaseModel):
    """A person as one record names them. Names are kept as written; matching works on them."""

    model_config = ConfigDict(frozen=True)

    role: PersonRole = PersonRole.SUBJECT
    name: str | None = None  # Latin as written, honorifics and aliases included
    name_local: str | None = None  # Indic script as written
    aliases: tuple[str, ...] = ()
    relative_name: str | None = None
    relation: Relation | None = None
    gender: Gender | None = None
    birth_date: date | None = None
    birth_year: int | None = None
    age_from: int | None = None  # age or age range on `age_on`
    age_to: int | None = None
    age_on: date | None = None
    address: str | None = None
    phones: tuple[str, ...] = ()  # normalised (+91XXXXXXXXXX)
    emails: tuple[str, ...] = ()
    nationality: str | None = None

    @property
    def names(self) -> list[str]:
        """Every written form of this person's name, primary first."""
        out = [n for n in (self.name, self.name_local) if n]
        out.extend(a for a in self.aliases if a)
        return out

    @property
    def has_name(self) -> bool:
        """Whether `names` holds any, without building the list (rescoring asks it of every
        candidate's every subject)."""
        return bool(self.name or self.name_local or any(self.aliases))

    @model_validator(mode="after")
    def _ages_ordered(self) -> Person:
        if self.age_from is not None and self.age_to is not None and self.age_from > self.age_to:
            raise ValueError(f"age_from {self.age_from} is above age_to {self.age_to}")
        return self


# a tuple, not a set: membership tests identity first, where a set hashes the member (Enum's
# `__hash__`, in Python); `subjects` runs for every candidate of every search
_NOT_SUBJECTS = (PersonRole.COMPLAINANT, PersonRole.GUARDIAN)


class Vehicle(BaseModel):
    model_config = ConfigDict(frozen=True)

    registration_no: str | None = None  # normalised: MH12AB1234
    chassis_no: str | None = None  # normalised; may be partial on CCTNS reports
    engine_no: str | None = None
    make_model: str | None = None
    colour: str | None = None
    vehicle_class: str | None = None
    owner_serial: int | None = None


class DataIssue(BaseModel):
    """One field of a damaged source row: withheld (unreadable), repaired (mojibake) or kept
    as written (a value outside an enumeration). `field` is the source's own field name (a
    path such as `suspects[0].name` inside nested rows); `reason` says what was wrong and what
    was done, never the value itself (an issue is shown wherever its record is, even where a
    policy hides the field)."""

    model_config = ConfigDict(frozen=True)

    field: str
    reason: str


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: Source
    native_id: str
    source_updated_at: datetime  # the source's own update time, timezone-aware
    fetched_at: datetime
    collection: str | None = None  # CCTNS collection, ALIS file name, …

    @field_validator("source_updated_at", "fetched_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("times must carry a UTC offset")
        return value


def make_record_id(source: Source | str, native_id: str) -> str:
    # a member formats as its value (a `StrEnum`): `Source(member).value` (Enum's call and
    # property, in Python) was most of the cost of the check every parsed record runs
    # (`Record._id_matches_provenance`)
    member = source if isinstance(source, Source) else Source(source)
    return f"{member}:{native_id.strip()}"


def split_record_id(record_id: str) -> tuple[Source, str]:
    """Inverse of `make_record_id`; raises ValueError on anything else."""
    source, sep, native = record_id.partition(":")
    if not sep or not native:
        raise ValueError(f"record id {record_id!r} is not of the form '<source>:<native id>'")
    try:
        return Source(source), native
    except ValueError:
        raise ValueError(f"record id {record_id!r} names an unknown source {source!r}") from None


class Record(BaseModel):
    """One source row, canonical. Immutable: a newer version of the row is a new `Record`."""

    model_config = ConfigDict(frozen=True)

    record_id: str
    source: Source
    kind: Kind
    status: str | None = None  # the source's status as sent: ACTIVE, REVOKED, STOLEN, TRACED…
    people: tuple[Person, ...] = ()
    vehicle: Vehicle | None = None
    identifiers: tuple[Identifier, ...] = ()
    state: str | None = None  # two-letter code (NCRP full names are mapped at the connector)
    district: str | None = None
    police_station: str | None = None  # PS code where the record has one
    event_date: date | None = None  # FIR date, admission, issue date, report date…
    attributes: dict[str, Any] = Field(default_factory=dict)
    sensitivity: frozenset[Sensitivity] = frozenset()
    provenance: Provenance
    raw: dict[str, Any] | None = None  # the payload as received, Aadhaar removed
    # what could not be read as sent (sources/README.md "Bad records"): a record with issues is
    # still evidence, and a decision it could change says REVIEW (federation.noc)
    data_issues: tuple[DataIssue, ...] = ()

    @model_validator(mode="after")
    def _id_matches_provenance(self) -> Record:
        expected = make_record_id(self.source, self.provenance.native_id)
        if self.record_id != expected:
            raise ValueError(f"record_id {self.record_id!r} should be {expected!r}")
        if self.provenance.source != self.source:
            raise ValueError("provenance.source differs from source")
        return self

    @property
    def version(self) -> datetime:
        """What de-duplication compares: the newest source update wins."""
        return self.provenance.source_updated_at

    def subjects(self) -> list[Person]:
        """The people this record is about, whom a person search finds it by: never a
        complainant, and never the guardian who reported a missing child (a contact on the
        record: the child is its subject)."""
        return [p for p in self.people if p.role not in _NOT_SUBJECTS]

    def identifier_values(self, id_type: IdType) -> list[str]:
        return [i.value for i in self.identifiers if i.type is id_type]


def record_from_index(text: str | bytes | dict[str, Any]) -> Record:
    """A record the index itself wrote (`Record.model_dump_json`), read back: the same object
    `Record.model_validate_json` gives (same fields, types and fields set), without re-running
    the model-level checks a record passed before it was written (`_TRUSTED_CHECKS`). Not for
    anything a source or a caller sent. A search decodes every candidate it retrieves (~220),
    and those checks are Python calls inside a validator that is otherwise native: a fifth of
    a record's decoding (docs/decisions.md, "Records read back from the index").

    A cluster's hit brings the record already parsed from the response's JSON (a dict, as
    `Record.model_dump(mode="json")` wrote it): that is validated as Python data, giving what
    `Record.model_validate` gives."""
    validator = _trusted_validator()
    record: Record = (
        validator.validate_python(text) if isinstance(text, dict) else validator.validate_json(text)
    )
    return record


def _underlying(function: Any) -> Any:
    """The plain function of a method or classmethod (what the core schema holds)."""
    return getattr(function, "__func__", function)


# Model validators that only check (each returns the model it was given, or raises), so a record
# that passed them when it was written passes them again: `record_from_index` leaves them out.
# Only these are left out; any other validator in the schema stays. (`Provenance._aware` is a
# check too, but pydantic-core reuses a nested model's own validator when it is not wrapped,
# so leaving it out of the schema would not skip it.)
_TRUSTED_CHECKS = frozenset(
    _underlying(f) for f in (Record._id_matches_provenance, Person._ages_ordered)
)


def trusted_checks() -> list[str]:
    """The names of the checks `record_from_index` leaves out (for tests)."""
    names: list[str] = []
    _without_checks(Record.__pydantic_core_schema__, names)
    return names


@cache
def _trusted_validator() -> SchemaValidator:
    return SchemaValidator(_without_checks(Record.__pydantic_core_schema__, []))


def _without_checks(node: Any, removed: list[str]) -> Any:
    """A copy of a core schema without the after-validators in `_TRUSTED_CHECKS`, whose names
    are appended to `removed`; everything else as it is."""
    if isinstance(node, list):
        return [_without_checks(item, removed) for item in node]
    if not isinstance(node, dict):
        return node
    if node.get("type") == "function-after":
        function = node["function"]["function"]
        if _underlying(function) in _TRUSTED_CHECKS:
            removed.append(function.__qualname__)
            return _without_checks(node["schema"], removed)
    return {key: _without_checks(value, removed) for key, value in node.items()}

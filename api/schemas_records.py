"""Records and profiles as the API shows them, typed field by field.

A record shown to a caller is the canonical `records.Record` cut by the policy: a field the caller
may not see is *absent* (and counted in `withheld`), never null, so every field here is optional
and omitted when withheld or empty (`MISSING`). `attributes` is the one free-form part: what only
one source knows, cleaned but as the source sent it.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import MISSING, BaseModel, ConfigDict, Field, JsonValue

from records import Gender, IdType, Kind, PersonRole, Relation, Sensitivity, Source

# Fields of records the API may not know yet (a source's new field) are dropped, never passed
# through unclassified; the policy has already withheld what the caller may not see.
_SHOWN = ConfigDict(extra="ignore")


class PersonOut(BaseModel):
    """A person as one record names them; absent fields are withheld or unknown."""

    model_config = _SHOWN

    role: PersonRole | MISSING = MISSING
    name: str | MISSING = Field(default=MISSING, description="Latin script, as written.")
    name_local: str | MISSING = Field(default=MISSING, description="Indic script, as written.")
    aliases: list[str] | MISSING = MISSING
    relative_name: str | MISSING = MISSING
    relation: Relation | MISSING = MISSING
    gender: Gender | MISSING = MISSING
    birth_date: date | MISSING = MISSING
    birth_year: int | MISSING = MISSING
    age_from: int | MISSING = Field(default=MISSING, description="Age (or its range) on `age_on`.")
    age_to: int | MISSING = MISSING
    age_on: date | MISSING = MISSING
    address: str | MISSING = MISSING
    phones: list[str] | MISSING = Field(default=MISSING, description="Normalised: +91XXXXXXXXXX.")
    emails: list[str] | MISSING = MISSING
    nationality: str | MISSING = MISSING


class VehicleFieldsOut(BaseModel):
    model_config = _SHOWN

    registration_no: str | None = Field(default=None, description="Normalised: MH12AB1234.")
    chassis_no: str | None = Field(default=None, description="May be a fragment on reports.")
    engine_no: str | None = None
    make_model: str | None = None
    colour: str | None = None
    vehicle_class: str | None = None
    owner_serial: int | None = None


class IdentifierOut(BaseModel):
    model_config = _SHOWN

    type: IdType
    value: str = Field(description="Normalised (see the identifier formats).")
    partial: bool = Field(default=False, description="A fragment, e.g. a chassis number's tail.")


class RecordFields(BaseModel):
    """The record's fields the caller may see."""

    model_config = _SHOWN

    people: list[PersonOut] | MISSING = MISSING
    vehicle: VehicleFieldsOut | MISSING = MISSING
    identifiers: list[IdentifierOut] | MISSING = MISSING
    state: str | MISSING = Field(default=MISSING, description="Two-letter state code.")
    district: str | MISSING = MISSING
    police_station: str | MISSING = Field(default=MISSING, description="Police station code.")
    event_date: date | MISSING = Field(
        default=MISSING, description="FIR date, admission, issue date, report date…"
    )
    sensitivity: list[Sensitivity] | MISSING = MISSING
    attributes: dict[str, JsonValue] | MISSING = Field(
        default=MISSING,
        description="What only this source knows, cleaned but as the source sent it.",
    )


class ProvenanceOut(BaseModel):
    model_config = _SHOWN

    source: Source
    native_id: str = Field(description="The source's own id, as sent.")
    source_updated_at: datetime = Field(description="The source's update time of the row.")
    fetched_at: datetime
    collection: str | None = Field(default=None, description="CCTNS collection, ALIS file, …")


class Reason(BaseModel):
    feature: str = Field(
        description="The evidence compared: `name`, `relative`, `birth_year`, `gender`, `place`…; "
        "for a name, each word pair (`given_exact`, `surname_phonetic`…) and notes on how it "
        "matched: `surname_from_relative` or `initial_from_relative` (a surname or initial read "
        "off the relative's name), `edit_distance_2` (a word two slips away), `name_frequency` "
        "(how many records of the index carry the name: the more, the less it says)."
    )
    query: str | None = None
    record: str | None = Field(default=None, description="Null when that value is withheld.")
    weight: float


class Match(BaseModel):
    score: float = Field(ge=0.0, le=1.0, description="Calibrated probability of the same person.")
    reasons: list[Reason]


class WithheldField(BaseModel):
    field: str = Field(description="The field's path, e.g. `people.address`.")
    reason: str = Field(description="Why the policy withholds it.")
    count: int = Field(default=1, ge=1)


class DataIssueOut(BaseModel):
    field: str = Field(description="The source's field, e.g. `FIR_DATE` or `suspects[0].name`.")
    reason: str = Field(description="What was wrong and what was done; never the value.")


class RecordOut(BaseModel):
    record_id: str = Field(description='"{source}:{native_id}", stable across syncs.')
    source: Source
    kind: Kind
    status: str | None = Field(
        default=None, description="The source's status as sent: ACTIVE, REVOKED, STOLEN, TRACED…"
    )
    fields: RecordFields = Field(description="The record's fields you may see.")
    provenance: ProvenanceOut | None = Field(
        default=None, description="Where and when the row came from (null when withheld)."
    )
    match: Match | None = Field(default=None, description="Set on records a search matched.")
    withheld: list[WithheldField] = Field(default_factory=list)
    data_issues: list[DataIssueOut] = Field(
        default_factory=list,
        description="Fields the source sent damaged: withheld as unreadable, repaired "
        "(mojibake) or kept as written (a value outside the source's list). A record with "
        "issues is still evidence; read it knowing what it lacks.",
    )


class LinkKind(StrEnum):
    INDEX = "index"  # a strong identifier shared, linked when the records were indexed
    QUERY = "query"  # the records agree, weighed for this search (see `evidence`)
    MANUAL = "manual"  # a supervisor confirmed it


class EvidenceOut(BaseModel):
    comparison: str = Field(description="name, relative, birth, gender, address, phone, …")
    level: str = Field(description='How the two records compare, e.g. "same address".')
    weight: float = Field(
        description="Bits of evidence (log2 of the Bayes factor): positive for the join."
    )


class LinkOut(BaseModel):
    """One join: every record of a profile but the first is joined by at least one."""

    record_ids: list[str]
    kind: LinkKind = Field(
        description="`index`: a strong identifier linked them at index time; `query`: the "
        "records agree now (see `evidence`); `manual`: a supervisor confirmed it."
    )
    confidence: float = Field(description="Probability that the two are one person.")
    reasons: list[str]
    evidence: list[EvidenceOut] = Field(
        default_factory=list,
        description="For a `query` join, the weight of each comparison the two records allow.",
    )
    conflicts: list[str] = Field(
        default_factory=list,
        description="Disagreements between the two that a strong identifier or a supervisor "
        "overrode: judge them.",
    )


class RefusalOut(BaseModel):
    """A join that was not made: the records disagree on something that rules it out."""

    record_ids: list[str]
    reasons: list[str] = Field(description='e.g. "different father\'s name".')


class RestrictedOut(BaseModel):
    label: Sensitivity = Field(description="The label that hides them, e.g. `sexual_offence`.")
    count: int = Field(ge=1)


HANDLE = r"^h1_[A-Za-z0-9_\-]+$"  # `federation.profile_ids.issue_handle`: sealed, one-off


class HitFlagOut(BaseModel):
    """That records exist, where, and whom to ask: no name, no kind, no date, no score, no record
    id, not how many. One per source and police station, ordered by place, never by score."""

    handle: str = Field(
        pattern=HANDLE,
        max_length=4096,
        description="Name it in `POST /v1/access/requests`. Sealed and new on every answer: "
        "two answers' handles cannot be compared.",
    )
    source: str = Field(description="The source holding the records, e.g. `cctns`.")
    state: str | None
    district: str | None
    police_station: str | None
    owner: str = Field(
        description="The owning agency; its supervisors decide: the record's state police "
        "(`MH Police`), or, for a record that names no state, its source's national owner "
        "(`NCRB (national owner)` for CCTNS, `MoRTH` for Vahan and Sarathi, `MHA` for e-Prisons "
        "and ALIS, `I4C` for NCRP, `BOI` for IVFRT, `MWCD` for KhoyaPaya), decided by "
        "supervisors whose `agency` names it."
    )
    contact: str = Field(description="Whom to ask, and how.")


HITS_DESCRIPTION = (
    "Records matching the query in sources your policy answers only as hit-flags (partner "
    "agencies: sources outside your entitlement): that they exist, where, and whom to ask. A "
    "hit-flag needs a record scoring 0.5 on its own, whatever `min_score` you asked; the full "
    "records follow an access request approved by a supervisor of the owning agency."
)


PROFILE_ID = r"^p2_[A-Za-z0-9_\-]+$"  # `federation.profile_ids`: sealed, opaque
ProfileId = Annotated[str, Field(pattern=PROFILE_ID, max_length=4096)]


class ProfileOut(BaseModel):
    profile_id: ProfileId = Field(
        description="Opaque, issued by this server, stable while the profile holds the same "
        "records: opens this profile with `GET /v1/persons/{profile_id}`. A made-up or altered "
        "id is 404."
    )
    confidence: float = Field(description="Calibrated probability that this is the person.")
    display_name: str | None
    names: list[str] = Field(description="Every name and alias seen across the records.")
    identifiers: list[IdentifierOut]
    records: list[RecordOut]
    links: list[LinkOut]
    restricted: list[RestrictedOut] = Field(
        default_factory=list,
        description="Records of this person hidden from you by a label the policy lets you "
        "know of (e.g. sexual-offence cases without the `sensitive` clearance): how many, "
        "never what they hold. Ask an officer cleared for them.",
    )
    refused: list[RefusalOut] = Field(
        default_factory=list,
        description="Records of an agreeing name kept out of this profile, and why.",
    )
    hits: list[HitFlagOut] = Field(
        default_factory=list,
        description="Profile reads: records of this person (linked at index time) that your "
        "policy answers only as hit-flags: where they are and whom to ask, nothing else.",
    )


class MovedOut(BaseModel):
    record_id: str
    profile_id: ProfileId = Field(description="The profile this record is in now.")


class ProfileReadOut(ProfileOut):
    requested_profile_id: ProfileId = Field(description="The id that was opened.")
    moved: list[MovedOut] = Field(
        default_factory=list,
        description="Records of the requested id that are now in other profiles (new evidence "
        "or a supervisor's split), with the profile each is in.",
    )


def as_fields(fields: dict[str, Any]) -> RecordFields:
    """A redacted record's fields (`federation.RecordView.fields`) as the typed model."""
    return RecordFields.model_validate(fields)

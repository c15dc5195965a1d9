"""Request and response bodies of the search API (persons, and what every route shares).

Bounds are part of the contract: they keep one request's cost bounded (unrestricted resource
consumption is OWASP API4) and tell a client precisely what it may send.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from matching.api import parse_name
from records import Gender, Source

MAX_NAME = 120  # longer than any real name with honorifics and an alias or two
MAX_LIMIT = 100


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def _printable(value: str) -> str:
    if any(ord(c) < 32 for c in value):
        raise ValueError("must not contain control characters")
    return value


Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME)]
StateCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True, min_length=2, max_length=2)
]


class Problem(BaseModel):
    """An RFC 9457 problem document: every error of this API has this shape."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI of the problem type; `about:blank` for plain HTTP errors.")
    title: str
    status: int
    detail: str = Field(description="What went wrong and what to change.")
    instance: str | None = None
    request_id: str | None = Field(default=None, description="Quote this when asking for help.")
    errors: list[dict[str, str]] | None = Field(
        default=None, description="Validation errors: one per field, saying what to send."
    )


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for the error statuses a route can return."""
    text = {
        400: "Bad request.",
        401: "Missing, expired or invalid token.",
        403: "The token lacks the scope, or the policy refuses.",
        404: "Nothing visible to you under this id.",
        422: "The request does not validate: `errors` says what to change.",
        429: "Rate limit exceeded: see `Retry-After`.",
        503: "A dependency (search backend, Vahan) is unavailable.",
    }
    return {
        s: {
            "model": Problem,
            "description": text.get(s, "Error."),
            "content": {"application/problem+json": {}},
        }
        for s in statuses
    }


class PersonSearchRequest(BaseModel):
    """Find a person across every source the caller may see."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Rajendra Patil",
                    "father_name": "Shankar",
                    "age": 34,
                    "state": "MH",
                    "purpose": "FIR 0123/2024 PS Shivajinagar",
                }
            ]
        },
    )

    name: Name = Field(description="The name as known, in any script; honorifics and aliases ok.")
    father_name: Name | None = Field(
        default=None, description="Father's, husband's or other relative's name."
    )
    birth_year: int | None = Field(default=None, ge=1900, le=2100)
    age: int | None = Field(default=None, ge=0, le=120, description="Age today, if no birth year.")
    tolerance: int = Field(default=2, ge=0, le=10, description="± years on birth year or age.")
    gender: Gender | None = Field(default=None, description="Corroborates; does not filter.")
    state: StateCode | None = Field(
        default=None,
        description="Two-letter state code (MH, DL, …) where the person is known to be from: "
        "records from there rank higher; others are still found (people move).",
    )
    district: Annotated[str, StringConstraints(max_length=60)] | None = Field(
        default=None, description="As `state`, one level down."
    )
    sources: list[Source] | None = Field(
        default=None, max_length=8, description="Search only these sources (within your policy)."
    )
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description="Profiles to return.")
    # Scores are calibrated probabilities of "same person"; the default floor is
    # `federation.persons.score_floor`'s
    min_score: float | None = Field(
        default=None,
        ge=0.0,
        le=1.0,
        description=(
            "Drop profiles whose confidence (a calibrated probability of the same person) is "
            "below this. Unset: 0.15, unless no profile reaches it; then the profiles within a "
            "tenth of the best are returned (a one-word name can never be confident: many "
            "people carry it). The response says which floor applied."
        ),
    )
    purpose: Annotated[str, StringConstraints(min_length=3, max_length=300)] = Field(
        description="Case reference or reason: required, written to the audit log."
    )

    @field_validator("name", "father_name", "district", "purpose")
    @classmethod
    def _tidy(cls, value: str | None) -> str | None:
        if value is None:
            return None
        cleaned = _clean(_printable(value))
        if cleaned is None:
            raise ValueError("must not be blank")
        return cleaned

    @field_validator("name")
    @classmethod
    def _names_someone(cls, value: str) -> str:
        if not parse_name(value).forms:
            raise ValueError(
                "holds no name, only a title or a relation or alias marker (S/O, urf, @): "
                "write the person's name"
            )
        return value

    @field_validator("birth_year")
    @classmethod
    def _not_future(cls, value: int | None) -> int | None:
        if value is not None and value > date.today().year:
            raise ValueError(f"must not be after {date.today().year}")
        return value

    @model_validator(mode="after")
    def _one_age(self) -> PersonSearchRequest:
        if self.birth_year is not None and self.age is not None:
            raise ValueError("give birth_year or age, not both")
        return self


class Reason(BaseModel):
    feature: str
    query: str | None = None
    record: str | None = Field(default=None, description="Null when that value is withheld.")
    weight: float


class Match(BaseModel):
    score: float = Field(ge=0.0, le=1.0)
    reasons: list[Reason]


class WithheldField(BaseModel):
    field: str
    reason: str
    count: int = 1


class DataIssueOut(BaseModel):
    field: str = Field(description="The source's field, e.g. `FIR_DATE` or `suspects[0].name`.")
    reason: str = Field(description="What was wrong and what was done; never the value.")


class RecordOut(BaseModel):
    record_id: str = Field(description='"{source}:{native_id}", stable across syncs.')
    source: Source
    kind: str
    status: str | None = None
    fields: dict[str, Any] = Field(description="The record's fields you may see.")
    provenance: dict[str, Any] | None = None
    match: Match | None = None
    withheld: list[WithheldField] = Field(default_factory=list)
    data_issues: list[DataIssueOut] = Field(
        default_factory=list,
        description="Fields the source sent damaged: withheld as unreadable, repaired "
        "(mojibake) or kept as written (a value outside the source's list). A record with "
        "issues is still evidence; read it knowing what it lacks.",
    )


class EvidenceOut(BaseModel):
    comparison: str = Field(description="name, relative, birth, gender, address, phone, …")
    level: str = Field(description='How the two records compare, e.g. "same address".')
    weight: float = Field(
        description="Bits of evidence (log2 of the Bayes factor): positive for the join."
    )


class LinkOut(BaseModel):
    """One join: every record of a profile but the first is joined by at least one."""

    record_ids: list[str]
    kind: str = Field(
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


class ProfileOut(BaseModel):
    profile_id: str = Field(
        description="Opaque, issued by this server, stable while the profile holds the same "
        "records: opens this profile with GET /v1/persons/{profile_id}. A made-up or altered id "
        "is 404."
    )
    confidence: float
    display_name: str | None
    names: list[str] = Field(description="Every name and alias seen across the records.")
    identifiers: list[dict[str, Any]]
    records: list[RecordOut]
    links: list[LinkOut] = Field(description="Why each record is in this profile.")
    refused: list[RefusalOut] = Field(
        default_factory=list,
        description="Records of an agreeing name kept out of this profile, and why.",
    )


class MovedOut(BaseModel):
    record_id: str
    profile_id: str = Field(description="The profile this record is in now.")


class ProfileReadOut(ProfileOut):
    requested_profile_id: str = Field(description="The id that was opened.")
    moved: list[MovedOut] = Field(
        default_factory=list,
        description="Records of the requested id that are now in other profiles (new evidence "
        "or a supervisor's split), with the profile each is in.",
    )


class DecisionRequest(BaseModel):
    """A supervisor's decision on a profile, as it is shown now."""

    model_config = ConfigDict(extra="forbid")

    action: Literal["confirm", "split"] = Field(
        description="`confirm`: the profile's joins hold (one person). `split`: the records in "
        "`record_ids` are not the same person as the rest."
    )
    record_ids: list[Annotated[str, StringConstraints(min_length=3, max_length=300)]] = Field(
        default_factory=list, max_length=200, description="For `split`: the records to split off."
    )
    reason: Annotated[str, StringConstraints(min_length=3, max_length=500)] = Field(
        description="Why: kept with the decision and shown on the joins it makes or forbids."
    )
    purpose: Annotated[str, StringConstraints(min_length=3, max_length=300)] = Field(
        description="Case reference: required, written to the audit log."
    )

    @field_validator("reason", "purpose")
    @classmethod
    def _tidy(cls, value: str) -> str:
        cleaned = _clean(_printable(value))
        if cleaned is None:
            raise ValueError("must not be blank")
        return cleaned


class DecisionOut(BaseModel):
    decision_id: str
    action: str
    reason: str
    decided_by: str
    decided_at: str
    pairs: int = Field(description="Pairs of records the decision judged.")
    profile: ProfileReadOut = Field(description="The profile as it is after the decision.")


class Withheld(BaseModel):
    """What policy held back from this response: counts and reasons, never contents."""

    fields: dict[str, int] = Field(description="Withheld field values by reason.")
    restrictions: list[str] = Field(description="Records outside these were never searched.")


class PersonSearchResponse(BaseModel):
    request_id: str | None
    profiles: list[ProfileOut]
    candidates: int = Field(description="Records retrieved within your policy.")
    matched_records: int
    min_score: float = Field(description="The confidence a profile needed to be returned.")
    withheld: Withheld


class HealthOut(BaseModel):
    status: str
    detail: str | None = None

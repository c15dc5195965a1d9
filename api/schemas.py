"""Request and response bodies of the search API (persons, and what every route shares).

Bounds are part of the contract: they keep one request's cost bounded (unrestricted resource
consumption is OWASP API4) and tell a client precisely what it may send.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from records import Gender, Source

from . import rules
from .schemas_records import (
    HITS_DESCRIPTION,
    DataIssueOut,
    EvidenceOut,
    HitFlagOut,
    IdentifierOut,
    LinkKind,
    LinkOut,
    Match,
    MovedOut,
    PersonOut,
    ProfileOut,
    ProfileReadOut,
    ProvenanceOut,
    Reason,
    RecordFields,
    RecordOut,
    RefusalOut,
    RestrictedOut,
    WithheldField,
)

MAX_NAME = 120  # longer than any real name with honorifics and an alias or two
MAX_LIMIT = 100
# Requests are read strictly: `"limit": "5"` or `"tolerance": false` is refused, not coerced,
# so that what the OpenAPI document allows is exactly what is accepted. (Per field: FastAPI
# validates the parsed body as Python objects, where a strict model would refuse enum values.)
STRICT = ConfigDict(extra="forbid")


def _number(value: Any) -> Any:
    """A JSON number and nothing else (`6.0` is the integer 6, as JSON Schema reads it)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("must be a JSON number")
    return value


_NUMBER = BeforeValidator(_number)  # after the bounds in `Annotated`, or they leave the schema


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


Name = Annotated[str, StringConstraints(min_length=1, max_length=MAX_NAME, pattern=rules.NAME)]
RelativeName = Annotated[
    str, StringConstraints(min_length=1, max_length=MAX_NAME, pattern=rules.TEXT)
]
Purpose = Annotated[str, StringConstraints(min_length=3, max_length=300, pattern=rules.TEXT)]
StateCode = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z]{2}$", to_upper=True, min_length=2, max_length=2)
]


class FieldError(BaseModel):
    field: str = Field(description="The field, e.g. `name` or `sources.2` (`request`: the whole).")
    message: str = Field(description="What to send instead; never the value sent.")


class Problem(BaseModel):
    """An RFC 9457 problem document: every error of this API has this shape."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="URI of the problem type; `about:blank` for plain HTTP errors.")
    title: str
    status: int
    detail: str = Field(description="What went wrong and what to change.")
    instance: str | None = None
    request_id: str | None = Field(default=None, description="Quote this when asking for help.")


class ValidationProblem(Problem):
    """A 422: the problem document with one entry per field that does not validate."""

    errors: list[FieldError] = Field(description="One per field, saying what to send.")


class RequestAccessHowTo(BaseModel):
    """How to ask for records answered as hit-flags."""

    method: str = Field(description="`POST`.")
    href: str = Field(description="`/v1/access/requests`.")
    body: dict[str, str] = Field(
        description="What to send: a hit-flag's `handle`, a `reason` and a `case_reference`."
    )
    decided_by: str = Field(description="Who decides: a supervisor of the owning agency.")


class HitFlagProblem(Problem):
    """A 403. With `type` `urn:icjs:problem:hit-flag` (a profile id all of whose records your
    policy answers only as hit-flags), `hits` says that they exist, where and whom to ask, and
    `request_access` how to ask; any other 403 (a scope you lack) has neither."""

    hits: list[HitFlagOut] | None = Field(default=None, description=HITS_DESCRIPTION)
    request_access: RequestAccessHowTo | None = None


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for the error statuses a route can return (the document lists every
    status each operation can send: `api.openapi`)."""
    return {s: {"model": Problem, "content": {"application/problem+json": {}}} for s in statuses}


def problems_with_hit_flags(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`problems`, with the 403 that may carry hit-flags (`HitFlagProblem`)."""
    out = problems(*statuses)
    out[403] = {"model": HitFlagProblem, "content": {"application/problem+json": {}}}
    return out


class PersonSearchRequest(BaseModel):
    """Find a person across every source the caller may see."""

    model_config = ConfigDict(
        **STRICT,
        json_schema_extra={
            # birth_year and age together are refused (either may be null)
            "not": {
                "required": ["birth_year", "age"],
                "properties": {"birth_year": {"type": "integer"}, "age": {"type": "integer"}},
            },
            "examples": [
                {
                    "name": "Rajendra Patil",
                    "father_name": "Shankar",
                    "age": 34,
                    "state": "MH",
                    "purpose": "FIR 0123/2024 PS Shivajinagar",
                }
            ],
        },
    )

    name: Annotated[Name, Field(json_schema_extra={"not": {"pattern": rules.MARKERS_ONLY}})] = (
        Field(
            description="The name as known, in Latin or an Indic script; honorifics, initials and "
            "aliases are fine. It must hold a letter, and more than relation or alias markers "
            "(`S/O`, `urf`, `@`) alone. No control characters."
        )
    )
    father_name: RelativeName | None = Field(
        default=None, description="Father's, husband's or other relative's name."
    )
    birth_year: Annotated[int, Field(ge=1900, le=2100), _NUMBER] | None = Field(
        default=None, description="Not after this year; not with `age`."
    )
    age: Annotated[int, Field(ge=0, le=120), _NUMBER] | None = Field(
        default=None, description="Age today, if no birth year."
    )
    tolerance: Annotated[int, Field(ge=0, le=10), _NUMBER] = Field(
        default=2, description="± years on birth year or age."
    )
    gender: Gender | None = Field(default=None, description="Corroborates; does not filter.")
    state: StateCode | None = Field(
        default=None,
        description="Two-letter state code (MH, DL, …) where the person is known to be from: "
        "records from there rank higher; others are still found (people move).",
    )
    district: (
        Annotated[str, StringConstraints(min_length=1, max_length=60, pattern=rules.TEXT)] | None
    ) = Field(default=None, description="As `state`, one level down.")
    sources: list[Source] | None = Field(
        default=None, max_length=8, description="Search only these sources (within your policy)."
    )
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT), _NUMBER] = Field(
        default=20, description="Profiles to return."
    )
    # Scores are calibrated probabilities of "same person"; the default floor is
    # `federation.persons.score_floor`'s
    min_score: Annotated[float, Field(ge=0.0, le=1.0), _NUMBER] | None = Field(
        default=None,
        description=(
            "Drop profiles whose confidence (a calibrated probability of the same person) is "
            "below this. Unset: 0.001, what is implausible on its own terms; a name many "
            "people carry returns all of them, ranked, each with a low confidence. The "
            "response says which floor applied."
        ),
    )
    purpose: Purpose = Field(
        description="Case reference or reason: required, written to the audit log."
    )

    @field_validator("name")
    @classmethod
    def _names_someone(cls, value: str) -> str:
        return rules.no_name_only(value)

    @field_validator("name", "father_name", "district", "purpose")
    @classmethod
    def _tidy(cls, value: str | None) -> str | None:
        return _clean(value)

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


class DecisionAction(StrEnum):
    CONFIRM = "confirm"  # the profile's joins hold: one person
    SPLIT = "split"  # the records in `record_ids` are not the same person as the rest


RecordId = Annotated[str, StringConstraints(min_length=3, max_length=300, pattern=rules.TEXT)]
Reason_ = Annotated[str, StringConstraints(min_length=3, max_length=500, pattern=rules.TEXT)]


class DecisionRequest(BaseModel):
    """A supervisor's decision on a profile, as it is shown now."""

    model_config = STRICT

    action: DecisionAction = Field(
        description="`confirm`: the profile's joins hold (one person). `split`: the records in "
        "`record_ids` are not the same person as the rest."
    )
    record_ids: list[RecordId] = Field(
        default_factory=list, max_length=200, description="For `split`: the records to split off."
    )
    reason: Reason_ = Field(
        description="Why: kept with the decision and shown on the joins it makes or forbids."
    )
    purpose: Purpose = Field(description="Case reference: required, written to the audit log.")

    @field_validator("reason", "purpose")
    @classmethod
    def _tidy(cls, value: str) -> str:
        cleaned = _clean(value)
        if cleaned is None:
            raise ValueError("must not be blank")
        return cleaned


class DecisionOut(BaseModel):
    decision_id: str
    action: DecisionAction
    reason: str
    decided_by: str
    decided_at: datetime
    pairs: int = Field(ge=0, description="Pairs of records the decision judged.")
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
    hits: list[HitFlagOut] = Field(default_factory=list, description=HITS_DESCRIPTION)


class HealthStatus(StrEnum):
    OK = "ok"  # liveness: the process answers
    READY = "ready"  # readiness: the search backend answers


class HealthOut(BaseModel):
    status: HealthStatus
    detail: str | None = None


__all__ = [
    "DataIssueOut",
    "DecisionAction",
    "DecisionOut",
    "DecisionRequest",
    "EvidenceOut",
    "FieldError",
    "HealthOut",
    "IdentifierOut",
    "LinkKind",
    "LinkOut",
    "Match",
    "MovedOut",
    "PersonOut",
    "PersonSearchRequest",
    "PersonSearchResponse",
    "Problem",
    "ProfileOut",
    "ProfileReadOut",
    "ProvenanceOut",
    "Reason",
    "RecordFields",
    "RecordOut",
    "RefusalOut",
    "RestrictedOut",
    "ValidationProblem",
    "Withheld",
    "WithheldField",
    "problems",
]

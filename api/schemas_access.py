"""Bodies of the hit-flag access routes: a hit-flag ("a record exists in source X, police station
Y, contact Z"), a request for the records behind one, a supervisor's decision, and the request's
status as its requester and the deciding supervisors see it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from .schemas import STRICT, Purpose, Reason_
from .schemas_records import HANDLE, HITS_DESCRIPTION, HitFlagOut

__all__ = ["HITS_DESCRIPTION", "HitFlagOut"]


class AccessRequestIn(BaseModel):
    model_config = STRICT

    handle: str = Field(pattern=HANDLE, max_length=4096, description="From a hit-flag.")
    reason: Reason_ = Field(description="Why you need the records: shown to the supervisor.")
    case_reference: Purpose = Field(description="The case (FIR, RC, ECIR number): audited.")


class AccessDecision(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"


class AccessDecisionIn(BaseModel):
    model_config = STRICT

    decision: AccessDecision
    reason: Reason_ = Field(description="Why: kept with the decision, told to the requester.")


class AccessStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    EXPIRED = "expired"


class AccessRequestOut(BaseModel):
    request_id: str
    created_at: datetime
    requester: str = Field(description="`<role>:<officer>` or `client:<client id>`.")
    requester_agency: str | None
    source: str
    owner: str = Field(description="The owning agency, whose supervisors decide.")
    police_station: str | None
    reason: str
    case_reference: str
    status: AccessStatus = Field(
        description="`expired`: approved, and the grant has ended (hit-flags again)."
    )
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    expires_at: datetime | None = Field(description="When an approved grant ends.")
    profile_id: str | None = Field(
        default=None,
        description="Approved and not expired, to its requester: opens the granted person "
        "records with `GET /v1/persons/{profile_id}` (they also appear in your searches).",
    )


class AccessRequestList(BaseModel):
    requests: list[AccessRequestOut]

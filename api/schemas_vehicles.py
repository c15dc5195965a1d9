"""Request and response bodies of vehicle search and the vehicle NOC."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, StringConstraints, model_validator

from federation import Decision
from federation.noc_model import NocStatus, ReasonCode
from federation.vehicles import MatchKind

from . import rules
from .schemas import STRICT, Purpose, Withheld
from .schemas_records import HITS_DESCRIPTION, HitFlagOut, RecordOut, VehicleFieldsOut

# Any common formatting: case, spaces, hyphens, dots, slashes and underscores are ignored
Registration = Annotated[
    str, StringConstraints(min_length=1, max_length=40, pattern=rules.REGISTRATION)
]
Chassis = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=rules.CHASSIS)]
Engine = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=rules.ENGINE)]
# At least one of the three identifiers (not all three absent or null)
_ONE_OF_THREE: dict[str, Any] = {
    "not": {
        "properties": {
            name: {"type": "null"} for name in ("registration_no", "chassis_no", "engine_no")
        }
    }
}


class LiveLookup(StrEnum):
    """What the live Vahan look-up did for this search."""

    NOT_NEEDED = "not_needed"  # the index holds the registration
    FOUND = "found"
    NOT_FOUND = "not_found"
    FAILED = "failed"  # Vahan did not answer: the index alone was read
    NOT_CONFIGURED = "not_configured"


class VehicleSearchRequest(BaseModel):
    """At least one identifier, in any common formatting (`MH-12-AB-1234`, `mh12ab1234`)."""

    model_config = ConfigDict(
        **STRICT,
        json_schema_extra={
            **_ONE_OF_THREE,
            "examples": [{"registration_no": "MH 12 AB 1234", "purpose": "checkpoint stop, NH48"}],
        },
    )

    registration_no: Registration | None = Field(
        default=None,
        description="Plate: state, RTO number, series, number (MH12AB1234, MH-12-AB-1234) or "
        "Bharat series (22BH1234AA).",
    )
    chassis_no: Chassis | None = Field(
        default=None, description="Full chassis number (VIN) or at least its last 5 characters."
    )
    engine_no: Engine | None = Field(
        default=None, description="Engine number, full or at least its last 4 characters."
    )
    purpose: Purpose = Field(
        description="Case reference or reason: required (owners are personal data), written "
        "to the audit log."
    )

    @model_validator(mode="after")
    def _one_identifier(self) -> VehicleSearchRequest:
        if not (self.registration_no or self.chassis_no or self.engine_no):
            raise ValueError("give at least one of registration_no, chassis_no, engine_no")
        return self


class OwnerOut(BaseModel):
    owner_serial: int | None
    current: bool
    profile_id: str = Field(description="Opens the owner's person profile (persons:read).")
    record: RecordOut


class ReportOut(BaseModel):
    match: MatchKind = Field(description="`exact`, or `partial` when only a fragment agrees.")
    status: str | None = Field(
        description="As CCTNS sent it: STOLEN, RECOVERED, CASE_PROPERTY (a value outside the list "
        "is kept as written, with a data issue)."
    )
    record: RecordOut


NocId = Annotated[str, Field(pattern=r"^noc_[0-9a-f]{32}$")]


class IssuedNocOut(BaseModel):
    noc_id: NocId = Field(description="Re-check it with `GET /v1/noc/{noc_id}`.")
    decision: Decision
    issued_at: datetime


class VehicleOut(BaseModel):
    registration_no: str | None
    chassis_no: str | None
    engine_no: str | None
    match: MatchKind
    details: VehicleFieldsOut | None = Field(
        description="The current registration's vehicle fields you may see (null: withheld)."
    )
    rc_status: str | None
    blacklisted: bool
    blacklist_status: str | None
    noc_issued: str | None = Field(description="Vahan's record of an inter-state NOC.")
    live: bool = Field(description="Found by a live Vahan look-up: not yet in the index.")
    owners: list[OwnerOut] = Field(description="Current owner first, then past owners.")
    reports: list[ReportOut]
    nocs: list[IssuedNocOut] = Field(
        default_factory=list, description="NOCs this service issued for the plate, newest first."
    )


class VehicleSearchResponse(BaseModel):
    request_id: str | None
    vehicles: list[VehicleOut]
    unlinked_reports: list[ReportOut] = Field(
        description="Theft reports matching the identifiers but no known registration."
    )
    live_lookup: LiveLookup
    withheld: Withheld
    hits: list[HitFlagOut] = Field(default_factory=list, description=HITS_DESCRIPTION)


class NocRequest(BaseModel):
    model_config = ConfigDict(
        **STRICT,
        json_schema_extra={
            "examples": [{"registration_no": "MH12AB1234", "chassis_no": "MA3EWDE1S00123456"}]
        },
    )

    registration_no: Registration
    chassis_no: Chassis = Field(description="Full chassis number, or at least its last 5.")
    engine_no: Engine | None = None
    purpose: Purpose = Field(
        default="vehicle NOC",
        description="Why the certificate is asked for (e.g. `inter-state transfer`); signed "
        "into it and written to the audit log.",
    )
    audience: (
        Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=rules.TEXT)] | None
    ) = Field(
        default=None,
        description="Who the certificate is for (an RTO, a buyer); signed into it as `aud`. "
        "Default: the asking client.",
    )


class NocReasonOut(BaseModel):
    code: ReasonCode = Field(
        description="NOT_CLEAR: stolen, case_property, blacklisted. REVIEW: partial_match, "
        "chassis_mismatch, registration_mismatch, not_registered, registration_status, "
        "data_issues (a damaged record names the vehicle), quarantined_record (an unreadable "
        "row in quarantine writes its number), sync_stale / sync_never / sync_failed (CCTNS "
        "vehicle reports or Vahan not synced successfully within the freshness window), "
        "sync_unknown, live_lookup_failed. Notes: recovered."
    )
    detail: str
    record_id: str | None = None


class NocVehicle(BaseModel):
    registration_no: str | None
    chassis_no: str | None
    engine_no: str | None


class NocOut(BaseModel):
    noc_id: NocId
    decision: Decision = Field(description="CLEAR, NOT_CLEAR or REVIEW.")
    reasons: list[NocReasonOut]
    vehicle: NocVehicle
    issued_at: datetime
    expires_at: datetime | None = Field(description="After this the certificate is refused.")
    audience: str | None = None
    purpose: str | None = None
    sources_last_sync: dict[str, str | None] = Field(
        default_factory=dict,
        description="Each source the decision read (CCTNS vehicle reports, Vahan): its last "
        "successful sync when the NOC was issued.",
    )
    certificate: str = Field(
        description="Compact JWS (ES256, typ noc+jws): verify offline against jwks_uri. Claims: "
        "iss, sub, aud, jti, iat, exp, purpose, vehicle, decision, reasons, sources_last_sync."
    )
    jwks_uri: str


class NocCheckOut(NocOut):
    current_decision: Decision = Field(description="The decision if the NOC were asked for now.")
    current_reasons: list[NocReasonOut]
    changed: bool = Field(description="True when the vehicle's status changed since issue.")
    status: NocStatus = Field(
        description="`valid`; `expired` (past expires_at); `revoked` (a theft report for "
        "the vehicle arrived after a CLEAR certificate)."
    )
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    certificate_valid: bool = Field(
        description="The stored certificate verifies and is neither expired nor revoked."
    )


class SyncFailureOut(BaseModel):
    at: datetime
    error: str | None
    stream: str | None = Field(description="The collection whose walk failed, if known.")


class SyncRunOut(BaseModel):
    model_config = ConfigDict(extra="allow")

    started_at: datetime | None
    finished_at: datetime | None
    status: str | None = Field(description="`ok`, `running`, or how the run ended.")
    error: str | None
    counts: dict[str, JsonValue] = Field(
        description="Rows by outcome: fetched = indexed + updated + unchanged + quarantined + "
        "with_issues + removed + duplicates."
    )
    reconciles: bool = Field(description="Whether the counts add up.")


class ReconciliationOut(BaseModel):
    at: datetime
    listed: int
    removed: int
    removed_ids: list[str]


class SyncHolderOut(BaseModel):
    pid: int | None
    host: str | None
    started_at: str | None
    sources: list[str]


class SyncSourceOut(BaseModel):
    source: str
    last_success: datetime | None
    last_failure: SyncFailureOut | None
    watermark: datetime | None = Field(description="The newest source update time indexed.")
    as_of: datetime | None = Field(description="The source's time when the last walk began.")
    lag_s: float | None = Field(description="Behind the latest time the source has shown.")
    quarantined: int
    with_issues: int
    redacted: int = Field(description="Aadhaar numbers removed (logged).")
    last_run: SyncRunOut | None
    reconciliation: ReconciliationOut | None
    running: SyncHolderOut | None = Field(description="The sync walking this source now.")


class SyncStatusOut(BaseModel):
    configured: bool
    detail: str | None = None
    sources: list[SyncSourceOut] = Field(default_factory=list)

"""Request and response bodies of vehicle search and the vehicle NOC."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from .schemas import RecordOut, Withheld

Ident = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]


class VehicleSearchRequest(BaseModel):
    """At least one identifier, in any common formatting (`MH-12-AB-1234`, `mh12ab1234`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"registration_no": "MH 12 AB 1234"}]},
    )

    registration_no: Ident | None = Field(default=None, description="Plate, e.g. MH12AB1234.")
    chassis_no: Ident | None = Field(
        default=None, description="Full chassis number (VIN) or its last 5+ characters."
    )
    engine_no: Ident | None = Field(default=None, description="Engine number, full or last 5+.")
    purpose: Annotated[str, StringConstraints(min_length=3, max_length=300)] | None = Field(
        default=None, description="Case reference or reason, written to the audit log."
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
    match: str = Field(description="`exact`, or `partial` when only a fragment agrees.")
    status: str | None = Field(description="STOLEN, RECOVERED, CASE_PROPERTY.")
    record: RecordOut


class IssuedNocOut(BaseModel):
    noc_id: str
    decision: str
    issued_at: datetime


class VehicleOut(BaseModel):
    registration_no: str | None
    chassis_no: str | None
    engine_no: str | None
    match: str
    details: dict[str, Any]
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
    live_lookup: str = Field(
        description="`not_needed`, `found`, `not_found`, `failed` or `not_configured`."
    )
    withheld: Withheld


class NocRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"registration_no": "MH12AB1234", "chassis_no": "MA3EWDE1S00123456"}]
        },
    )

    registration_no: Ident
    chassis_no: Ident = Field(description="Full chassis number, or at least its last 5.")
    engine_no: Ident | None = None
    purpose: Annotated[str, StringConstraints(min_length=3, max_length=300)] = Field(
        default="vehicle NOC",
        description="Why the certificate is asked for (e.g. `inter-state transfer`); signed "
        "into it and written to the audit log.",
    )
    audience: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = Field(
        default=None,
        description="Who the certificate is for (an RTO, a buyer); signed into it as `aud`. "
        "Default: the asking client.",
    )


class NocReasonOut(BaseModel):
    code: str = Field(
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
    noc_id: str
    decision: str = Field(description="CLEAR, NOT_CLEAR or REVIEW.")
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
    current_decision: str = Field(description="The decision if the NOC were asked for now.")
    current_reasons: list[NocReasonOut]
    changed: bool = Field(description="True when the vehicle's status changed since issue.")
    status: str = Field(
        description="`valid`; `expired` (past expires_at); `revoked` (a theft report for "
        "the vehicle arrived after a CLEAR certificate)."
    )
    revoked_at: datetime | None = None
    revoked_reason: str | None = None
    certificate_valid: bool = Field(
        description="The stored certificate verifies and is neither expired nor revoked."
    )


class SyncStatusOut(BaseModel):
    configured: bool
    detail: str | None = None
    sources: list[dict[str, Any]] = Field(default_factory=list)

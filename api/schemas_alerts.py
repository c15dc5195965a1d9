"""Bodies of the alerts routes: a desk's feed of alerts and their acknowledgement.

An alert's two sides are shown as the reader may see them now (`alerts.content`): a side whose
record the reader may not see is `restricted` with whom to call, and nothing else.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from . import rules
from .schemas import STRICT, Purpose
from .schemas_records import ProfileId
from .schemas_vehicles import Chassis, Registration


class AlertKind(StrEnum):
    MISSING_FOUND = "missing_found"
    MISSING_CHILD_FOUND = "missing_child_found"
    STOLEN_VEHICLE_SEEN = "stolen_vehicle_seen"
    VEHICLE_RECOVERED = "vehicle_recovered"
    NOC_REVOKED = "noc_revoked"
    RETRO_HIT = "retro_hit"
    CRIMAC = "crimac"
    WATCH_HIT = "watch_hit"
    NDSO_APPEARED = "ndso_appeared"  # a registered sexual offender in a new record
    NDSO_PLACE = "ndso_place"  # a registered sexual offender's address or employer: school, …
    ACCESS_DECIDED = "access_decided"  # your hit-flag access request was approved or refused


class AlertSide(BaseModel):
    """One report of a match, as the reader may see it."""

    model_config = ConfigDict(extra="allow")

    restricted: bool = Field(
        default=False,
        description="True when you may not see this record: only `contact` is given.",
    )
    contact: str | None = Field(
        default=None, description="The desk to call about it: `station:MH/0412`, `district:…`."
    )
    record_id: str | None = None
    side: str | None = Field(default=None, description="missing, found, stolen, registration.")
    source: str | None = None
    status: str | None = None
    state: str | None = None


class AlertEvidence(BaseModel):
    model_config = ConfigDict(extra="allow")

    feature: str | None = None
    weight: float | None = None
    missing: str | None = None
    found: str | None = None


class AlertOut(BaseModel):
    id: int = Field(description="Increasing: pass the last one you saw as `after`.")
    created_at: str
    recipient: str = Field(description="The desk this alert was sent to.")
    kind: AlertKind
    score: float | None = Field(
        default=None, description="0..1; absent when a side is restricted from you."
    )
    review: bool = Field(
        default=False, description="A record in this match arrived damaged: check before acting."
    )
    restricted: bool = False
    own: AlertSide | None = None
    match: AlertSide | None = None
    evidence: list[AlertEvidence] = Field(default_factory=list)
    detail: dict[str, Any] | None = Field(
        default=None, description="Kind-specific facts (a revoked NOC's id and reason)."
    )
    acknowledged_at: str | None = None
    acknowledged_by: str | None = None


class AlertFeed(BaseModel):
    request_id: str | None
    alerts: list[AlertOut]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when this page was the last."
    )
    recipients: list[str] = Field(description="The desks whose alerts you read.")


class AcknowledgeRequest(BaseModel):
    model_config = STRICT

    note: str | None = Field(
        default=None, max_length=300, description="What was done, for the sender to see."
    )


class AcknowledgeOut(BaseModel):
    id: int
    acknowledged_at: str
    acknowledged_by: str


class WatchRequest(BaseModel):
    """What to watch: a plate, a chassis number, a person's profile (any of them, at least one).
    A new record carrying the plate or chassis, or one of the profile's identifiers (DL,
    passport, phone, FIR, registration), alerts you until the watch is removed."""

    model_config = ConfigDict(
        **STRICT,
        json_schema_extra={
            "not": {
                "properties": {
                    name: {"type": "null"}
                    for name in ("registration_no", "chassis_no", "profile_id")
                }
            },
            "examples": [{"registration_no": "MH 12 AB 1234", "purpose": "FIR 0123/2024"}],
        },
    )

    registration_no: Registration | None = None
    chassis_no: Chassis | None = None
    profile_id: ProfileId | None = None
    purpose: Purpose = Field(description="Case reference or reason: written to the audit log.")

    @model_validator(mode="after")
    def _something(self) -> WatchRequest:
        if not (self.registration_no or self.chassis_no or self.profile_id):
            raise ValueError("give at least one of registration_no, chassis_no, profile_id")
        return self


class WatchOut(BaseModel):
    watch_id: int
    keys: int = Field(description="How many identifiers the watch follows.")
    watching: list[str] = Field(description="Record ids already known (they do not alert).")


class WatchRemoved(BaseModel):
    watch_id: int
    removed: bool


class BroadcastCategory(StrEnum):
    HEINOUS_CRIME = "heinous_crime"
    WANTED_PERSON = "wanted_person"
    STOLEN_VEHICLE = "stolen_vehicle"


StateCodeList = Annotated[
    list[Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]],
    Field(max_length=40),
]
District = Annotated[
    str, StringConstraints(min_length=2, max_length=80, pattern=r"^[A-Za-z][A-Za-z .'/-]*$")
]
DistrictList = Annotated[list[District], Field(max_length=200)]


class BroadcastRequest(BaseModel):
    """A Cri-MAC message to every police station of the chosen states and districts."""

    model_config = ConfigDict(
        **STRICT,
        json_schema_extra={
            "examples": [
                {
                    "category": "wanted_person",
                    "message": "Absconding accused in FIR 0123/2024 PS Shivajinagar; see profile.",
                    "states": ["MH", "GJ"],
                    "districts": [],
                    "purpose": "FIR 0123/2024",
                }
            ]
        },
    )

    category: BroadcastCategory
    message: Annotated[str, StringConstraints(min_length=3, max_length=2000, pattern=rules.TEXT)]
    states: StateCodeList = Field(description="Two-letter state codes.")
    districts: DistrictList = Field(
        default_factory=list, description="Narrow to these districts (`PUNE` or `MH/PUNE`)."
    )
    purpose: Purpose


class StationStatusOut(BaseModel):
    recipient: str
    queued: bool
    delivered_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None


class BroadcastOut(BaseModel):
    broadcast_id: int
    created_at: str
    category: BroadcastCategory
    message: str
    stations: list[StationStatusOut]

"""Response models of the registers: the NDSO sexual-offender register and the proclaimed
offenders as officers see them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from .schemas_records import RecordOut


class StationOut(BaseModel):
    state: str | None = None
    district: str | None = None
    police_station: str | None = Field(default=None, description="Police-station code.")
    police_station_name: str | None = None


class ConvictionOut(BaseModel):
    record_id: str
    source: str
    fir: str | None = Field(default=None, description="The FIR as the record cites it.")
    sections: str = Field(
        description="The sections as written; the classifier read them as sexual offences."
    )


class RegisterEntryOut(BaseModel):
    names: list[str] = Field(description="Names as you may see them, Latin and recorded script.")
    station: StationOut = Field(
        description="The police station the register's alerts go to: the station of his latest "
        "FIR (no source records the station of a residence)."
    )
    convictions: list[ConvictionOut]
    records: list[RecordOut] = Field(
        description="The registering records and those the index links to the same person, "
        "cut to what you may see."
    )


class ReviewOut(BaseModel):
    record_id: str
    reason: str


class NdsoRegisterOut(BaseModel):
    total: int = Field(description="Entries matching the filters (before `limit`).")
    entries: list[RegisterEntryOut]
    review: list[ReviewOut] = Field(
        description="Sexual-offence records too damaged to say whether they register someone: "
        "REVIEW, never decided on a guess."
    )
    request_id: str | None = None


class ProclaimedOut(BaseModel):
    total: int
    offenders: list[RecordOut] = Field(
        description="CCTNS accused flagged IS_PROCLAIMED_OFFENDER, whatever their status now."
    )
    request_id: str | None = None

"""NOC decisions and vehicle match kinds, from records alone."""

from __future__ import annotations

from datetime import UTC, datetime

from federation.noc import Decision, assess
from federation.planning import VehicleSearch, normalise_vehicle
from federation.vehicles import MatchKind, match_kind
from records import Identifier, IdType, Kind, Provenance, Record, Source, Vehicle

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def rc(regn: str, chassis: str, *, status: str = "ACTIVE", **attrs: str) -> Record:
    native = f"{regn}#1"
    return Record(
        record_id=f"vahan:{native}",
        source=Source.VAHAN,
        kind=Kind.VEHICLE_REGISTRATION,
        status=status,
        vehicle=Vehicle(registration_no=regn, chassis_no=chassis, owner_serial=1),
        identifiers=(
            Identifier(type=IdType.REGISTRATION, value=regn),
            Identifier(type=IdType.CHASSIS, value=chassis),
        ),
        attributes=dict(attrs),
        provenance=Provenance(
            source=Source.VAHAN, native_id=native, source_updated_at=T0, fetched_at=T0
        ),
    )


def report(
    native: str, status: str, *, regn: str | None = None, chassis: str | None = None
) -> Record:
    idents = []
    if regn:
        idents.append(Identifier(type=IdType.REGISTRATION, value=regn))
    if chassis:
        idents.append(Identifier(type=IdType.CHASSIS, value=chassis, partial=len(chassis) < 11))
    return Record(
        record_id=f"cctns:{native}",
        source=Source.CCTNS,
        kind=Kind.VEHICLE_REPORT,
        status=status,
        vehicle=Vehicle(registration_no=regn, chassis_no=chassis),
        identifiers=tuple(idents),
        provenance=Provenance(
            source=Source.CCTNS, native_id=native, source_updated_at=T0, fetched_at=T0
        ),
    )


TERMS = normalise_vehicle(
    VehicleSearch(registration_no="MH12AB1234", chassis_no="MA3EWDE1S00123456")
)
CAR = rc("MH12AB1234", "MA3EWDE1S00123456")


def test_clear() -> None:
    assert assess(TERMS, [CAR]).decision is Decision.CLEAR


def test_stolen_exact_is_not_clear() -> None:
    stolen = report("R1", "STOLEN", regn="MH12AB1234").model_copy(
        update={"attributes": {"fir_reg_num": "0456/2024"}, "police_station": "0101", "state": "DL"}
    )
    result = assess(TERMS, [CAR, stolen])
    assert result.decision is Decision.NOT_CLEAR
    assert [r.code for r in result.reasons] == ["stolen"]
    assert result.reasons[0].detail == "CCTNS report R1 (FIR 0456/2024, PS 0101, DL): STOLEN"
    assert result.reasons[0].record_id == "cctns:R1"


def test_case_property_and_blacklist_are_not_clear() -> None:
    assert assess(TERMS, [CAR, report("R2", "CASE_PROPERTY", regn="MH12AB1234")]).decision is (
        Decision.NOT_CLEAR
    )
    flagged = rc("MH12AB1234", "MA3EWDE1S00123456", blacklist_status="BLACKLISTED-THEFT")
    result = assess(TERMS, [flagged])
    assert result.decision is Decision.NOT_CLEAR and result.reasons[0].code == "blacklisted"


def test_fragment_match_needs_review_and_recovered_is_noted() -> None:
    result = assess(TERMS, [CAR, report("R3", "STOLEN", chassis="123456")])
    assert result.decision is Decision.REVIEW and result.reasons[0].code == "partial_match"
    recovered = assess(TERMS, [CAR, report("R4", "RECOVERED", regn="MH12AB1234")])
    assert recovered.decision is Decision.CLEAR
    assert [r.code for r in recovered.reasons] == ["recovered"]


def test_unregistered_scrapped_and_mismatched_need_review() -> None:
    assert assess(TERMS, []).reasons[0].code == "not_registered"
    scrapped = assess(TERMS, [rc("MH12AB1234", "MA3EWDE1S00123456", status="SCRAPPED")])
    assert scrapped.decision is Decision.REVIEW
    other = assess(TERMS, [rc("MH12AB1234", "ZZZZZZZZZZZ999999")])
    assert {r.code for r in other.reasons} == {"chassis_mismatch"}


def test_match_kinds() -> None:
    assert match_kind(TERMS, CAR) is MatchKind.EXACT
    assert match_kind(TERMS, report("R5", "STOLEN", chassis="23456")) is MatchKind.PARTIAL
    fragment = normalise_vehicle(VehicleSearch(chassis_no="23456"))
    assert match_kind(fragment, CAR) is MatchKind.PARTIAL
    assert match_kind(fragment, rc("DL03CAB0007", "MBHCZC63SKJ700007")) is None

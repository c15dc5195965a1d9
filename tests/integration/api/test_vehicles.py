"""Vehicle search over HTTP: formatting, fragments, owners, theft reports, live Vahan look-up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from config import Settings
from indexer.backends.base import Backend
from records import Identifier, IdType, Kind, Person, Provenance, Record, Source, Vehicle
from tests.plugins.api import LiveApi, start_api


def vsearch(api: LiveApi, token: str, **body: Any) -> dict[str, Any]:
    body.setdefault("purpose", "checkpoint stop")
    response = api.post("/v1/vehicles/search", token, json=body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.mark.parametrize("plate", ["MH12AB1234", "mh-12-ab-1234", "MH 12 AB 1234", "MH.12.AB.1234"])
def test_plate_in_any_formatting(live_api: LiveApi, plate: str) -> None:
    result = vsearch(live_api, live_api.officer(), registration_no=plate)
    [vehicle] = result["vehicles"]
    assert vehicle["registration_no"] == "MH12AB1234"
    assert vehicle["match"] == "exact"
    assert result["live_lookup"] == "not_needed"


def test_owner_linked_to_a_person_profile_and_theft_report(live_api: LiveApi) -> None:
    token = live_api.officer()
    [vehicle] = vsearch(live_api, token, registration_no="MH12AB1234")["vehicles"]
    [owner] = vehicle["owners"]
    assert owner["current"] is True
    assert owner["record"]["fields"]["people"][0]["name"] == "RAJENDRA PATIL"
    profile = live_api.get(
        f"/v1/persons/{owner['profile_id']}", token, params={"purpose": "vehicle owner"}
    )
    assert profile.status_code == 200, profile.text
    assert "vahan:MH12AB1234#2" in {r["record_id"] for r in profile.json()["records"]}
    [report] = vehicle["reports"]
    assert report["status"] == "STOLEN"
    assert report["record"]["record_id"] == "cctns:DL-PS0101-2024-0456-V1"


def test_chassis_fragment_is_a_partial_match(live_api: LiveApi) -> None:
    result = vsearch(live_api, live_api.officer(), chassis_no="99887")
    [vehicle] = result["vehicles"]
    assert vehicle["registration_no"] == "GJ01XY0099"
    assert vehicle["match"] == "partial"
    assert [r["record"]["record_id"] for r in vehicle["reports"]] == [
        "cctns:RJ-PS0300-2024-0011-V1"
    ]


def test_full_chassis_finds_reports_holding_only_its_last_characters(live_api: LiveApi) -> None:
    result = vsearch(live_api, live_api.officer(), chassis_no="MA1TA-2HRXK-2099887")
    [vehicle] = result["vehicles"]
    assert vehicle["match"] == "exact"
    [report] = vehicle["reports"]
    assert report["match"] == "partial"


def test_blacklist_flag(live_api: LiveApi) -> None:
    [vehicle] = vsearch(live_api, live_api.officer(), engine_no="g4laam123456")["vehicles"]
    assert vehicle["blacklisted"] is True
    assert vehicle["blacklist_status"] == "BLACKLISTED-THEFT"


def test_unknown_plate_without_live_lookup(live_api: LiveApi) -> None:
    result = vsearch(live_api, live_api.officer(), registration_no="UP32ZZ9999")
    assert result["vehicles"] == [] and result["live_lookup"] == "not_configured"


def test_bad_identifier_says_what_to_send(live_api: LiveApi) -> None:
    response = live_api.post(
        "/v1/vehicles/search",
        live_api.officer(),
        json={"registration_no": "HELLO", "purpose": "stop"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "registration_no" in response.json()["detail"]
    empty = live_api.post("/v1/vehicles/search", live_api.officer(), json={"purpose": "stop"})
    assert empty.status_code == 422
    assert "at least one of registration_no" in empty.json()["detail"]


class VahanDesk:
    """The injected live look-up: answers like `connectors.sources.vahan` would, counting calls."""

    def __init__(self, records: list[Record]) -> None:
        self.records = records
        self.calls: list[str] = []

    async def by_registration(self, registration_no: str) -> list[Record]:
        self.calls.append(registration_no)
        return [
            r for r in self.records if r.vehicle and r.vehicle.registration_no == registration_no
        ]

    async def by_chassis(self, chassis_suffix: str) -> list[Record]:
        self.calls.append(chassis_suffix)
        return [
            r
            for r in self.records
            if r.vehicle and (r.vehicle.chassis_no or "").endswith(chassis_suffix)
        ]


def _unsynced() -> Record:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    return Record(
        record_id="vahan:UP32ZZ9999#1",
        source=Source.VAHAN,
        kind=Kind.VEHICLE_REGISTRATION,
        status="ACTIVE",
        state="UP",
        people=(Person(name="SANJAY VERMA"),),
        vehicle=Vehicle(
            registration_no="UP32ZZ9999", chassis_no="MA3FJEB1S00999999", owner_serial=1
        ),
        identifiers=(
            Identifier(type=IdType.REGISTRATION, value="UP32ZZ9999"),
            Identifier(type=IdType.CHASSIS, value="MA3FJEB1S00999999"),
        ),
        provenance=Provenance(
            source=Source.VAHAN, native_id="UP32ZZ9999#1", source_updated_at=now, fetched_at=now
        ),
    )


def test_unsynced_plate_is_looked_up_live(
    world_backend: Backend, api_settings: Settings, tmp_path: Path
) -> None:
    desk = VahanDesk([_unsynced()])
    with start_api(api_settings, world_backend, vahan=desk) as api:
        token = api.officer()
        result = vsearch(api, token, registration_no="UP-32-ZZ-9999")
        [vehicle] = result["vehicles"]
        assert result["live_lookup"] == "found" and vehicle["live"] is True
        assert vehicle["owners"][0]["record"]["fields"]["people"][0]["name"] == "SANJAY VERMA"
        # A synced plate does not go to Vahan.
        vsearch(api, token, registration_no="MH12AB1234")
        assert desk.calls == ["UP32ZZ9999"]
        # A partner not entitled to Vahan does not get Vahan's answer either.
        partner = api.partner(sources=[Source.CCTNS])
        assert vsearch(api, partner, registration_no="UP32ZZ9999")["vehicles"] == []


def test_vahan_failure_does_not_fail_the_search(
    world_backend: Backend, api_settings: Settings
) -> None:
    class Down(VahanDesk):
        async def by_registration(self, registration_no: str) -> list[Record]:
            raise ConnectionError("vahan unreachable")

    with start_api(api_settings, world_backend, vahan=Down([])) as api:
        result = vsearch(api, api.officer(), registration_no="UP32ZZ9999")
        assert result["live_lookup"] == "failed" and result["vehicles"] == []

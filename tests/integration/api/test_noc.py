"""The vehicle NOC: decisions, offline-verifiable certificates, re-checks, no person data."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import KeySet

from auth.principal import Role
from tests.plugins.api import LiveApi

NOC_SCOPES = ("noc:issue", "noc:read", "vehicles:search")


@pytest.fixture(scope="module")
def noc_token(live_api: LiveApi) -> str:
    return live_api.partner(agency="Parivahan NOC", role=Role.NOC_SERVICE, scopes=NOC_SCOPES)


def issue(api: LiveApi, token: str, **body: Any) -> dict[str, Any]:
    response = api.post("/v1/noc/vehicle", token, json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def verify_offline(certificate: str, jwks_url: str) -> dict[str, Any]:
    """What a citizen-facing verifier does: fetch the public keys once, verify locally."""
    keys = KeySet.import_key_set(httpx.get(jwks_url).json())
    verified = jws.deserialize_compact(certificate, keys, algorithms=["ES256"])
    assert verified.headers()["typ"] == "noc+jws"
    payload: dict[str, Any] = json.loads(verified.payload)
    return payload


def test_stolen_vehicle_is_not_clear(live_api: LiveApi, noc_token: str) -> None:
    noc = issue(
        live_api, noc_token, registration_no="MH 12 AB 1234", chassis_no="MA3EWDE1S00123456"
    )
    assert noc["decision"] == "NOT_CLEAR"
    assert "stolen" in {r["code"] for r in noc["reasons"]}
    claims = verify_offline(noc["certificate"], f"{live_api.url}/.well-known/jwks.json")
    assert claims["jti"] == noc["noc_id"]
    assert claims["decision"] == "NOT_CLEAR"
    assert claims["vehicle"]["registration_no"] == "MH12AB1234"


def test_clean_vehicle_is_clear(live_api: LiveApi, noc_token: str) -> None:
    noc = issue(live_api, noc_token, registration_no="DL3CAB0007", chassis_no="MBHCZC63SKJ700007")
    assert noc["decision"] == "CLEAR" and noc["reasons"] == []
    assert (
        verify_offline(
            noc["certificate"], noc["jwks_uri"].replace("http://127.0.0.1:8000", live_api.url)
        )["decision"]
        == "CLEAR"
    )


def test_blacklisted_vehicle_is_not_clear(live_api: LiveApi, noc_token: str) -> None:
    noc = issue(live_api, noc_token, registration_no="KA05MN4321", chassis_no="AM654321")
    assert noc["decision"] == "NOT_CLEAR"
    assert "blacklisted" in {r["code"] for r in noc["reasons"]}


def test_partial_match_needs_review(live_api: LiveApi, noc_token: str) -> None:
    noc = issue(live_api, noc_token, registration_no="GJ01XY0099", chassis_no="MA1TA2HRXK2099887")
    assert noc["decision"] == "REVIEW"
    assert {r["code"] for r in noc["reasons"]} == {"partial_match"}


def test_chassis_that_disagrees_with_vahan_needs_review(live_api: LiveApi, noc_token: str) -> None:
    noc = issue(live_api, noc_token, registration_no="DL3CAB0007", chassis_no="MA3EWDE1S00000001")
    assert noc["decision"] == "REVIEW"
    assert "chassis_mismatch" in {r["code"] for r in noc["reasons"]}


def test_unknown_vehicle_needs_review(live_api: LiveApi, noc_token: str) -> None:
    noc = issue(live_api, noc_token, registration_no="TN09AA0001", chassis_no="MAT44444444444444")
    assert noc["decision"] == "REVIEW"
    assert {r["code"] for r in noc["reasons"]} == {"not_registered"}


def test_recheck_returns_the_stored_noc(live_api: LiveApi, noc_token: str) -> None:
    noc = issue(live_api, noc_token, registration_no="DL3CAB0007", chassis_no="MBHCZC63SKJ700007")
    response = live_api.get(f"/v1/noc/{noc['noc_id']}", noc_token)
    assert response.status_code == 200, response.text
    check = response.json()
    assert check["certificate"] == noc["certificate"]
    assert check["certificate_valid"] is True
    assert check["current_decision"] == "CLEAR" and check["changed"] is False
    officer = live_api.get(f"/v1/noc/{noc['noc_id']}", live_api.officer())
    assert officer.status_code == 200
    missing = live_api.get("/v1/noc/noc_" + "0" * 32, noc_token)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_noc_service_sees_no_person_data(live_api: LiveApi, noc_token: str) -> None:
    noc = issue(live_api, noc_token, registration_no="MH12AB1234", chassis_no="MA3EWDE1S00123456")
    # Random identifiers and the signed blob may hold any digits ("noc_…1990…" once did); the
    # certificate is checked decoded, its claims without the random jti.
    random_fields = {"noc_id", "certificate", "jti"}
    text = json.dumps({k: v for k, v in noc.items() if k not in random_fields})
    claims = verify_offline(noc["certificate"], f"{live_api.url}/.well-known/jwks.json")
    certificate = json.dumps({k: v for k, v in claims.items() if k not in random_fields})
    for person_value in ("RAJENDRA", "PATIL", "GANESH PETH", "1990"):
        assert person_value not in text and person_value not in certificate
    # Vehicle search with the NOC service's token: vehicle status, no people.
    response = live_api.post(
        "/v1/vehicles/search", noc_token, json={"registration_no": "MH12AB1234", "purpose": "NOC 1"}
    )
    assert response.status_code == 200, response.text
    assert "RAJENDRA" not in response.text and "GANESH" not in response.text
    [vehicle] = response.json()["vehicles"]
    for owner in vehicle["owners"]:
        assert "people" not in owner["record"]["fields"]
        assert {"field": "people", "reason": "not granted to role noc_service", "count": 1} in (
            owner["record"]["withheld"]
        )
    # Person search is not among its scopes.
    persons = live_api.post(
        "/v1/persons/search", noc_token, json={"name": "Rajendra Patil", "purpose": "probe"}
    )
    assert persons.status_code == 403


def test_officer_cannot_issue(live_api: LiveApi) -> None:
    response = live_api.post(
        "/v1/noc/vehicle",
        live_api.officer(),
        json={"registration_no": "DL3CAB0007", "chassis_no": "MBHCZC63SKJ700007"},
    )
    assert response.status_code == 403
    assert "noc:issue" in response.json()["detail"]


def test_vehicle_search_lists_nocs_issued_here(live_api: LiveApi, noc_token: str) -> None:
    noc = issue(live_api, noc_token, registration_no="DL3CAB0007", chassis_no="MBHCZC63SKJ700007")
    response = live_api.post(
        "/v1/vehicles/search",
        live_api.officer(),
        json={"registration_no": "DL 3C AB 0007", "purpose": "NOC check"},
    )
    [vehicle] = response.json()["vehicles"]
    assert noc["noc_id"] in {n["noc_id"] for n in vehicle["nocs"]}
    assert all(n["decision"] in ("CLEAR", "NOT_CLEAR", "REVIEW") for n in vehicle["nocs"])

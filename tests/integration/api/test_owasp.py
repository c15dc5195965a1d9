"""The OWASP API Security Top 10 cases that concern search, against the running server.

API1 broken object-level authorisation, API2 broken authentication, API3 excessive data
exposure (object property level), API4 unrestricted resource consumption (bounds; the rate
limits are in test_errors_and_limits), API5 function-level authorisation (scope escalation).
"""

from __future__ import annotations

import base64
import json
import re
import time
import zlib
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from auth.policy import PERSON_FIELDS
from auth.principal import Role
from records import Source
from tests.plugins.api import LiveApi

PURPOSE = "OWASP test"
RAJENDRA = "cctns:MH-PS0412-2024-0123-A1"
SENSITIVE = "cctns:UP-PS2210-2023-0077-A1"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


def _search(api: LiveApi, token: str, **body: Any) -> Any:
    body.setdefault("purpose", PURPOSE)
    return api.post("/v1/persons/search", token, json=body)


def _open(api: LiveApi, profile_id: str, token: str) -> Any:
    return api.get(f"/v1/persons/{profile_id}", token, params={"purpose": PURPOSE})


def _issued(api: LiveApi, record_ids: list[str]) -> str:
    """An id the server issued for these records (as if someone who may see them had been
    handed it and passed it on)."""
    issue: Any = api.app.state.persons.ids.issue
    return str(issue(record_ids))


# --- API1: object-level authorisation ----------------------------------------------------------


def test_profile_outside_ones_sources_is_not_found(live_api: LiveApi) -> None:
    officer = live_api.officer()
    found = _search(live_api, officer, name="Rajendra Shankar Patil").json()
    profile_id = next(
        p["profile_id"]
        for p in found["profiles"]
        if RAJENDRA in {r["record_id"] for r in p["records"]}
    )
    assert _open(live_api, profile_id, officer).status_code == 200
    # A partner entitled to NCRP only, marked to see no hit-flags, is handed the id: it opens
    # nothing.
    partner = live_api.partner(agency="I4C", sources=[Source.NCRP], hit_flag=[])
    response = _open(live_api, profile_id, partner)
    assert response.status_code == 404
    assert "RAJENDRA" not in response.text
    # By default a partner is answered hit-flags for sources outside its entitlement (#19): the
    # id tells it that records exist and whom to ask, never whose they are.
    partner = live_api.partner(agency="I4C", sources=[Source.NCRP])
    response = _open(live_api, profile_id, partner)
    assert response.status_code == 403
    assert response.json()["type"] == "urn:icjs:problem:hit-flag"
    assert "RAJENDRA" not in response.text.upper() and "PATIL" not in response.text.upper()


def test_an_issued_id_for_a_restricted_record_opens_only_for_the_cleared(
    live_api: LiveApi,
) -> None:
    issued = _issued(live_api, [SENSITIVE])
    plain = live_api.officer(state="UP")
    assert _open(live_api, issued, plain).status_code == 404
    cleared = live_api.officer(state="UP", clearances=["sensitive"])
    opened = _open(live_api, issued, cleared)
    assert opened.status_code == 200
    assert SENSITIVE in {r["record_id"] for r in opened.json()["records"]}


def test_an_issued_id_mixing_visible_and_hidden_records_shows_only_the_visible(
    live_api: LiveApi,
) -> None:
    response = _open(live_api, _issued(live_api, [RAJENDRA, SENSITIVE]), live_api.officer())
    assert response.status_code == 200
    assert SENSITIVE not in response.text and "VIKRAM" not in response.text


def _plain_id(record_ids: list[str]) -> str:
    """The former scheme: the members deflated and base64'd, which anyone could write."""
    payload = zlib.compress(json.dumps(sorted(record_ids), separators=(",", ":")).encode(), 9)
    return "p1_" + base64.urlsafe_b64encode(payload).rstrip(b"=").decode()


def test_a_made_up_profile_id_is_not_found_even_for_records_one_may_see(
    live_api: LiveApi,
) -> None:
    cleared = live_api.officer(state="UP", clearances=["sensitive"])
    for forged in (_plain_id([SENSITIVE]), _plain_id([RAJENDRA]), "p2_" + _plain_id([RAJENDRA])):
        response = _open(live_api, forged, cleared)
        assert response.status_code == 404, forged
        assert "VIKRAM" not in response.text and "RAJENDRA" not in response.text


def test_an_altered_profile_id_is_not_found(live_api: LiveApi) -> None:
    officer = live_api.officer()
    found = _search(live_api, officer, name="Rajendra Shankar Patil").json()
    profile_id = found["profiles"][0]["profile_id"]
    assert _open(live_api, profile_id, officer).status_code == 200
    swapped = profile_id[:-2] + ("AB" if not profile_id.endswith("AB") else "BA")
    for altered in (swapped, profile_id[:-1], profile_id + "A", profile_id.replace("p2_", "p1_")):
        assert _open(live_api, altered, officer).status_code == 404, altered


@pytest.mark.parametrize("bad", ["p1_AAAA", "p2_" + "A" * 500, "p1_eJzLSM3JyQcABiwCFQ", "x"])
def test_damaged_profile_ids_are_not_found(live_api: LiveApi, bad: str) -> None:
    response = _open(live_api, bad, live_api.officer())
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_profile_read_states_its_purpose(live_api: LiveApi) -> None:
    officer = live_api.officer()
    found = _search(live_api, officer, name="Rajendra Shankar Patil").json()
    profile_id = found["profiles"][0]["profile_id"]
    response = live_api.get(f"/v1/persons/{profile_id}", officer)
    assert response.status_code == 422
    assert "purpose" in response.text


# --- API2: authentication ----------------------------------------------------------------------


def _forgeries(api: LiveApi) -> dict[str, str]:
    good = api.officer()
    header, _, _ = good.split(".")
    claims = _claims(good)
    now = int(time.time())
    other_key = ECKey.generate_key("P-256")
    real_header = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    return {
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "tampered": f"{header}.{_b64({**claims, 'role': 'supervisor', 'state': 'DL'})}."
        + good.split(".")[2],
        "foreign_key": jws.serialize_compact(
            {"alg": "ES256", "kid": real_header["kid"], "typ": "JWT"},
            json.dumps(claims).encode(),
            other_key,
        ),
        "expired": api.auth.keys.sign({**claims, "exp": now - 3600, "iat": now - 7200}),
        "wrong_audience": api.auth.keys.sign({**claims, "aud": "some-other-service"}),
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize(
    "kind", ["alg_none", "tampered", "foreign_key", "expired", "wrong_audience", "garbage"]
)
def test_bad_tokens_are_refused(live_api: LiveApi, kind: str) -> None:
    token = _forgeries(live_api)[kind]
    response = _search(live_api, token, name="Rajendra Patil")
    assert response.status_code == 401, (kind, response.text)
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "RAJENDRA" not in response.text


def test_no_token(live_api: LiveApi) -> None:
    response = live_api.post("/v1/persons/search", None, json={"name": "A", "purpose": "x"})
    assert response.status_code == 401


# --- API3: excessive data exposure -------------------------------------------------------------


def _person_keys(result: dict[str, Any]) -> set[str]:
    return {
        key
        for p in result["profiles"]
        for r in p["records"]
        for person in r["fields"].get("people", [])
        for key in person
    }


def test_partner_registration_limits_fields(live_api: LiveApi) -> None:
    token = live_api.partner(agency="RPF", fields=["identity"])
    result = _search(live_api, token, name="Rajendra Shankar Patil").json()
    assert result["profiles"]
    for profile in result["profiles"]:
        for record in profile["records"]:
            assert set(record["fields"]) <= {"people", "identifiers", "vehicle"}, record["fields"]
            assert record["provenance"] is None and record["status"] is None
    assert _person_keys(result) <= set(PERSON_FIELDS) - {
        "address",
        "phones",
        "emails",
        "birth_date",
    }
    assert "GANESH PETH" not in json.dumps(result)
    assert result["withheld"]["fields"], "the response says what was withheld"


def test_no_field_beyond_policy_for_any_role(live_api: LiveApi) -> None:
    """Every field returned is one the policy grants; nothing else rides along."""
    policy = live_api.auth.policy
    for token, caller_state in (
        (live_api.officer(state="MH"), "MH"),
        (live_api.officer(state="KA"), "KA"),
        (live_api.partner(agency="CBI"), None),
    ):
        result = _search(live_api, token, name="Rajendra Patil").json()
        for profile in result["profiles"]:
            for record in profile["records"]:
                [stored] = live_api.backend.get([record["record_id"]])
                caller = live_api.auth.authenticate(f"Bearer {token}")
                allowed = policy.redact(caller, stored).fields
                assert set(record["fields"]) <= set(allowed), (caller_state, record["record_id"])
                for shown, granted in zip(
                    record["fields"].get("people", []), allowed.get("people", []), strict=True
                ):
                    assert shown == granted
                assert "raw" not in record["fields"]


def test_match_reasons_do_not_quote_withheld_values(live_api: LiveApi) -> None:
    """A reason quoting a record value the caller may not see has that value blanked."""
    token = live_api.partner(agency="RPF", fields=["status"])
    result = _search(live_api, token, name="Rajendra Patil").json()
    for profile in result["profiles"]:
        assert profile["names"] == [] and profile["display_name"] is None
        for record in profile["records"]:
            for reason in record["match"]["reasons"]:
                assert reason["record"] is None, reason
        for link in profile["links"]:
            text = " ".join(link["reasons"])
            assert not re.search(r"(19|20)\d\d", text) and "PUNE" not in text, text


# --- API4: resource consumption (bounds) -------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"name": "A", "limit": 101},
        {"name": "A", "limit": 0},
        {"name": "A" * 121},
        {"name": "A", "father_name": "B" * 121},
        {"name": "A", "sources": ["cctns"] * 9},
        {"name": "A", "tolerance": 11},
        {"name": "   "},
        {"name": "A\u0000B"},
    ],
)
def test_request_bounds(live_api: LiveApi, body: dict[str, Any]) -> None:
    response = _search(live_api, live_api.officer(), **body)
    assert response.status_code == 422, response.text


def test_limit_caps_profiles(live_api: LiveApi) -> None:
    result = _search(live_api, live_api.officer(), name="Patil", limit=1, min_score=0.0).json()
    assert len(result["profiles"]) == 1


# --- API5: function-level authorisation --------------------------------------------------------


def test_scope_escalation_is_refused(live_api: LiveApi) -> None:
    client_id, secret = live_api.register(agency="CBI", scopes=["persons:search"])
    token = live_api.client_token(client_id, secret)
    assert "noc:issue" not in _claims(token).get("scope", "")
    noc = live_api.post(
        "/v1/noc/vehicle", token, json={"registration_no": "DL3CAB0007", "chassis_no": "ABCDE"}
    )
    assert noc.status_code == 403
    assert _open(live_api, _issued(live_api, [RAJENDRA]), token).status_code == 403
    asked = live_api.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "noc:issue"},
        auth=(client_id, secret),
    )
    assert asked.status_code == 400 or "noc:issue" not in asked.json().get("scope", "")


def test_officer_cannot_read_sync_status_or_audit(live_api: LiveApi) -> None:
    token = live_api.officer()
    assert live_api.get("/v1/sync/status", token).status_code == 403
    assert live_api.get("/v1/audit", token).status_code == 403
    admin = live_api.officer(role=Role.ADMIN, state=None, district=None)
    status = live_api.get("/v1/sync/status", admin)
    assert status.status_code == 200 and status.json()["configured"] is True
    assert _search(live_api, admin, name="Rajendra Patil").status_code == 403

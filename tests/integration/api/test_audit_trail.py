"""What the audit log says about search requests: allowed and denied, with purpose and ids."""

from __future__ import annotations

import uuid

from state.audit import AuditEntry
from tests.plugins.api import LiveApi


def _entry(api: LiveApi, request_id: str) -> AuditEntry:
    for entry in api.auth.audit.entries():
        if entry.request_id == request_id:
            return entry
    raise AssertionError(f"no audit entry for {request_id}")


def test_search_is_audited_with_purpose_query_and_record_ids(live_api: LiveApi) -> None:
    rid = f"audit-{uuid.uuid4().hex}"
    token = live_api.officer(subject="officer-audit-1")
    response = live_api.post(
        "/v1/persons/search",
        token,
        headers={"X-Request-ID": rid},
        json={"name": "Rajendra Patil", "purpose": "FIR 0123/2024 PS 0412"},
    )
    assert response.status_code == 200
    returned = {r["record_id"] for p in response.json()["profiles"] for r in p["records"]}
    entry = _entry(live_api, rid)
    assert entry.decision == "allow" and entry.status == 200
    assert entry.actor == "officer-audit-1" and entry.role == "officer"
    assert entry.purpose == "FIR 0123/2024 PS 0412"
    assert entry.query["name"] == "Rajendra Patil"
    assert set(entry.record_ids) == returned and returned
    assert entry.route == "/v1/persons/search"


def test_denials_are_audited(live_api: LiveApi) -> None:
    no_token = f"audit-{uuid.uuid4().hex}"
    live_api.post(
        "/v1/persons/search", None, headers={"X-Request-ID": no_token}, json={"name": "A"}
    )
    assert _entry(live_api, no_token).decision == "deny"
    invalid = f"audit-{uuid.uuid4().hex}"
    live_api.post(
        "/v1/persons/search",
        live_api.officer(),
        headers={"X-Request-ID": invalid},
        json={"name": "A", "limit": 500, "purpose": "x1y"},
    )
    entry = _entry(live_api, invalid)
    assert entry.status == 422 and entry.decision == "error"


def test_vehicle_and_noc_requests_name_the_records(live_api: LiveApi) -> None:
    rid = f"audit-{uuid.uuid4().hex}"
    live_api.post(
        "/v1/vehicles/search",
        live_api.officer(),
        headers={"X-Request-ID": rid},
        json={"registration_no": "MH12AB1234", "purpose": "checkpoint stop"},
    )
    entry = _entry(live_api, rid)
    assert "vahan:MH12AB1234#2" in entry.record_ids
    assert "cctns:DL-PS0101-2024-0456-V1" in entry.record_ids
    assert entry.purpose == "checkpoint stop"

"""API6 (unrestricted access to sensitive business flows): personal data is read for a stated
reason, and in bounded amounts.

- every personal-data read states a purpose (person and vehicle search; the profile read is the
  profile route's own test), and the purpose is in the audit entry;
- a caller cannot walk the registers: results are capped per request and requests per minute;
- the NOC flow is the NOC service's alone.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from auth.principal import Role
from indexer.backends.base import Backend
from tests.plugins.api import LiveApi, api_settings_for, start_api


def test_personal_data_reads_need_a_purpose(live_api: LiveApi) -> None:
    officer = live_api.officer()
    for path, body in (
        ("/v1/persons/search", {"name": "Rajendra Patil"}),
        ("/v1/vehicles/search", {"registration_no": "MH12AB1234"}),
        ("/v1/vehicles/search", {"registration_no": "MH12AB1234", "purpose": "  "}),
        ("/v1/vehicles/search", {"registration_no": "MH12AB1234", "purpose": "a\u0000b"}),
    ):
        response = live_api.post(path, officer, json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert "purpose" in response.json()["detail"]
    rid = f"purpose-{uuid.uuid4().hex}"
    stated = live_api.post(
        "/v1/vehicles/search",
        officer,
        headers={"X-Request-ID": rid},
        json={"registration_no": "MH12AB1234", "purpose": "stop at NH48 toll, GD 17/2026"},
    )
    assert stated.status_code == 200
    [entry] = [
        e for e in live_api.auth.audit.entries() if e.request_id == rid and e.decision == "allow"
    ]
    assert entry.purpose == "stop at NH48 toll, GD 17/2026"
    assert entry.record_ids


def test_the_registers_cannot_be_walked(tmp_path: Path, world_backend: Backend) -> None:
    with start_api(api_settings_for(tmp_path, rate_limit_per_minute=20), world_backend) as api:
        token = api.officer()
        statuses = [
            api.post(
                "/v1/persons/search",
                token,
                json={"name": f"Patil {n}", "purpose": "bulk", "limit": 100, "min_score": 0.0},
            ).status_code
            for n in range(8)
        ]
        assert 429 in statuses, statuses  # a burst of five at twenty a minute
        too_many = api.post(
            "/v1/persons/search", token, json={"name": "A", "purpose": "bulk", "limit": 101}
        )
        assert too_many.status_code in (422, 429)


def test_only_the_noc_service_issues_nocs(live_api: LiveApi) -> None:
    body = {"registration_no": "DL3CAB0007", "chassis_no": "MBHCZC63SKJ700007"}
    for token in (
        live_api.officer(),
        live_api.partner(agency="CBI"),
        live_api.officer(role=Role.SUPERVISOR),
    ):
        assert live_api.post("/v1/noc/vehicle", token, json=body).status_code == 403

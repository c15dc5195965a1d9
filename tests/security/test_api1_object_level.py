"""API1 (broken object level authorisation): an id handed over opens nothing the policy hides.

(Forged and damaged profile ids: `tests/integration/api/test_owasp`, beside the profile route.)
"""

from __future__ import annotations

from auth.principal import Role
from records import Source
from tests.plugins.api import LiveApi

SEARCH = {"name": "Rajendra Shankar Patil", "purpose": "object level test"}
SENSITIVE = "cctns:MH-PS0412-2024-0999-A1"  # a sexual-offence case in the shared API world


def _profile_holding(api: LiveApi, token: str, record_id: str, name: str) -> str:
    found = api.post("/v1/persons/search", token, json={**SEARCH, "name": name}).json()
    return next(
        p["profile_id"]
        for p in found["profiles"]
        if record_id in {r["record_id"] for r in p["records"]}
    )


def test_a_profile_id_handed_over_opens_only_what_the_holder_may_see(live_api: LiveApi) -> None:
    cleared = live_api.officer(clearances=["sensitive"])
    profile_id = _profile_holding(live_api, cleared, SENSITIVE, "Mahesh Dagdu Jadhav")
    read = {"purpose": "object level check"}  # a profile read states its purpose (#16)
    assert live_api.get(f"/v1/persons/{profile_id}", cleared, params=read).status_code == 200
    for holder in (
        live_api.officer(),  # same state, no clearance
        live_api.partner(agency="RPF"),  # partner, no clearance
    ):
        response = live_api.get(f"/v1/persons/{profile_id}", holder, params=read)
        assert response.status_code == 404, response.text
        assert "JADHAV" not in response.text


def test_a_supervisor_reads_only_their_districts_audit_whatever_they_ask(
    live_api: LiveApi,
) -> None:
    mumbai = live_api.officer(state="MH", district="MUMBAI", subject="officer-mumbai-77")
    live_api.post("/v1/persons/search", mumbai, json=SEARCH)
    pune_sp = live_api.officer(role=Role.SUPERVISOR, state="MH", district="PUNE")
    page = live_api.get("/v1/audit?actor=officer-mumbai-77", pune_sp)
    assert page.status_code == 200 and page.json()["entries"] == []
    mumbai_sp = live_api.officer(role=Role.SUPERVISOR, state="MH", district="MUMBAI")
    page = live_api.get("/v1/audit?actor=officer-mumbai-77", mumbai_sp)
    assert page.json()["entries"], "the officer's own district supervisor sees the entry"


def test_source_entitlements_hold_for_every_route(live_api: LiveApi) -> None:
    vahan_only = live_api.partner(agency="MoRTH", sources=[Source.VAHAN])
    persons = live_api.post("/v1/persons/search", vahan_only, json=SEARCH).json()
    sources = {r["source"] for p in persons["profiles"] for r in p["records"]}
    assert sources <= {"vahan"}, sources
    vehicles = live_api.post(
        "/v1/vehicles/search",
        vahan_only,
        json={"registration_no": "MH12AB1234", "purpose": "entitlement check"},
    ).json()
    assert not vehicles["unlinked_reports"]
    assert all(not v["reports"] for v in vehicles["vehicles"]), "CCTNS reports are not granted"

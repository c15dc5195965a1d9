"""Profile reads and supervisors' decisions over HTTP: purpose and audit, evidence and refusals,
confirm and split (kept across re-syncs and rebuilds), and a missing child as the profile's
person, never the guardian who reported.

A world of its own, and a server of its own: decisions change what later requests see."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from auth.principal import Role
from config import SearchSettings, StateSettings
from indexer import open_backend
from indexer.backends.base import Backend
from records import Gender, Kind, Person, PersonRole, Record, Relation, Sensitivity, Source, Vehicle
from state.audit import AuditEntry
from tests.plugins.api import LiveApi, api_settings_for, fill, start_api
from tests.plugins.backends import make

PURPOSE = "FIR 0777/2024 PS Kochi"
LICENCE = "sarathi:KL0720150012345"
OWNER = "vahan:KL07AB1234#1"
ACCUSED = "cctns:KL-PS0001-2024-0777-A1"  # a namesake: another father
CHILD = "khoyapaya:KP-2024-KL-000001"
ADDRESS = "H NO 5, MG ROAD, ERNAKULAM"


def world() -> list[Record]:
    return [
        make(
            Source.SARATHI,
            "KL0720150012345",
            Kind.DRIVING_LICENCE,
            state="KL",
            district="ERNAKULAM",
            people=(
                Person(
                    name="Sreejith Menon",
                    relative_name="Ramesh Menon",
                    relation=Relation.RELATIVE,
                    gender=Gender.MALE,
                    birth_date=date(1985, 3, 4),
                    address=ADDRESS.title(),
                ),
            ),
        ),
        make(
            Source.VAHAN,
            "KL07AB1234#1",
            Kind.VEHICLE_REGISTRATION,
            state="KL",
            people=(
                Person(
                    role=PersonRole.OWNER,
                    name="SHRI SREEJITH MENON",
                    relative_name="RAMESH MENON",
                    relation=Relation.RELATIVE,
                    address=ADDRESS,
                ),
            ),
            vehicle=Vehicle(registration_no="KL07AB1234", owner_serial=1),
        ),
        make(
            Source.CCTNS,
            "KL-PS0001-2024-0777-A1",
            Kind.ACCUSED,
            state="KL",
            district="ERNAKULAM",
            people=(
                Person(
                    name="SREEJITH MENON",
                    relative_name="MAHESH NAIR",
                    relation=Relation.SON_OF,
                    gender=Gender.MALE,
                    birth_year=1985,
                ),
            ),
        ),
        make(
            Source.KHOYAPAYA,
            "KP-2024-KL-000001",
            Kind.MISSING_PERSON,
            state="KL",
            district="ERNAKULAM",
            people=(
                Person(
                    role=PersonRole.MISSING,
                    name="Aarav",
                    relative_name="Sunil Varghese",
                    relation=Relation.SON_OF,
                    age_from=7,
                    age_to=7,
                    age_on=date(2024, 4, 20),
                ),
                Person(
                    role=PersonRole.GUARDIAN,
                    name="Sunil Varghese",
                    relative_name="Aarav",
                    relation=Relation.FATHER_OF,
                    phones=("+919811112222",),
                ),
            ),
            sensitivity=frozenset({Sensitivity.CHILD}),
        ),
        make(
            Source.CCTNS,
            "KL-PS0002-2023-0100-A1",
            Kind.ACCUSED,
            state="KL",
            people=(Person(name="SUNIL VARGHESE", relative_name="THOMAS VARGHESE"),),
        ),
    ]


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    backend = open_backend(SearchSettings(backend="embedded", path=tmp_path / "icjs.db"))
    fill(backend, world())
    yield backend
    backend.close()


@pytest.fixture
def api(tmp_path: Path, backend: Backend) -> Iterator[LiveApi]:
    with start_api(api_settings_for(tmp_path / "api"), backend) as live:
        yield live


def search(api: LiveApi, token: str, name: str) -> list[dict[str, Any]]:
    response = api.post("/v1/persons/search", token, json={"name": name, "purpose": PURPOSE})
    assert response.status_code == 200, response.text
    profiles: list[dict[str, Any]] = response.json()["profiles"]
    return profiles


def members(profile: dict[str, Any]) -> set[str]:
    return {r["record_id"] for r in profile["records"]}


def holding(profiles: list[dict[str, Any]], record_id: str) -> dict[str, Any]:
    return next(p for p in profiles if record_id in members(p))


def read(api: LiveApi, token: str, profile_id: str, **headers: str) -> dict[str, Any]:
    response = api.get(
        f"/v1/persons/{profile_id}", token, params={"purpose": PURPOSE}, headers=headers
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def audit_entry(api: LiveApi, request_id: str) -> AuditEntry:
    return next(e for e in api.auth.audit.entries() if e.request_id == request_id)


def test_licence_and_vehicle_of_one_man_are_one_profile_and_his_namesake_is_refused(
    api: LiveApi,
) -> None:
    officer = api.officer(state="KL", district="ERNAKULAM")
    profile = holding(search(api, officer, "Sreejith Menon"), LICENCE)
    assert members(profile) == {LICENCE, OWNER}
    [link] = profile["links"]
    assert link["kind"] == "query" and link["confidence"] >= 0.995
    weighed = {e["comparison"]: e for e in link["evidence"]}
    assert {"name", "relative", "address"} <= set(weighed) and "birth" not in weighed
    assert all(isinstance(e["weight"], float) for e in link["evidence"])
    refused = {tuple(sorted(r["record_ids"])): r["reasons"] for r in profile["refused"]}
    assert any(
        ACCUSED in ids and "different father's name" in reasons for ids, reasons in refused.items()
    ), refused


def test_a_profile_read_is_audited_with_its_purpose_and_shows_the_evidence(api: LiveApi) -> None:
    officer = api.officer(state="KL", district="ERNAKULAM", subject="officer-kl-9")
    profile = holding(search(api, officer, "Sreejith Menon"), LICENCE)
    request_id = f"read-{uuid.uuid4().hex}"
    opened = read(api, officer, profile["profile_id"], **{"X-Request-ID": request_id})
    assert opened["profile_id"] == opened["requested_profile_id"] == profile["profile_id"]
    assert members(opened) == {LICENCE, OWNER} and opened["moved"] == []
    assert opened["links"][0]["evidence"] and opened["refused"]
    entry = audit_entry(api, request_id)
    assert entry.purpose == PURPOSE and entry.actor == "officer-kl-9"
    assert set(entry.record_ids) == {LICENCE, OWNER}
    assert entry.route == "/v1/persons/{profile_id}"


def test_a_supervisor_splits_and_the_split_survives_resync_and_rebuild(
    api: LiveApi, backend: Backend
) -> None:
    supervisor = api.officer(role=Role.SUPERVISOR, state="KL", district="ERNAKULAM")
    profile = holding(search(api, supervisor, "Sreejith Menon"), LICENCE)
    officer = api.officer(state="KL", district="ERNAKULAM")
    body = {"action": "split", "record_ids": [OWNER], "reason": "two men", "purpose": PURPOSE}
    path = f"/v1/persons/{profile['profile_id']}/decisions"
    assert api.post(path, officer, json=body).status_code == 403, "officers do not decide"
    assert api.post(path, supervisor, json={**body, "reason": ""}).status_code == 422
    request_id = f"split-{uuid.uuid4().hex}"
    response = api.post(path, supervisor, json=body, headers={"X-Request-ID": request_id})
    assert response.status_code == 201, response.text
    decision = response.json()
    assert decision["action"] == "split" and decision["pairs"] == 1
    after = decision["profile"]
    assert members(after) == {LICENCE}
    [moved] = after["moved"]
    assert moved["record_id"] == OWNER and moved["profile_id"] != profile["profile_id"]
    entry = audit_entry(api, request_id)
    assert entry.purpose == PURPOSE and entry.query["reason"] == "two men"
    assert set(entry.record_ids) == {LICENCE, OWNER}
    # the old id still answers, pointing to where its records went
    assert read(api, supervisor, profile["profile_id"])["moved"][0]["record_id"] == OWNER

    def apart() -> bool:
        found = search(api, supervisor, "Sreejith Menon")
        return holding(found, LICENCE) is not holding(found, OWNER)

    assert apart()
    fill(backend, world())  # a re-sync writes the same records again
    assert apart()
    backend.rebuild()  # a rebuild makes a new index version
    assert apart()
    licence = holding(search(api, supervisor, "Sreejith Menon"), LICENCE)
    assert any(
        "split by a supervisor: two men" in " ".join(r["reasons"]) for r in licence["refused"]
    )


def test_a_supervisor_confirms_a_profile(api: LiveApi) -> None:
    supervisor = api.officer(role=Role.SUPERVISOR, state="KL", district="ERNAKULAM")
    profile = holding(search(api, supervisor, "Sreejith Menon"), LICENCE)
    body = {"action": "confirm", "reason": "same man, checked", "purpose": PURPOSE}
    response = api.post(f"/v1/persons/{profile['profile_id']}/decisions", supervisor, json=body)
    assert response.status_code == 201, response.text
    after = holding(search(api, supervisor, "Sreejith Menon"), LICENCE)
    assert members(after) == {LICENCE, OWNER}
    [link] = after["links"]
    assert link["kind"] == "manual" and "same man, checked" in link["reasons"][0]


def test_a_decision_on_an_unknown_profile_is_not_found(api: LiveApi) -> None:
    supervisor = api.officer(role=Role.SUPERVISOR, state="KL", district="ERNAKULAM")
    body = {"action": "confirm", "reason": "checked", "purpose": PURPOSE}
    response = api.post("/v1/persons/p2_AAAAAAAAAAAAAAAAAAAAAAAA/decisions", supervisor, json=body)
    assert response.status_code == 404


def test_a_decision_that_does_not_fit_the_profile_is_a_conflict(api: LiveApi) -> None:
    """A well-formed decision on what the profile no longer is (records it does not hold, all
    of its records, a one-record profile's joins) is a 409 that says so, and nothing is kept."""
    supervisor = api.officer(role=Role.SUPERVISOR, state="KL", district="ERNAKULAM")
    profile = holding(search(api, supervisor, "Sreejith Menon"), LICENCE)
    path = f"/v1/persons/{profile['profile_id']}/decisions"
    base = {"action": "split", "reason": "two men", "purpose": PURPOSE}
    for record_ids, says in (([ACCUSED], "not in this profile"), ([LICENCE, OWNER], "not all")):
        response = api.post(path, supervisor, json={**base, "record_ids": record_ids})
        assert response.status_code == 409, response.text
        assert says in response.json()["detail"]
    alone = holding(search(api, supervisor, "Sreejith Menon"), ACCUSED)
    response = api.post(
        f"/v1/persons/{alone['profile_id']}/decisions",
        supervisor,
        json={"action": "confirm", "reason": "checked", "purpose": PURPOSE},
    )
    assert response.status_code == 409 and "one record" in response.json()["detail"]
    assert members(holding(search(api, supervisor, "Sreejith Menon"), LICENCE)) == {
        LICENCE,
        OWNER,
    }


def test_a_missing_childs_profile_is_the_child_never_the_guardian(api: LiveApi) -> None:
    officer = api.officer(role=Role.SUPERVISOR, state="KL", district="ERNAKULAM")
    # The father's name finds his own record, never joined to the report he made about his son.
    # The son's own profile may come too, far below (names #15: a child's full name may carry
    # the father's, `Aarav Sunil Varghese`), but as the child's profile, never the father's.
    profiles = search(api, officer, "Sunil Varghese")
    assert "SUNIL VARGHESE" in (profiles[0]["display_name"] or "").upper()
    assert CHILD not in members(profiles[0])
    for profile in profiles:
        if CHILD in members(profile):
            assert members(profile) == {CHILD} and profile["display_name"] == "Aarav"
            assert profile["confidence"] < profiles[0]["confidence"]
    child = holding(search(api, officer, "Aarav"), CHILD)
    assert child["display_name"] == "Aarav"
    assert "Sunil Varghese" not in child["names"]


def test_a_split_through_one_api_node_holds_on_another_sharing_the_state(
    tmp_path: Path, backend: Backend, pg_url: str
) -> None:
    """Decisions are state: two API nodes on one PostgreSQL state database (two workers, two
    machines) group with the same decisions, whichever node took them."""
    settings = api_settings_for(tmp_path / "shared").model_copy(
        update={"state": StateSettings(url=SecretStr(pg_url))}
    )
    with start_api(settings, backend) as a, start_api(settings, backend) as b:
        supervisor = a.officer(role=Role.SUPERVISOR, state="KL", district="ERNAKULAM")
        profile = holding(search(b, supervisor, "Sreejith Menon"), LICENCE)
        assert members(profile) == {LICENCE, OWNER}
        body = {"action": "split", "record_ids": [OWNER], "reason": "two men", "purpose": PURPOSE}
        path = f"/v1/persons/{profile['profile_id']}/decisions"
        response = a.post(path, supervisor, json=body)
        assert response.status_code == 201, response.text
        assert response.headers["Location"].startswith("/v1/persons/p2_")
        found = search(b, supervisor, "Sreejith Menon")
        assert holding(found, LICENCE) is not holding(found, OWNER)
        assert read(b, supervisor, profile["profile_id"])["moved"][0]["record_id"] == OWNER

"""The NDSO sexual-offender register and the officers' proclaimed-offenders list, against the
simulated world's ground truth: the register holds the world's convicted sexual offenders and
nobody else, only the NDSO role reads it, every read is audited and auditors can review it;
the proclaimed list holds every flagged accused, by state and district, searchable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from auth.principal import Role
from indexer.backends.base import Backend
from records import Record, Source
from simulators.harness import Running, start_simulators
from simulators.world.crime import _SENSITIVE_SECTIONS
from tests.integration.api.synced import synced_world
from tests.plugins.api import LiveApi

PURPOSE = "NDSO periodic verification 2026"


@pytest.fixture(scope="module")
def simulators(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A world large enough to hold a few convicted sexual offenders (about 1 in 100 accused)."""
    running = start_simulators(
        seed=23, persons=1500, faults="none", data_dir=tmp_path_factory.mktemp("ndso-sim")
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def world(
    simulators: Running, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Backend, LiveApi, list[Record]]]:
    with synced_world(simulators, tmp_path_factory.mktemp("register-world")) as world:
        yield world


def subject_of(simulators: Running, record_id: str) -> str:
    people = simulators.ground_truth.person_of(record_id)
    return next(pid for pid, role in people.items() if role == "subject")


def convicted_sexual_offenders(simulators: Running, records: list[Record]) -> set[str]:
    """The world's own answer, from what the sources sent (raw) and the world's list of
    sexual-offence sections, not from our classifier or labels."""
    out = set()
    for record in records:
        raw = record.raw or {}
        if record.source is Source.CCTNS and record.kind.value == "accused":
            hit = raw.get("ACCUSED_STATUS") == "CONVICTED" and raw.get("SENSITIVE_CASE") == "Y"
        elif record.source is Source.EPRISONS:
            hit = raw.get("category") == "CONVICT" and any(
                c.get("sections") in _SENSITIVE_SECTIONS for c in raw.get("cases") or []
            )
        else:
            continue
        if hit:
            out.add(subject_of(simulators, record.record_id))
    return out


def register(api: LiveApi, token: str, **params: Any) -> dict[str, Any]:
    response = api.get(
        "/v1/ndso/register", token, params={"purpose": PURPOSE, "limit": 1000, **params}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_register_holds_the_convicted_sexual_offenders_and_nobody_else(
    simulators: Running, world: tuple[Backend, LiveApi, list[Record]]
) -> None:
    _, api, records = world
    expected = convicted_sexual_offenders(simulators, records)
    assert len(expected) >= 3, "the world holds convicted sexual offenders"
    token = api.officer(role=Role.NDSO, state="MH", subject="ndso-officer-1")
    body = register(api, token)
    registered: set[str] = set()
    for entry in body["entries"]:
        # every record of an entry is the same person (no namesake folded in)
        people = {subject_of(simulators, r["record_id"]) for r in entry["records"]}
        assert len(people) == 1, entry
        registered |= people
        assert entry["convictions"] and entry["names"]
        assert entry["station"]["state"]
    assert registered == expected
    assert body["total"] == len(body["entries"])
    # no victim: the register's records name only the convicted
    for entry in body["entries"]:
        for shown in entry["records"]:
            roles = {p.get("role") for p in shown["fields"].get("people", [])}
            assert roles <= {"subject"}


def test_the_register_filters_by_place_and_name(
    world: tuple[Backend, LiveApi, list[Record]],
) -> None:
    _, api, _ = world
    token = api.officer(role=Role.NDSO, state="MH")
    everyone = register(api, token)["entries"]
    entry = everyone[0]
    state = entry["station"]["state"]
    in_state = register(api, token, state=state)["entries"]
    assert entry in in_state
    assert all(e["station"]["state"] == state for e in in_state)
    assert len(in_state) == sum(1 for e in everyone if e["station"]["state"] == state)
    latin = next(n for n in entry["names"] if n.isascii())
    by_name = register(api, token, name=latin.lower())["entries"]
    assert entry in by_name and len(by_name) < len(everyone)


def test_only_the_ndso_role_reads_the_register_and_auditors_review_it(
    world: tuple[Backend, LiveApi, list[Record]],
) -> None:
    _, api, _ = world
    for role in (Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN):
        token = api.officer(role=role, clearances=["sensitive"])
        response = api.get("/v1/ndso/register", token, params={"purpose": PURPOSE})
        assert response.status_code == 403, (role, response.text)
    partner = api.partner(agency="CBI")
    assert api.get("/v1/ndso/register", partner, params={"purpose": PURPOSE}).status_code == 403
    ndso = api.officer(role=Role.NDSO, subject="ndso-officer-audited")
    assert api.get("/v1/ndso/register", ndso).status_code == 422  # a purpose is required
    # the register role reads nothing else
    search = {"name": "Ramesh", "purpose": PURPOSE}
    assert api.post("/v1/persons/search", ndso, json=search).status_code == 403
    body = register(api, ndso, state="MH")
    auditor = api.officer(role=Role.AUDITOR)
    page = api.get("/v1/audit", auditor, params={"actor": "ndso-officer-audited"}).json()
    reads = [e for e in page["entries"] if e["route"].endswith("/v1/ndso/register")]
    assert reads, page
    latest = reads[0]
    assert latest["purpose"] == PURPOSE and latest["status"] == 200
    shown = {r["record_id"] for e in body["entries"] for r in e["records"]}
    assert set(latest["record_ids"]) == shown


def test_officers_list_proclaimed_offenders_by_state_district_and_name(
    world: tuple[Backend, LiveApi, list[Record]],
) -> None:
    _, api, records = world
    flagged = [r for r in records if (r.raw or {}).get("IS_PROCLAIMED_OFFENDER") == "Y"]
    assert flagged, "the world holds proclaimed offenders"
    cleared = api.officer(state="MH", clearances=["sensitive"])

    def listed(**params: Any) -> dict[str, Any]:
        response = api.get(
            "/v1/proclaimed-offenders",
            cleared,
            params={"purpose": PURPOSE, "limit": 1000, **params},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    everyone = listed()
    assert {o["record_id"] for o in everyone["offenders"]} == {r.record_id for r in flagged}
    record = flagged[0]
    assert record.state and record.district
    here = listed(state=record.state, district=record.district)["offenders"]
    assert record.record_id in {o["record_id"] for o in here}
    assert {(o["fields"]["state"], o["fields"]["district"]) for o in here} == {
        (record.state, record.district)
    }
    name = next(p.name for p in record.subjects() if p.name)
    assert name
    found = listed(name=name)["offenders"]
    assert record.record_id in {o["record_id"] for o in found}
    # an uncleared officer does not see the sexual-offence ones
    sensitive = {r.record_id for r in flagged if r.sensitivity}
    plain = api.get(
        "/v1/proclaimed-offenders",
        api.officer(state="MH"),
        params={"purpose": PURPOSE, "limit": 1000},
    ).json()
    assert not sensitive & {o["record_id"] for o in plain["offenders"]}
    assert (
        api.get(
            "/v1/proclaimed-offenders", api.officer(role=Role.AUDITOR), params={"purpose": PURPOSE}
        ).status_code
        == 403
    )

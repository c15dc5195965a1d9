"""The first vertical slice, end to end over real HTTP at every hop:

CCTNS simulator → CCTNS connector and sync engine → embedded index → `POST /v1/persons/search`
finds a person by a misspelled name; and a plate Vahan knows but the index does not is found by
the API's live look-up through the Vahan connector.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from auth.principal import Role
from config import SourceSettings, SyncSettings
from connectors.engine import run_sync
from connectors.retry import RetryPolicy
from indexer.backends.base import Backend
from records import Record
from simulators.harness import Running
from tests.plugins.api import api_settings_for, start_api

FAST = RetryPolicy(max_attempts=3, initial_s=0.01, max_s=0.05)


def source(running: Running, name: str) -> SourceSettings:
    return SourceSettings.model_validate(running.manifest[name])


@pytest.fixture(scope="module")
def synced(
    simulators: Running, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Backend]]:
    from indexer import open_backend

    root = tmp_path_factory.mktemp("slice")
    settings = api_settings_for(root)
    backend = open_backend(settings.search)
    report = asyncio.run(
        run_sync(
            {"cctns": source(simulators, "cctns")},
            backend,
            settings.sync.state_path,
            SyncSettings(state_path=settings.sync.state_path),
            full=True,
            policy=FAST,
        )
    )
    backend.flush()
    assert report is not None
    yield root, backend
    backend.close()


# The slips that clerks and officers make with Indian names: vowel length, aspirates,
# sibilants, v/w, doubled letters (a transposition of two letters is a typing slip the matcher
# handles less well on short names; it is not what this slice is about).
_SLIPS = (("EE", "I"), ("OO", "U"), ("SH", "S"), ("TH", "T"), ("V", "W"), ("A", "AA"))


def misspell(name: str) -> str | None:
    """One spelling slip in the longest word of a name of two words or more."""
    words = re.findall(r"[A-Za-z]+", name)
    if len(words) < 2:
        return None
    longest = max(words, key=len)
    if len(longest) < 5:
        return None
    for old, new in _SLIPS:
        if old in longest.upper():
            slipped = longest.upper().replace(old, new, 1)
            return name.replace(longest, slipped, 1)
    return None


def cctns_people(simulators: Running, backend: Backend, n: int) -> list[tuple[Record, str]]:
    live = sorted(
        rid for rid in simulators.ground_truth.live_record_ids("cctns") if "-MP-" not in rid
    )
    out: list[tuple[Record, str]] = []
    for record in backend.get(live[:200]):
        subjects = [p for p in record.subjects() if p.name and "@" not in p.name]
        if not subjects:
            continue
        wrong = misspell(subjects[0].name or "")
        if wrong:
            out.append((record, wrong))
        if len(out) == n:
            break
    return out


def test_sync_fills_the_index_with_the_ground_truth(
    simulators: Running, synced: tuple[Path, Backend]
) -> None:
    _, backend = synced
    live = simulators.ground_truth.live_record_ids("cctns")
    assert set(backend.ids(next(iter(backend.get([sorted(live)[0]]))).source)) == live


def test_person_found_by_a_misspelled_name(
    simulators: Running, synced: tuple[Path, Backend]
) -> None:
    root, backend = synced
    cases = cctns_people(simulators, backend, 6)
    assert len(cases) == 6
    with start_api(api_settings_for(root / "api"), backend) as api:
        found = 0
        for record, wrong in cases:
            token = api.officer(state=record.state or "MH", clearances=["sensitive"])
            response = api.post(
                "/v1/persons/search",
                token,
                json={"name": wrong, "purpose": "vertical slice", "limit": 10},
            )
            assert response.status_code == 200, response.text
            ids = {r["record_id"] for p in response.json()["profiles"] for r in p["records"]}
            found += record.record_id in ids
        # One common slip in the longest word: the matcher must recover nearly every one.
        assert found >= 5, f"found {found} of {len(cases)}"


def test_unsynced_plate_found_live_in_vahan(
    simulators: Running, synced: tuple[Path, Backend]
) -> None:
    root, backend = synced  # holds CCTNS only: no Vahan registration is indexed
    # A plate that changed hands, so that the look-up must bring the past owner too.
    transferred = sorted(
        rid for rid in simulators.ground_truth.live_record_ids("vahan") if not rid.endswith("#1")
    )
    plate = transferred[0].split(":")[1].split("#")[0]
    settings = api_settings_for(root / "live")
    settings = settings.model_copy(update={"sources": {"vahan": source(simulators, "vahan")}})
    with start_api(settings, backend) as api:
        response = api.post(
            "/v1/vehicles/search", api.officer(), json={"registration_no": plate, "purpose": "stop"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["live_lookup"] == "found"
        [vehicle] = body["vehicles"]
        assert vehicle["live"] is True and vehicle["owners"][0]["current"] is True
        serials = [o["owner_serial"] for o in vehicle["owners"]]
        assert len(serials) >= 2 and serials == sorted(serials, reverse=True), serials
        assert [o["current"] for o in vehicle["owners"]].count(True) == 1
        noc = api.post(
            "/v1/noc/vehicle",
            api.partner(agency="NOC desk", role=Role.NOC_SERVICE, scopes=["noc:issue"]),
            json={"registration_no": plate, "chassis_no": vehicle["chassis_no"] or "00000"},
        )
        assert noc.status_code == 201, noc.text
        assert "not_registered" not in {r["code"] for r in noc.json()["reasons"]}


def test_sync_status_reports_the_sync(synced: tuple[Path, Backend]) -> None:
    root, backend = synced
    settings = api_settings_for(root / "status")
    settings = settings.model_copy(update={"sync": SyncSettings(state_path=root / "sync.db")})
    with start_api(settings, backend) as api:
        admin = api.officer(role=Role.ADMIN, state=None, district=None)
        response = api.get("/v1/sync/status", admin)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["configured"] is True
        rows = {row["source"]: row for row in body["sources"]}
        assert rows["cctns"]["last_success"] is not None
        assert rows["vahan"]["last_success"] is None


@pytest.fixture(scope="module")
def synced_vahan(
    simulators: Running, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Path, Backend]]:
    from indexer import open_backend

    root = tmp_path_factory.mktemp("slice-vahan")
    settings = api_settings_for(root)
    backend = open_backend(settings.search)
    asyncio.run(
        run_sync(
            {"vahan": source(simulators, "vahan")},
            backend,
            settings.sync.state_path,
            SyncSettings(state_path=settings.sync.state_path),
            full=True,
            policy=FAST,
        )
    )
    backend.flush()
    yield root, backend
    backend.close()


def test_past_owners_come_from_vahan_history(
    simulators: Running, synced_vahan: tuple[Path, Backend]
) -> None:
    root, backend = synced_vahan
    transferred = sorted(
        rid for rid in simulators.ground_truth.live_record_ids("vahan") if not rid.endswith("#1")
    )
    plate = transferred[0].split(":")[1].split("#")[0]
    settings = api_settings_for(root / "history").model_copy(
        update={"sources": {"vahan": source(simulators, "vahan")}}
    )
    with start_api(settings, backend) as api:
        body = api.post(
            "/v1/vehicles/search", api.officer(), json={"registration_no": plate, "purpose": "stop"}
        ).json()
        assert body["live_lookup"] == "not_needed"  # the plate is indexed
        [vehicle] = body["vehicles"]
        assert vehicle["live"] is False
        owners = vehicle["owners"]
        assert len(owners) >= 2 and owners[0]["current"] is True
        assert owners[0]["record"]["record_id"] == transferred[0]
        assert all(o["profile_id"].startswith("p2_") for o in owners)

"""The engine over a contract-shaped CCTNS (respx): paging, tombstones, overlap, checkpoints,
token expiry, duplicates, Aadhaar, quarantine, sink refusals and replay. The sink is the real
embedded backend."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from config import SourceSettings
from connectors.replay import replay_quarantine
from connectors.status import sync_status
from records import IdType, PersonRole, Sensitivity, Source
from state.sync import Quarantined, StateStore
from tests.unit.connectors.fakes import T0, FakeCctns, RefusingSink, cctns_person, later, sync

URL = "http://cctns.test/cctns"
CCTNS = {"cctns": SourceSettings(url=URL, api_key="key", page_size=2)}


def mock(fake: FakeCctns) -> None:
    respx.get(url__startswith=f"{URL}/v1/").mock(side_effect=fake)


def people(n: int, start: datetime = T0) -> list[dict[str, Any]]:
    return [cctns_person(f"P{i}", later(start, i)) for i in range(n)]


@respx.mock
async def test_full_sync_maps_every_collection(tmp_path: Path, embedded_backend: Any) -> None:
    fake = FakeCctns(
        rows={
            "persons": [*people(3), cctns_person("S1", T0, SENSITIVE_CASE="Y")],
            "vehicles": [
                {
                    "VEHICLE_REPORT_ID": "DL-V1",
                    "FIR_REG_NUM": "0456/2024",
                    "STATE_CD": "DL",
                    "PS_CD": "0101",
                    "REG_NO": "DL 3C AB 1234",
                    "CHASSIS_NO": "23456",
                    "VEHICLE_STATUS": "STOLEN",
                    "LAST_UPDATED": T0.isoformat(),
                    "RECORD_STATUS": "ACTIVE",
                }
            ],
            "missing-persons": [
                {
                    "REPORT_ID": "MP1",
                    "NAME": "SUNITA",
                    "AGE_FROM": 12,
                    "AGE_TO": 12,
                    "REPORT_DATE": "02/04/2024",
                    "STATE_CD": "UP",
                    "LAST_UPDATED": T0.isoformat(),
                },
            ],
            "unidentified-persons": [
                {
                    "REPORT_ID": "UP1",
                    "AGE_FROM": 25,
                    "AGE_TO": 30,
                    "FOUND_DATE": "01/04/2024",
                    "IS_DEAD_BODY": "N",
                    "LAST_UPDATED": T0.isoformat(),
                    "UNKNOWN_NEW_FIELD": 1,
                },
            ],
        }
    )
    mock(fake)
    report = await sync(CCTNS, embedded_backend, tmp_path)
    r = report.sources["cctns"]
    assert r.status == "ok", r.error
    assert (r.fetched, r.indexed, r.quarantined) == (7, 7, 0)
    got = {
        x.record_id: x
        for x in embedded_backend.get(
            ["cctns:P0", "cctns:S1", "cctns:DL-V1", "cctns:MP1", "cctns:UP1"]
        )
    }
    p0 = got["cctns:P0"]
    assert p0.identifier_values(p0.identifiers[0].type) == ["MH/0412/2024/123"]
    assert p0.people[0].aliases == ("PAPPU",)
    assert p0.provenance.collection == "persons"
    assert p0.raw is not None and p0.raw["PERSON_ID"] == "P0"
    assert got["cctns:S1"].sensitivity == {Sensitivity.SEXUAL_OFFENCE}
    vehicle = got["cctns:DL-V1"]
    assert vehicle.vehicle is not None and vehicle.vehicle.registration_no == "DL03CAB1234"
    assert any(i.partial and i.value == "23456" for i in vehicle.identifiers)
    assert got["cctns:MP1"].sensitivity == {Sensitivity.CHILD}
    assert got["cctns:MP1"].people[0].role is PersonRole.MISSING
    assert got["cctns:UP1"].people[0].role is PersonRole.FOUND
    assert got["cctns:UP1"].sensitivity == frozenset()


@respx.mock
async def test_incremental_rereads_overlap_applies_tombstones_and_skips_unchanged(
    tmp_path: Path, embedded_backend: Any
) -> None:
    fake = FakeCctns(rows={"persons": people(4)})
    mock(fake)
    first = await sync(CCTNS, embedded_backend, tmp_path)
    assert first.sources["cctns"].indexed == 4
    watermark = later(T0, 3)
    # changes: P1 deleted (tombstone), P2 updated, a late write with a time before the watermark
    rows = fake.rows["persons"]
    rows[1] = {
        "PERSON_ID": "P1",
        "STATE_CD": "MH",
        "PS_CD": "0412",
        "FIR_REG_NUM": "0123/2024",
        "LAST_UPDATED": later(T0, 10).isoformat(),
        "RECORD_STATUS": "DELETED",
    }
    rows[2] = cctns_person("P2", later(T0, 11), ACCUSED_STATUS="CONVICTED")
    rows.append(cctns_person("LATE", later(T0, 1)))
    fake.requests.clear()
    second = await sync(CCTNS, embedded_backend, tmp_path)
    r = second.sources["cctns"]
    assert r.status == "ok", r.error
    persons_requests = [q for q in fake.requests if "updated_since" in q]
    since = datetime.fromisoformat(persons_requests[0]["updated_since"])
    assert since == watermark - timedelta(seconds=300)
    assert (r.deleted, r.updated, r.indexed) == (1, 1, 1)
    assert r.unchanged >= 1  # P3 re-read through the overlap, not re-written
    ids = set(embedded_backend.ids(Source.CCTNS))
    assert ids == {"cctns:P0", "cctns:P2", "cctns:P3", "cctns:LATE"}
    (p2,) = embedded_backend.get(["cctns:P2"])
    assert p2.status == "CONVICTED"


@respx.mock
async def test_page_token_410_restarts_from_last_committed_time(
    tmp_path: Path, embedded_backend: Any
) -> None:
    fake = FakeCctns(rows={"persons": people(6)}, expire={2})
    mock(fake)
    report = await sync({"cctns": CCTNS["cctns"]}, embedded_backend, tmp_path)
    assert report.sources["cctns"].status == "ok", report.sources["cctns"].error
    restart = fake.requests[2]
    assert "page_token" not in restart
    assert datetime.fromisoformat(restart["updated_since"]) == later(T0, 1)  # page 1's newest
    assert len(set(embedded_backend.ids(Source.CCTNS))) == 6


@respx.mock
async def test_killed_sync_resumes_from_checkpoint(tmp_path: Path, embedded_backend: Any) -> None:
    fake = FakeCctns(rows={"persons": people(7)})
    mock(fake)
    crashing = RefusingSink(embedded_backend, crash_on_upsert=3)
    report = await sync(CCTNS, crashing, tmp_path)
    assert report.sources["cctns"].status == "failed"
    assert len(list(embedded_backend.ids(Source.CCTNS))) == 4  # two pages committed
    with StateStore(tmp_path / "sync.db") as state:
        walk = state.checkpoint("cctns", "persons").walk
    assert walk is not None and walk["cursor"]["token"]
    fake.requests.clear()
    again = await sync(CCTNS, embedded_backend, tmp_path)
    assert again.sources["cctns"].status == "ok"
    assert "page_token" in fake.requests[0]  # resumed, not restarted
    assert again.sources["cctns"].fetched == 3
    assert sorted(embedded_backend.ids(Source.CCTNS)) == sorted(f"cctns:P{i}" for i in range(7))


@respx.mock
async def test_duplicate_ids_in_a_page_keep_the_latest(
    tmp_path: Path, embedded_backend: Any
) -> None:
    newer = cctns_person("D1", later(T0, 5), ACCUSED_STATUS="CONVICTED")
    older = cctns_person("D1", T0, ACCUSED_STATUS="ARRESTED")
    respx.get(url__startswith=f"{URL}/v1/").mock(
        side_effect=lambda req: httpx.Response(
            200,
            json={
                "data": [newer, older] if req.url.path.endswith("persons") else [],
                "next_page_token": None,
            },
        )
    )
    report = await sync(CCTNS, embedded_backend, tmp_path)
    assert report.sources["cctns"].duplicates == 1
    (d1,) = embedded_backend.get(["cctns:D1"])
    assert d1.status == "CONVICTED"


@respx.mock
async def test_aadhaar_is_dropped_and_logged(tmp_path: Path, embedded_backend: Any) -> None:
    row = cctns_person(
        "A1", T0, AADHAAR_NO="2345 6789 0124", ADDRESS="UID 234567890124, GANESH PETH"
    )
    fake = FakeCctns(rows={"persons": [row]})
    mock(fake)
    report = await sync(CCTNS, embedded_backend, tmp_path)
    assert report.sources["cctns"].redacted == 2
    (a1,) = embedded_backend.get(["cctns:A1"])
    assert a1.raw is not None and "AADHAAR_NO" not in a1.raw
    assert "234567890124" not in a1.model_dump_json()
    assert "[AADHAAR REMOVED]" in (a1.people[0].address or "")
    with sqlite3.connect(tmp_path / "sync.db") as db:
        logged = db.execute("SELECT native_id, field FROM redactions ORDER BY field").fetchall()
        # Every column but first_seen, whose microseconds may hold any digits.
        dump = "".join(
            str(r) for r in db.execute("SELECT source, native_id, field, what FROM redactions")
        )
    assert logged == [("A1", "AADHAAR_NO"), ("A1", "ADDRESS")]
    assert "2345" not in dump


@respx.mock
async def test_bad_rows_are_quarantined_with_reason_not_fatal(
    tmp_path: Path, embedded_backend: Any
) -> None:
    bad = [
        cctns_person("B1", T0, FIR_DATE="31/02/2024"),
        cctns_person("B2", T0, ACCUSED_NAME=None, NAME_LOCAL=None),
        cctns_person("B3", T0, AGE=214),
        cctns_person("B4", T0, ACCUSED_NAME="RA\udcc3\udca9MESH"),
        {"VEHICLE_REPORT_ID": "B5", "REG_NO": "MH12AB1234", "VEHICLE_STATUS": "STOLEN"},
        "not an object",
    ]
    fake = FakeCctns(rows={"persons": [*people(2)]})
    fake.rows["persons"] += [b for b in bad if isinstance(b, dict) and "LAST_UPDATED" in b]
    # rows the fake cannot sort (no LAST_UPDATED, not an object) come on their own page
    latin1 = b'{"VEHICLE_REPORT_ID": "B6", "MAKE_MODEL": "S\xe9mwal", "LAST_UPDATED": "%s"}' % (
        T0.isoformat().encode()
    )
    page = b'{"next_page_token": null, "data": [%s, %s, %s]}' % (
        json.dumps(bad[4]).encode(),
        json.dumps(bad[5]).encode(),
        latin1,
    )
    respx.get(f"{URL}/v1/vehicles").mock(return_value=httpx.Response(200, content=page))
    mock(fake)
    report = await sync(CCTNS, embedded_backend, tmp_path)
    r = report.sources["cctns"]
    assert r.status == "ok"
    # readable id and a name or identifier: indexed with what can be read, issues listed;
    # a row that is not an object, and B6 (its only field undecodable), identify nothing
    assert (r.indexed, r.with_issues, r.quarantined) == (2, 5, 2)
    assert r.accounted == r.fetched == 9
    held = {rec.record_id: rec for rec in embedded_backend.get([f"cctns:B{i}" for i in range(7)])}
    assert set(held) == {f"cctns:B{i}" for i in range(1, 6)}
    issues = {rid: {(i.field, i.reason) for i in rec.data_issues} for rid, rec in held.items()}
    assert ("FIR_DATE", "unparseable date, withheld") in issues["cctns:B1"]
    assert held["cctns:B1"].event_date is None  # withheld, never guessed
    assert ("ACCUSED_NAME / NAME_LOCAL", "missing: no name") in issues["cctns:B2"]
    assert held["cctns:B2"].identifier_values(IdType.FIR)  # still found by its FIR
    assert ("AGE", "impossible age, withheld") in issues["cctns:B3"]
    assert held["cctns:B3"].people[0].age_from is None
    assert held["cctns:B4"].people[0].name == "RAéMESH"  # the bytes were UTF-8: repaired
    assert {f for f, _ in issues["cctns:B4"]} == {"ACCUSED_NAME"}
    assert ("LAST_UPDATED", "missing") in issues["cctns:B5"]
    assert held["cctns:B5"].status == "STOLEN"
    with StateStore(tmp_path / "sync.db") as state:
        entries = {e.native_id: e for e in state.quarantine_entries()}
    # the damaged records are listed too, with their rows, for replay after a fix
    assert {n for n, e in entries.items() if e.indexed} == {f"B{i}" for i in range(1, 6)}
    assert "unparseable date" in entries["B1"].reason
    assert "identifies" in entries["B6"].reason and not entries["B6"].indexed
    # a second run re-reads them in the overlap but does not count them twice
    again = await sync(CCTNS, embedded_backend, tmp_path, overlap_s=86400)
    assert again.sources["cctns"].quarantine_new == 0
    status = sync_status(tmp_path / "sync.db")["cctns"]
    assert (status["quarantined"], status["with_issues"]) == (2, 5)


@respx.mock
async def test_index_refusals_are_quarantined_and_replayed(
    tmp_path: Path, embedded_backend: Any
) -> None:
    fake = FakeCctns(rows={"persons": people(3)})
    mock(fake)
    refusing = RefusingSink(embedded_backend, refuse=["cctns:P1"])
    report = await sync(CCTNS, refusing, tmp_path)
    assert report.sources["cctns"].quarantined == 1
    assert "cctns:P1" not in set(embedded_backend.ids(Source.CCTNS))
    with StateStore(tmp_path / "sync.db") as state:
        outcome = replay_quarantine(state, embedded_backend)
        assert outcome["replayed"] == 1
        assert list(state.quarantine_entries()) == []
    assert "cctns:P1" in set(embedded_backend.ids(Source.CCTNS))


@respx.mock
async def test_replay_never_overwrites_a_newer_version(
    tmp_path: Path, embedded_backend: Any
) -> None:
    fake = FakeCctns(rows={"persons": [cctns_person("P1", T0)]})
    mock(fake)
    await sync(CCTNS, RefusingSink(embedded_backend, refuse=["cctns:P1"]), tmp_path)
    fake.rows["persons"] = [cctns_person("P1", later(T0, 9), ACCUSED_STATUS="CONVICTED")]
    await sync(CCTNS, embedded_backend, tmp_path)
    with StateStore(tmp_path / "sync.db") as state:
        # the newer version reaching the index superseded the refused copy
        assert list(state.quarantine_entries()) == []
        state.add_quarantine(
            [Quarantined("cctns", "P1", "index refused: x", cctns_person("P1", T0), "persons")]
        )
        assert replay_quarantine(state, embedded_backend)["superseded"] == 1
    (p1,) = embedded_backend.get(["cctns:P1"])
    assert p1.status == "CONVICTED"


@respx.mock
async def test_wrong_key_fails_only_that_source(tmp_path: Path, embedded_backend: Any) -> None:
    mock(FakeCctns(rows={"persons": people(1)}))
    sources = {"cctns": SourceSettings(url=URL, api_key="wrong")}
    report = await sync(sources, embedded_backend, tmp_path)
    assert report.sources["cctns"].status == "failed"
    assert "401" in (report.sources["cctns"].error or "")
    assert "wrong" not in (report.sources["cctns"].error or "")


@pytest.mark.parametrize("full", [False, True])
@respx.mock
async def test_full_flag_rereads_everything(
    tmp_path: Path, embedded_backend: Any, full: bool
) -> None:
    fake = FakeCctns(rows={"persons": people(3)})
    mock(fake)
    await sync(CCTNS, embedded_backend, tmp_path)
    fake.requests.clear()
    await sync(CCTNS, embedded_backend, tmp_path, full=full)
    first = next(q for q in fake.requests)
    assert ("updated_since" not in first) is full


@respx.mock
async def test_small_pages_are_written_together_and_still_resume(
    tmp_path: Path, embedded_backend: Any
) -> None:
    fake = FakeCctns(rows={"persons": people(9)})
    mock(fake)
    counting = RefusingSink(embedded_backend, crash_on_upsert=2)
    # pages of two, batches of four records: writes after pages 2 and 4; the second one dies
    killed = await sync(CCTNS, counting, tmp_path, flush_records=4)
    assert killed.sources["cctns"].status == "failed"
    assert len(list(embedded_backend.ids(Source.CCTNS))) == 4
    with StateStore(tmp_path / "sync.db") as state:
        walk = state.checkpoint("cctns", "persons").walk
    assert walk is not None  # the checkpoint stands after the first written batch
    counting = RefusingSink(embedded_backend)
    resumed = await sync(CCTNS, counting, tmp_path, flush_records=4)
    assert resumed.sources["cctns"].status == "ok"
    assert resumed.sources["cctns"].fetched == 5  # pages 3-5 again, not 1-2
    assert counting.upserts == 2  # five rows in two writes
    assert sorted(embedded_backend.ids(Source.CCTNS)) == sorted(f"cctns:P{i}" for i in range(9))

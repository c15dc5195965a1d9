"""CCTNS over HTTP: auth, keyset paging with opaque tokens, filters carried by tokens,
`updated_since` inclusive, parameter validation, token expiry, tombstones."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from simulators.harness import Running
from tests.integration.simulators.conftest import client

COLLECTIONS = ("persons", "vehicles", "missing-persons", "unidentified-persons")
ID_FIELD = {
    "persons": "PERSON_ID",
    "vehicles": "VEHICLE_REPORT_ID",
    "missing-persons": "REPORT_ID",
    "unidentified-persons": "REPORT_ID",
}


def walk(c: httpx.Client, url: str, **params: object) -> tuple[list[dict[str, object]], set[str]]:
    rows: list[dict[str, object]] = []
    as_of: set[str] = set()
    token = None
    while True:
        q = dict(params)
        if token:
            q["page_token"] = token
        r = c.get(url, params=q)
        assert r.status_code == 200, r.text
        body = r.json()
        rows.extend(body["data"])
        as_of.add(body["as_of"])
        token = body["next_page_token"]
        if token is None:
            return rows, as_of


def test_wrong_or_missing_key_is_401_with_json(simulators: Running) -> None:
    url = simulators.manifest["cctns"]["url"] + "/v1/persons"
    for headers in ({}, {"X-API-Key": "nope"}):
        r = httpx.get(url, headers=headers)
        assert r.status_code == 401
        assert set(r.json()) == {"error", "message"}


@pytest.mark.parametrize("coll", COLLECTIONS)
def test_full_walk_returns_every_row_once_in_order(simulators: Running, coll: str) -> None:
    c = client(simulators, "cctns")
    rows, as_of = walk(c, simulators.manifest["cctns"]["url"] + f"/v1/{coll}", page_size=37)
    ids = [str(r[ID_FIELD[coll]]) for r in rows]
    assert len(ids) == len(set(ids))
    expected = simulators.store.query(
        "SELECT nid FROM rows WHERE source = 'cctns' AND coll = ?", (coll,)
    )
    assert set(ids) == {n for (n,) in expected}
    keys = [
        (str(r.get("LAST_UPDATED", "")), i)
        for r, i in zip(rows, ids, strict=True)
        if r.get("LAST_UPDATED")
    ]
    stamps = [datetime.fromisoformat(k[0]) for k in keys]
    assert stamps == sorted(stamps)
    assert len(as_of) == 1  # as_of is the server time at the first page, on every page


def test_live_ground_truth_is_what_is_served(simulators: Running) -> None:
    c = client(simulators, "cctns")
    served = set()
    for coll in COLLECTIONS:
        rows, _ = walk(c, simulators.manifest["cctns"]["url"] + f"/v1/{coll}", page_size=1000)
        served |= {
            f"cctns:{r[ID_FIELD[coll]]}" for r in rows if r.get("RECORD_STATUS") != "DELETED"
        }
    truth = simulators.ground_truth
    assert served == truth.live_record_ids("cctns") | set(truth.bad_records("cctns"))


def test_state_filter(simulators: Running) -> None:
    c = client(simulators, "cctns")
    rows, _ = walk(c, simulators.manifest["cctns"]["url"] + "/v1/persons", state="MH")
    assert rows and {r["STATE_CD"] for r in rows} == {"MH"}


def test_updated_since_is_inclusive_to_the_second(simulators: Running) -> None:
    c = client(simulators, "cctns")
    url = simulators.manifest["cctns"]["url"] + "/v1/persons"
    rows, _ = walk(c, url, page_size=1000)
    target = next(r for r in rows[len(rows) // 2 :] if r.get("LAST_UPDATED"))
    stamp = str(target["LAST_UPDATED"])
    got, _ = walk(c, url, updated_since=stamp, page_size=1000)
    assert target["PERSON_ID"] in {r["PERSON_ID"] for r in got}
    assert all(
        datetime.fromisoformat(str(r["LAST_UPDATED"])) >= datetime.fromisoformat(stamp)
        for r in got
        if r.get("LAST_UPDATED")
    )
    later = (datetime.fromisoformat(stamp) + timedelta(seconds=1)).isoformat()
    got_later, _ = walk(c, url, updated_since=later, page_size=1000)
    assert target["PERSON_ID"] not in {r["PERSON_ID"] for r in got_later}
    # The same instant written in UTC selects the same rows.
    utc = datetime.fromisoformat(stamp).astimezone(UTC)
    got_utc, _ = walk(c, url, updated_since=utc.isoformat().replace("+00:00", "Z"), page_size=1000)
    assert {r["PERSON_ID"] for r in got_utc} == {r["PERSON_ID"] for r in got}


@pytest.mark.parametrize(
    ("params", "param"),
    [
        ({"updated_since": "2024-05-01"}, "updated_since"),
        ({"updated_since": "2024-05-01T10:00:00"}, "updated_since"),
        ({"updated_since": "2024-05-01T10:00:00 05:30"}, "updated_since"),  # un-encoded '+'
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "ten"}, "page_size"),
        ({"state": "Maharashtra"}, "state"),
        ({"page_token": "garbage"}, "page_token"),
    ],
)
def test_bad_parameters_are_400_never_clamped(
    simulators: Running, params: dict[str, str], param: str
) -> None:
    r = client(simulators, "cctns").get(
        simulators.manifest["cctns"]["url"] + "/v1/persons", params=params
    )
    assert r.status_code == 400
    body = r.json()
    assert set(body) == {"error", "message"} and param in body["message"] + body["error"]


def test_plus_offset_percent_encoded_is_accepted(simulators: Running) -> None:
    r = client(simulators, "cctns").get(
        simulators.manifest["cctns"]["url"] + "/v1/persons",
        params={"updated_since": "2024-01-01T00:00:00+05:30"},
    )
    assert r.status_code == 200


def test_page_token_carries_its_filters(simulators: Running) -> None:
    c = client(simulators, "cctns")
    url = simulators.manifest["cctns"]["url"] + "/v1/persons"
    first = c.get(url, params={"state": "UP", "page_size": 2}).json()
    token = first["next_page_token"]
    assert token
    same = c.get(url, params={"state": "UP", "page_token": token, "page_size": 2})
    assert same.status_code == 200
    assert all(r["STATE_CD"] == "UP" for r in same.json()["data"])
    assert c.get(url, params={"page_token": token}).status_code == 200  # filters may be left out
    changed = c.get(url, params={"state": "MH", "page_token": token})
    assert changed.status_code == 400
    other_since = c.get(url, params={"updated_since": "2020-01-01T00:00:00Z", "page_token": token})
    assert other_since.status_code == 400
    other_coll = c.get(
        simulators.manifest["cctns"]["url"] + "/v1/vehicles", params={"page_token": token}
    )
    assert other_coll.status_code == 400
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert c.get(url, params={"page_token": tampered}).status_code == 400


def test_page_token_expires_with_410(fresh: Running) -> None:
    c = client(fresh, "cctns")
    url = fresh.manifest["cctns"]["url"] + "/v1/persons"
    token = c.get(url, params={"page_size": 1}).json()["next_page_token"]
    assert c.get(url, params={"page_token": token}).status_code == 200
    time.sleep(2.2)  # the fixture's page-token lifetime is 2 s (15 minutes by default)
    r = c.get(url, params={"page_token": token})
    assert r.status_code == 410
    assert r.json()["error"] == "page_token_expired"


def test_deletes_are_tombstones_with_only_the_contract_fields(fresh: Running) -> None:
    c = client(fresh, "cctns")
    url = fresh.manifest["cctns"]["url"]
    truth = fresh.ground_truth
    for _ in range(40):
        fresh.advance(600)
        colls = {
            fresh.store.query("SELECT coll FROM truth WHERE rid = ?", (r,))[0][0]
            for r in truth.deleted_record_ids("cctns")
        }
        if {"persons", "vehicles", "missing-persons"} <= colls:
            break
    deleted = truth.deleted_record_ids("cctns")
    tombs: list[dict[str, object]] = []
    for coll in COLLECTIONS:
        rows, _ = walk(c, f"{url}/v1/{coll}", page_size=1000)
        found = [r for r in rows if r.get("RECORD_STATUS") == "DELETED"]
        expected = {ID_FIELD[coll], "STATE_CD", "PS_CD", "LAST_UPDATED", "RECORD_STATUS"}
        if coll in ("persons", "vehicles"):
            expected.add("FIR_REG_NUM")
        for t in found:
            assert set(t) == expected, (coll, t)
        tombs += [{"rid": f"cctns:{t[ID_FIELD[coll]]}", "coll": coll} for t in found]
    assert {str(t["rid"]) for t in tombs} == deleted
    assert {"persons", "vehicles", "missing-persons"} <= {t["coll"] for t in tombs}


def test_a_row_changed_mid_walk_moves_forward_and_is_not_skipped(fresh: Running) -> None:
    c = client(fresh, "cctns")
    url = fresh.manifest["cctns"]["url"] + "/v1/persons"
    before = {
        n
        for (n,) in fresh.store.query(
            "SELECT nid FROM rows WHERE source = 'cctns' AND coll = 'persons'"
        )
    }
    first = c.get(url, params={"page_size": 20}).json()
    fresh.advance(120)  # changes land, some of them on rows this walk has not reached
    seen = {r["PERSON_ID"] for r in first["data"]}
    token = first["next_page_token"]
    while token:
        body = c.get(url, params={"page_token": token, "page_size": 50}).json()
        seen |= {r["PERSON_ID"] for r in body["data"]}
        token = body["next_page_token"]
    assert before <= seen


def test_as_of_is_the_simulated_clock(fresh: Running) -> None:
    c = client(fresh, "cctns")
    url = fresh.manifest["cctns"]["url"] + "/v1/persons"
    a = datetime.fromisoformat(c.get(url).json()["as_of"])
    fresh.advance(30)
    b = datetime.fromisoformat(c.get(url).json()["as_of"])
    assert b - a == timedelta(minutes=30)


def test_persons_rows_carry_contract_fields(simulators: Running) -> None:
    row = (
        client(simulators, "cctns")
        .get(simulators.manifest["cctns"]["url"] + "/v1/persons")
        .json()["data"][0]
    )
    for field in (
        "PERSON_ID",
        "FIR_REG_NUM",
        "FIR_DATE",
        "STATE_CD",
        "PS_CD",
        "ACT_SECTION",
        "ACCUSED_STATUS",
        "IS_PROCLAIMED_OFFENDER",
        "SENSITIVE_CASE",
        "LAST_UPDATED",
        "RECORD_STATUS",
    ):
        assert field in row, field
    assert json.dumps(row)

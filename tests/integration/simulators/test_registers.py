"""Vahan and Sarathi over HTTP: cursors and pages, boundaries, epoch units, point look-ups,
ownership transfers."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from simulators.harness import Running
from simulators.world.formats import normalise_regn
from tests.integration.simulators.conftest import client


def vahan_walk(c: httpx.Client, url: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    while True:
        q = dict(params)
        if cursor:
            q["cursor"] = cursor
        r = c.get(url + "/rc", params=q)
        assert r.status_code == 200, r.text
        out.extend(r.json()["records"])
        cursor = r.json()["cursor"]
        if cursor is None:
            return out


def norm(regn: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", regn.upper())


def test_vahan_feed_serves_current_owners_in_order(simulators: Running) -> None:
    c = client(simulators, "vahan")
    rows = vahan_walk(c, simulators.manifest["vahan"]["url"], limit=33)
    stamps = [r["rc_modified_on"] for r in rows if "rc_modified_on" in r]
    assert stamps == sorted(stamps)
    served = {f"vahan:{normalise_regn(r['rc_regn_no'])}#{r['rc_owner_sr']}" for r in rows}
    truth = simulators.ground_truth
    assert len(served) == len(rows)
    assert served == truth.live_record_ids("vahan") | set(truth.bad_records("vahan"))


def test_vahan_modified_after_is_exclusive_at_one_second(simulators: Running) -> None:
    c = client(simulators, "vahan")
    url = simulators.manifest["vahan"]["url"]
    rows = vahan_walk(c, url, limit=1000)
    target = rows[len(rows) // 2]
    s = target["rc_modified_on"]
    same_second = {r["rc_chasi_no"] for r in vahan_walk(c, url, modified_after=s, limit=1000)}
    assert target["rc_chasi_no"] not in same_second
    before = {r["rc_chasi_no"] for r in vahan_walk(c, url, modified_after=s - 1, limit=1000)}
    assert target["rc_chasi_no"] in before


@pytest.mark.parametrize(
    "params",
    [
        {"modified_after": "1714546800000"},
        {"modified_after": "yesterday"},
        {"limit": "0"},
        {"limit": "1001"},
        {"cursor": "xyz"},
    ],
)
def test_vahan_bad_parameters(simulators: Running, params: dict[str, str]) -> None:
    r = client(simulators, "vahan").get(simulators.manifest["vahan"]["url"] + "/rc", params=params)
    assert r.status_code == 400 and set(r.json()) == {"error", "message"}


def test_vahan_cursor_carries_modified_after(simulators: Running) -> None:
    c = client(simulators, "vahan")
    url = simulators.manifest["vahan"]["url"] + "/rc"
    cursor = c.get(url, params={"modified_after": 1000, "limit": 1}).json()["cursor"]
    assert c.get(url, params={"cursor": cursor, "modified_after": 1000}).status_code == 200
    assert c.get(url, params={"cursor": cursor, "modified_after": 2000}).status_code == 400


def test_vahan_point_lookups_ignore_separators_and_case(simulators: Running) -> None:
    c = client(simulators, "vahan")
    url = simulators.manifest["vahan"]["url"]
    rec = c.get(url + "/rc", params={"limit": 1}).json()["records"][0]
    regn = norm(rec["rc_regn_no"])
    spaced = f"{regn[:2].lower()}-{regn[2:4]} {regn[4:-4]} {regn[-4:]}"
    got = c.get(f"{url}/rc/{spaced}")
    assert got.status_code == 200 and got.json()["rc_chasi_no"] == rec["rc_chasi_no"]
    assert c.get(f"{url}/rc/ZZ99ZZ9999").status_code == 404
    suffix = rec["rc_chasi_no"][-5:].lower()
    found = c.get(url + "/rc", params={"chassis_no": suffix}).json()
    assert found["cursor"] is None
    assert rec["rc_chasi_no"] in {r["rc_chasi_no"] for r in found["records"]}
    assert all(r["rc_chasi_no"].endswith(suffix.upper()) for r in found["records"])
    assert c.get(url + "/rc", params={"chassis_no": "1234"}).status_code == 400


def test_vahan_transfer_adds_an_owner_serial_and_history(fresh: Running) -> None:
    for _ in range(5):
        fresh.advance(600)
        if fresh.ground_truth.record_ids("superseded", "vahan"):
            break
    old = sorted(fresh.ground_truth.record_ids("superseded", "vahan"))[0]
    regn, sr = old.removeprefix("vahan:").split("#")
    c = client(fresh, "vahan")
    url = fresh.manifest["vahan"]["url"]
    current = c.get(f"{url}/rc/{regn}").json()
    assert current["rc_owner_sr"] > int(sr)
    assert f"vahan:{regn}#{current['rc_owner_sr']}" in fresh.ground_truth.live_record_ids("vahan")
    owners = c.get(f"{url}/rc/{regn}/owners").json()
    serials = [o["rc_owner_sr"] for o in owners["owners"]]
    assert serials == sorted(serials) and serials[-1] == current["rc_owner_sr"]
    assert owners["owners"][-1]["rc_owner_name"] == current["rc_owner_name"]
    assert c.get(f"{url}/rc/ZZ99ZZ9999/owners").status_code == 404


def sarathi_pages(c: httpx.Client, url: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    page = 1
    while True:
        body = c.get(url + "/v2/licences", params={**params, "page": page}).json()
        out.extend(body["content"])
        if body["last"]:
            return out
        page += 1


def test_sarathi_pages_cover_everything(simulators: Running) -> None:
    c = client(simulators, "sarathi")
    url = simulators.manifest["sarathi"]["url"]
    rows = sarathi_pages(c, url, size=40)
    truth = simulators.ground_truth
    assert {f"sarathi:{norm(r['dlNo'])}" for r in rows} == truth.live_record_ids("sarathi") | set(
        truth.bad_records("sarathi")
    )
    first = c.get(url + "/v2/licences", params={"size": 40}).json()
    assert first["page"] == 1 and first["size"] == 40 and first["totalPages"] == -(-len(rows) // 40)


def test_sarathi_since_is_inclusive_in_milliseconds(simulators: Running) -> None:
    c = client(simulators, "sarathi")
    url = simulators.manifest["sarathi"]["url"]
    rows = sarathi_pages(c, url, size=500)
    target = next(r for r in rows[len(rows) // 2 :] if "updatedAt" in r)
    u = target["updatedAt"]
    assert target["dlNo"] in {r["dlNo"] for r in sarathi_pages(c, url, since=u, size=500)}
    assert target["dlNo"] not in {r["dlNo"] for r in sarathi_pages(c, url, since=u + 1, size=500)}


@pytest.mark.parametrize(
    "params",
    [
        {"since": "1714546800"},
        {"page": "0"},
        {"size": "501"},
        {"size": "0"},
        {"since": "2024-05-01T00:00:00Z"},
    ],
)
def test_sarathi_bad_parameters(simulators: Running, params: dict[str, str]) -> None:
    r = client(simulators, "sarathi").get(
        simulators.manifest["sarathi"]["url"] + "/v2/licences", params=params
    )
    assert r.status_code == 400 and set(r.json()) == {"error", "message"}


def test_sarathi_past_the_end_and_empty_results(simulators: Running) -> None:
    c = client(simulators, "sarathi")
    url = simulators.manifest["sarathi"]["url"] + "/v2/licences"
    past = c.get(url, params={"page": 9999}).json()
    assert past["content"] == [] and past["last"] is True
    empty = c.get(url, params={"since": 4_000_000_000_000}).json()
    assert empty == {"content": [], "page": 1, "size": 100, "totalPages": 0, "last": True}


def test_sarathi_lookup(simulators: Running) -> None:
    c = client(simulators, "sarathi")
    url = simulators.manifest["sarathi"]["url"]
    dl = norm(c.get(url + "/v2/licences", params={"size": 1}).json()["content"][0]["dlNo"])
    assert (
        c.get(f"{url}/v2/licences/{dl[:4]} {dl[4:]}")
        .json()["dlNo"]
        .replace(" ", "")
        .replace("-", "")
        == dl
    )
    assert c.get(f"{url}/v2/licences/{dl[:2]}-{dl[2:].lower()}").status_code == 200
    assert c.get(f"{url}/v2/licences/XX0000000000000").status_code == 404


def test_api_key_required(simulators: Running) -> None:
    for name, path in (("vahan", "/rc"), ("sarathi", "/v2/licences"), ("khoyapaya", "/reports")):
        r = httpx.get(simulators.manifest[name]["url"] + path, headers={"X-API-Key": "wrong"})
        assert r.status_code == 401 and set(r.json()) == {"error", "message"}

"""ALIS (index, CSV, If-Modified-Since, Range, SHA-256), IVFRT (XML, XML errors) and KhoyaPaya
(absolute `next` links, exclusive `updated_after`) over HTTP."""

from __future__ import annotations

import csv
import email.utils
import hashlib
import io
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from simulators.harness import Running
from tests.integration.simulators.conftest import client


def test_alis_needs_basic_auth(simulators: Running) -> None:
    url = simulators.manifest["alis"]["url"] + "/index.json"
    r = httpx.get(url)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert (
        httpx.get(url, auth=(simulators.manifest["alis"]["username"], "wrong")).status_code == 401
    )


def test_alis_files_match_the_index(simulators: Running) -> None:
    c = client(simulators, "alis")
    url = simulators.manifest["alis"]["url"]
    files = c.get(url + "/index.json").json()["files"]
    assert files
    licences: set[str] = set()
    for f in files:
        assert f["name"].startswith("alis-") and f["name"].endswith(".csv")
        r = c.get(f"{url}/{f['name']}")
        assert r.status_code == 200
        assert int(r.headers["content-length"]) == len(r.content)
        assert hashlib.sha256(r.content).hexdigest() == f["sha256"]
        text = r.content.decode("utf-8-sig", errors="replace")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        assert len(rows) == f["rows"]
        licences |= {row["licence_no"] for row in rows}
    truth = simulators.ground_truth
    assert {f"alis:{lic}" for lic in licences} == truth.live_record_ids("alis") | set(
        truth.bad_records("alis")
    )


def test_alis_if_modified_since(simulators: Running) -> None:
    c = client(simulators, "alis")
    url = simulators.manifest["alis"]["url"] + "/index.json"
    first = c.get(url)
    newest = max(datetime.fromisoformat(f["published"]) for f in first.json()["files"])
    same = c.get(
        url, headers={"If-Modified-Since": email.utils.format_datetime(newest, usegmt=False)}
    )
    assert same.status_code == 304 and same.content == b""
    older = email.utils.format_datetime((newest - timedelta(seconds=1)).astimezone(), usegmt=False)
    assert c.get(url, headers={"If-Modified-Since": older}).status_code == 200


def test_alis_range_resumes_a_download(simulators: Running) -> None:
    c = client(simulators, "alis")
    url = simulators.manifest["alis"]["url"]
    f = max(c.get(url + "/index.json").json()["files"], key=lambda x: x["rows"])
    full = c.get(f"{url}/{f['name']}").content
    head = c.get(f"{url}/{f['name']}", headers={"Range": "bytes=0-99"})
    tail = c.get(f"{url}/{f['name']}", headers={"Range": "bytes=100-"})
    assert head.status_code == tail.status_code == 206
    assert head.headers["content-range"] == f"bytes 0-99/{len(full)}"
    assert head.content + tail.content == full
    assert c.get(f"{url}/{f['name']}", headers={"Range": "bytes=-10"}).content == full[-10:]
    bad = c.get(f"{url}/{f['name']}", headers={"Range": f"bytes={len(full)}-"})
    assert bad.status_code == 416 and bad.headers["content-range"] == f"bytes */{len(full)}"
    assert c.get(f"{url}/alis-1999-01-01.csv").status_code == 404


def test_alis_new_day_is_published_after_the_clock_passes_one_am(fresh: Running) -> None:
    c = client(fresh, "alis")
    url = fresh.manifest["alis"]["url"] + "/index.json"
    before = c.get(url)
    names = {f["name"] for f in before.json()["files"]}
    for _ in range(3):
        fresh.advance(24 * 60)
    after = c.get(url, headers={"If-Modified-Since": before.headers["last-modified"]})
    assert after.status_code == 200
    new = {f["name"] for f in after.json()["files"]} - names
    assert new
    assert all(n > max(names) for n in new)


def foreigners(c: httpx.Client, url: str, **params: Any) -> list[ET.Element]:
    out: list[ET.Element] = []
    page = 1
    while True:
        r = c.get(url + "/foreigners", params={**params, "page": page})
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
        root = ET.fromstring(r.content)
        assert root.tag == "ForeignerList" and root.get("page") == str(page)
        out.extend(root.findall("Foreigner"))
        if page >= int(root.get("totalPages") or 0):
            return out
        page += 1


def test_ivfrt_xml_pages(simulators: Running) -> None:
    c = client(simulators, "ivfrt")
    rows = foreigners(c, simulators.manifest["ivfrt"]["url"])
    ids = {f"ivfrt:{el.findtext('RegistrationNo')}" for el in rows}
    truth = simulators.ground_truth
    assert ids == truth.live_record_ids("ivfrt") | set(truth.bad_records("ivfrt"))
    assert all(el.find("Passport") is not None for el in rows)
    orders = {tuple(child.tag for child in el) for el in rows}
    assert len(orders) > 1  # element order is not guaranteed


def test_ivfrt_errors_are_xml(simulators: Running) -> None:
    url = simulators.manifest["ivfrt"]["url"] + "/foreigners"
    for r in (
        httpx.get(url, headers={"X-API-Key": "wrong"}),
        client(simulators, "ivfrt").get(url, params={"changedSince": "2024-05-01"}),
        client(simulators, "ivfrt").get(url, params={"page": "0"}),
    ):
        assert r.status_code in (400, 401)
        root = ET.fromstring(r.content)
        assert root.tag == "Error" and root.findtext("Code") and root.findtext("Message")


def test_ivfrt_changed_since_is_inclusive(simulators: Running) -> None:
    c = client(simulators, "ivfrt")
    url = simulators.manifest["ivfrt"]["url"]
    rows = [el for el in foreigners(c, url) if el.findtext("ChangedOn")]
    target = rows[len(rows) // 2]
    got = foreigners(c, url, changedSince=target.findtext("ChangedOn"))
    assert target.findtext("RegistrationNo") in {el.findtext("RegistrationNo") for el in got}


def reports(c: httpx.Client, url: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    body = c.get(url + "/reports", params=params).json()
    while True:
        out.extend(body["results"])
        if body["next"] is None:
            return out
        assert body["next"].startswith("http://127.0.0.1:")
        body = c.get(body["next"]).json()


def test_khoyapaya_next_links_walk_everything(simulators: Running) -> None:
    c = client(simulators, "khoyapaya")
    rows = reports(c, simulators.manifest["khoyapaya"]["url"], limit=7)
    ids = [r["report_id"] for r in rows]
    assert len(ids) == len(set(ids))
    truth = simulators.ground_truth
    assert {f"khoyapaya:{i}" for i in ids} == truth.live_record_ids("khoyapaya") | set(
        truth.bad_records("khoyapaya")
    )


def test_khoyapaya_updated_after_is_exclusive(simulators: Running) -> None:
    c = client(simulators, "khoyapaya")
    url = simulators.manifest["khoyapaya"]["url"]
    rows = [r for r in reports(c, url, limit=500) if "updated_at" in r]
    target = rows[len(rows) // 2]
    stamp = datetime.fromisoformat(target["updated_at"])
    same = reports(c, url, updated_after=stamp.isoformat(), limit=500)
    assert target["report_id"] not in {r["report_id"] for r in same}
    earlier = reports(c, url, updated_after=(stamp - timedelta(seconds=1)).isoformat(), limit=500)
    assert target["report_id"] in {r["report_id"] for r in earlier}


@pytest.mark.parametrize(
    "params", [{"limit": "501"}, {"updated_after": "2024-04-20"}, {"cursor": "abc"}]
)
def test_khoyapaya_bad_parameters(simulators: Running, params: dict[str, str]) -> None:
    r = client(simulators, "khoyapaya").get(
        simulators.manifest["khoyapaya"]["url"] + "/reports", params=params
    )
    assert r.status_code == 400 and set(r.json()) == {"error", "message"}

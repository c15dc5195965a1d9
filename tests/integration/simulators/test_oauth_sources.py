"""e-Prisons and NCRP over HTTP: OAuth2 client credentials (HTTP basic only), token expiry,
offset and page paging, ids reconciliation, inclusive change feeds."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from simulators.harness import Running
from tests.integration.simulators.conftest import client, fetch_token


@pytest.mark.parametrize("name", ["eprisons", "ncrp"])
def test_token_endpoint_accepts_http_basic_only(simulators: Running, name: str) -> None:
    entry = simulators.manifest[name]
    url = entry["url"] + "/oauth/token"
    ok = httpx.post(
        url,
        data={"grant_type": "client_credentials"},
        auth=(entry["client_id"], entry["client_secret"]),
    )
    assert ok.status_code == 200
    body = ok.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 900 and body["access_token"]
    in_body = httpx.post(
        url,
        data={
            "grant_type": "client_credentials",
            "client_id": entry["client_id"],
            "client_secret": entry["client_secret"],
        },
    )
    assert in_body.status_code == 401 and in_body.json()["error"] == "invalid_client"
    wrong = httpx.post(
        url, data={"grant_type": "client_credentials"}, auth=(entry["client_id"], "wrong")
    )
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    grant = httpx.post(
        url, data={"grant_type": "password"}, auth=(entry["client_id"], entry["client_secret"])
    )
    assert grant.status_code == 400 and grant.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize(("name", "path"), [("eprisons", "/inmates"), ("ncrp", "/complaints")])
def test_data_needs_a_valid_bearer_token(simulators: Running, name: str, path: str) -> None:
    url = simulators.manifest[name]["url"] + path
    assert httpx.get(url).status_code == 401
    bad = httpx.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert bad.status_code == 401 and bad.json()["error"] == "invalid_token"
    assert client(simulators, name).get(url).status_code == 200


@pytest.mark.parametrize(("name", "path"), [("eprisons", "/inmates"), ("ncrp", "/complaints")])
def test_tokens_expire_and_must_be_renewed(fresh: Running, name: str, path: str) -> None:
    url = fresh.manifest[name]["url"] + path
    token = fetch_token(fresh, name)
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url, headers=headers).status_code == 200
    time.sleep(2.1)  # the fixture's tokens live 2 s (900 s by default)
    expired = httpx.get(url, headers=headers)
    assert expired.status_code == 401 and expired.json()["error"] == "invalid_token"
    renewed = {"Authorization": f"Bearer {fetch_token(fresh, name)}"}
    assert httpx.get(url, headers=renewed).status_code == 200


def inmates(
    c: httpx.Client, url: str, limit: int = 50, **params: Any
) -> tuple[list[dict[str, Any]], int]:
    out: list[dict[str, Any]] = []
    offset = 0
    while True:
        body = c.get(url + "/inmates", params={**params, "offset": offset, "limit": limit}).json()
        out.extend(body["items"])
        if not body["items"]:
            return out, body["total"]
        offset += limit


def test_eprisons_offset_paging_and_total(simulators: Running) -> None:
    c = client(simulators, "eprisons")
    url = simulators.manifest["eprisons"]["url"]
    rows, total = inmates(c, url, limit=17)
    assert total == len(rows)
    truth = simulators.ground_truth
    assert {f"eprisons:{r['prisonerId']}" for r in rows} == truth.live_record_ids("eprisons") | set(
        truth.bad_records("eprisons")
    )
    target = next(r for r in rows[len(rows) // 2 :] if "updatedAt" in r)
    since_rows, since_total = inmates(c, url, limit=500, **{"from": target["updatedAt"]})
    assert target["prisonerId"] in {r["prisonerId"] for r in since_rows}
    assert since_total == len(since_rows) < total


def test_eprisons_ids_are_sorted_and_complete(simulators: Running) -> None:
    c = client(simulators, "eprisons")
    url = simulators.manifest["eprisons"]["url"] + "/inmates/ids"
    ids: list[str] = []
    offset = 0
    while True:
        body = c.get(url, params={"offset": offset, "limit": 25}).json()
        if not body["ids"]:
            break
        ids.extend(body["ids"])
        offset += 25
    assert ids == sorted(ids) and len(ids) == body["total"] == len(set(ids))
    assert c.get(url).json()["ids"][:25] == ids[:25]  # default limit 1000
    assert c.get(url, params={"limit": "10001"}).status_code == 400


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "501"},
        {"limit": "0"},
        {"offset": "-1"},
        {"from": "2024-05-01"},
        {"from": "1714546800"},
    ],
)
def test_eprisons_bad_parameters(simulators: Running, params: dict[str, str]) -> None:
    r = client(simulators, "eprisons").get(
        simulators.manifest["eprisons"]["url"] + "/inmates", params=params
    )
    assert r.status_code == 400 and set(r.json()) == {"error", "message"}


def test_eprisons_removed_inmates_vanish_from_ids(fresh: Running) -> None:
    for _ in range(30):
        fresh.advance(600)
        if fresh.ground_truth.deleted_record_ids("eprisons"):
            break
    gone = {r.removeprefix("eprisons:") for r in fresh.ground_truth.deleted_record_ids("eprisons")}
    assert gone
    body = (
        client(fresh, "eprisons")
        .get(fresh.manifest["eprisons"]["url"] + "/inmates/ids", params={"limit": 10000})
        .json()
    )
    assert not gone & set(body["ids"])


def test_ncrp_pages_and_inclusive_updated_from(simulators: Running) -> None:
    c = client(simulators, "ncrp")
    url = simulators.manifest["ncrp"]["url"] + "/complaints"
    rows: list[dict[str, Any]] = []
    page = 1
    while True:
        body = c.get(url, params={"page": page, "per_page": 40}).json()
        assert body["meta"]["page"] == page and body["meta"]["per_page"] == 40
        if not body["complaints"]:
            break
        rows.extend(body["complaints"])
        page += 1
    assert len(rows) == body["meta"]["total"]
    truth = simulators.ground_truth
    assert {f"ncrp:{r['acknowledgement_no']}" for r in rows} == truth.live_record_ids("ncrp") | set(
        truth.bad_records("ncrp")
    )
    target = next(r for r in rows[len(rows) // 2 :] if "updated_at" in r)
    got = c.get(url, params={"updated_from": target["updated_at"], "per_page": 200}).json()[
        "complaints"
    ]
    assert target["acknowledgement_no"] in {r["acknowledgement_no"] for r in got}
    for bad in ({"per_page": "201"}, {"page": "0"}, {"updated_from": "2024-04-29"}):
        r = c.get(url, params=bad)
        assert r.status_code == 400 and set(r.json()) == {"error", "message"}


def test_ncrp_suspect_identifiers_recur_across_complaints(simulators: Running) -> None:
    c = client(simulators, "ncrp")
    url = simulators.manifest["ncrp"]["url"] + "/complaints"
    seen: dict[str, set[str]] = {}
    page = 1
    while True:
        items = c.get(url, params={"page": page, "per_page": 200}).json()["complaints"]
        if not items:
            break
        for complaint in items:
            for s in complaint["suspects"]:
                for key in ("mobile", "upi_id", "bank_account"):
                    if s.get(key):
                        seen.setdefault(s[key], set()).add(complaint["acknowledgement_no"])
        page += 1
    assert any(len(acks) > 1 for acks in seen.values())

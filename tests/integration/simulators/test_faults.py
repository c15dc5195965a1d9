"""Faults on demand, over HTTP: each kind forced on with a rate of 1 and observed on the wire."""

from __future__ import annotations

import email.utils
import hashlib
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from simulators.faults import FaultSpec, FaultState, profile
from simulators.harness import Running, start_simulators
from tests.integration.simulators.conftest import client, fetch_token
from tests.integration.simulators.walk import NO_ID, served_ids


def cctns_get(sims: Running, **params: object) -> httpx.Response:
    return client(sims, "cctns").get(sims.manifest["cctns"]["url"] + "/v1/persons", params=params)


def test_429_carries_retry_after_in_both_forms(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_429=1.0, retry_after_s=(2, 4)))
    forms = set()
    for _ in range(30):
        r = cctns_get(fresh)
        assert r.status_code == 429
        value = r.headers["retry-after"]
        if value.isdigit():
            assert 2 <= int(value) <= 4
            forms.add("seconds")
        else:
            when = email.utils.parsedate_to_datetime(value)
            assert when > datetime.now(UTC)
            forms.add("date")
    assert forms == {"seconds", "date"}


def test_token_endpoint_is_not_rate_limited(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_429=1.0))
    assert fetch_token(fresh, "eprisons")
    assert (
        client(fresh, "eprisons").get(fresh.manifest["eprisons"]["url"] + "/inmates").status_code
        == 429
    )


def test_token_endpoint_shares_outages(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_500=1.0))
    entry = fresh.manifest["ncrp"]
    r = httpx.post(
        entry["url"] + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(entry["client_id"], entry["client_secret"]),
    )
    assert r.status_code == 500


def test_500_has_no_retry_after(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_500=1.0))
    r = cctns_get(fresh)
    assert r.status_code == 500 and "retry-after" not in r.headers
    assert set(r.json()) == {"error", "message"}


def test_maintenance_503_carries_retry_after_seconds(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_503=1.0, retry_after_s=(1, 1)))
    r = cctns_get(fresh)
    assert r.status_code == 503 and r.headers["retry-after"] == "1"


@pytest.mark.parametrize(("field", "status"), [("rate_502", 502), ("rate_504", 504)])
def test_gateway_errors_can_be_html(fresh: Running, field: str, status: int) -> None:
    fresh.set_faults(FaultSpec(**{field: 1.0}))
    kinds = set()
    for _ in range(20):
        r = cctns_get(fresh)
        assert r.status_code == status and "retry-after" not in r.headers
        kinds.add(r.headers["content-type"].split(";")[0])
    assert kinds == {"text/html", "application/json"}


def test_ivfrt_errors_stay_xml_under_faults(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_500=1.0))
    r = client(fresh, "ivfrt").get(fresh.manifest["ivfrt"]["url"] + "/foreigners")
    assert r.status_code == 500 and r.content.startswith(b"<?xml") and b"<Error>" in r.content


def test_slow_pages(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_slow=1.0, slow_s=(0.4, 0.4)))
    start = time.monotonic()
    assert cctns_get(fresh).status_code == 200
    assert time.monotonic() - start >= 0.4


def test_connection_dropped_mid_body(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_drop=1.0))
    with pytest.raises(httpx.RemoteProtocolError):
        cctns_get(fresh, page_size=200)
    fresh.set_faults("none")
    assert cctns_get(fresh).status_code == 200


def test_duplicate_id_within_a_page_is_an_older_version(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_dup=1.0))
    rows = cctns_get(fresh, page_size=100).json()["data"]
    ids = [r["PERSON_ID"] for r in rows]
    dup = next(i for i in ids if ids.count(i) == 2)
    versions = sorted(
        datetime.fromisoformat(r["LAST_UPDATED"]) for r in rows if r["PERSON_ID"] == dup
    )
    assert versions[0] < versions[1]
    assert len(rows) == 101


@pytest.mark.parametrize(
    ("name", "path", "key", "id_field"),
    [
        ("vahan", "/rc", "records", "rc_chasi_no"),
        ("sarathi", "/v2/licences", "content", "dlNo"),
        ("khoyapaya", "/reports", "results", "report_id"),
    ],
)
def test_duplicates_in_other_json_sources(
    fresh: Running, name: str, path: str, key: str, id_field: str
) -> None:
    fresh.set_faults(FaultSpec(rate_dup=1.0), source=name)
    rows = client(fresh, name).get(fresh.manifest[name]["url"] + path).json()[key]
    ids = [r[id_field] for r in rows]
    assert len(ids) == len(set(ids)) + 1
    dup = next(i for i in ids if ids.count(i) == 2)
    versions = [json.dumps(r, sort_keys=True) for r in rows if r[id_field] == dup]
    assert versions[0] != versions[1]  # two versions of one record


def test_oauth_token_expired_early(fresh: Running) -> None:
    url = fresh.manifest["eprisons"]["url"] + "/inmates"
    headers = {"Authorization": f"Bearer {fetch_token(fresh, 'eprisons')}"}
    fresh.set_faults(FaultSpec(rate_token_expiry=1.0))
    r = httpx.get(url, headers=headers)
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"
    fresh.set_faults("none")
    assert httpx.get(url, headers=headers).status_code == 401  # the token stays dead
    assert (
        httpx.get(
            url, headers={"Authorization": f"Bearer {fetch_token(fresh, 'eprisons')}"}
        ).status_code
        == 200
    )


def test_page_token_expired_early(fresh: Running) -> None:
    token = cctns_get(fresh, page_size=5).json()["next_page_token"]
    fresh.set_faults(FaultSpec(rate_page_token_expiry=1.0))
    r = cctns_get(fresh, page_token=token)
    assert r.status_code == 410


def test_corrupt_alis_download(fresh: Running) -> None:
    c = client(fresh, "alis")
    url = fresh.manifest["alis"]["url"]
    f = c.get(url + "/index.json").json()["files"][-1]
    fresh.set_faults(FaultSpec(rate_corrupt_file=1.0))
    bad = c.get(f"{url}/{f['name']}").content
    assert hashlib.sha256(bad).hexdigest() != f["sha256"]
    fresh.set_faults("none")
    assert hashlib.sha256(c.get(f"{url}/{f['name']}").content).hexdigest() == f["sha256"]


def test_eprisons_offset_shift_inserts_late_rows(fresh: Running) -> None:
    c = client(fresh, "eprisons")
    url = fresh.manifest["eprisons"]["url"] + "/inmates"
    before = fresh.ground_truth.live_record_ids("eprisons")
    total = c.get(url, params={"limit": 10}).json()["total"]
    fresh.set_faults(FaultSpec(rate_offset_shift=1.0))
    assert c.get(url, params={"offset": 10, "limit": 10}).status_code == 200
    fresh.set_faults("none")
    added = fresh.ground_truth.live_record_ids("eprisons") - before
    assert 1 <= len(added) <= 3
    assert c.get(url, params={"limit": 10}).json()["total"] == total + len(added)
    clock = fresh.ground_truth.clock_ms()
    recent = c.get(
        url, params={"from": datetime.fromtimestamp((clock - 300_000) / 1000, UTC).isoformat()}
    ).json()["items"]
    assert {f"eprisons:{r['prisonerId']}" for r in recent} >= added


def test_faults_can_be_set_per_source(fresh: Running) -> None:
    fresh.set_faults(FaultSpec(rate_500=1.0), source="vahan")
    assert client(fresh, "vahan").get(fresh.manifest["vahan"]["url"] + "/rc").status_code == 500
    assert cctns_get(fresh).status_code == 200


def test_faults_via_admin_endpoint(fresh: Running) -> None:
    url = fresh.admin_url + "/_admin/faults"
    assert httpx.post(url, json={"profile": "harsh"}).status_code == 401
    r = httpx.post(
        url, json={"profile": "none", "rate_500": 1.0}, headers={"X-Admin-Key": fresh.admin_key}
    )
    assert r.status_code == 200
    assert cctns_get(fresh).status_code == 500
    assert (
        httpx.post(
            url, json={"profile": "nope"}, headers={"X-Admin-Key": fresh.admin_key}
        ).status_code
        == 400
    )
    status = httpx.get(
        fresh.admin_url + "/_admin/status", headers={"X-Admin-Key": fresh.admin_key}
    ).json()
    assert status["injected"]["cctns"]["500"] >= 1


def test_harsh_profile_injects_a_mix(fresh: Running) -> None:
    fresh.set_faults("harsh", rate_slow=0.0)
    statuses = []
    for _ in range(150):
        try:
            statuses.append(cctns_get(fresh).status_code)
        except httpx.RemoteProtocolError:
            statuses.append(-1)  # a dropped connection
    assert 200 in statuses and 429 in statuses
    assert {500, 502, 503, 504} & set(statuses)


def test_fault_decisions_are_seeded() -> None:
    spec = profile("harsh")
    runs: list[list[str | None]] = []
    for _ in range(2):
        state = FaultState(spec, "7:cctns:faults")
        runs.append([state.error() for _ in range(300)])
    assert runs[0] == runs[1] and any(runs[0])
    other = FaultState(spec, "8:cctns:faults")
    assert [other.error() for _ in range(300)] != runs[0]


def test_unknown_profile_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault profile"):
        profile("brutal")


@pytest.fixture(scope="module")
def harsh_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    sims = start_simulators(
        seed=23, persons=500, faults="harsh", data_dir=tmp_path_factory.mktemp("harsh")
    )
    sims.set_faults("none")  # transient faults off: look at the data itself
    yield sims
    sims.stop()


@pytest.mark.parametrize(
    "source", ["cctns", "eprisons", "vahan", "sarathi", "alis", "ncrp", "ivfrt", "khoyapaya"]
)
def test_harsh_world_serves_exactly_its_live_and_bad_records(
    harsh_world: Running, source: str
) -> None:
    truth = harsh_world.ground_truth
    served = served_ids(harsh_world, source)
    no_id = f"{source}:{NO_ID}"
    with_id = [s for s in served if s != no_id]
    if source != "alis":  # ALIS repeats a licence in a later file when it changes
        assert len(with_id) == len(set(with_id))  # no faults: each id once
    bad = truth.bad_records(source)
    assert set(with_id) == truth.live_record_ids(source) | {
        r for r, why in bad.items() if not why.startswith("missing_id")
    }
    assert len(served) - len(with_id) == sum(why.startswith("missing_id") for why in bad.values())


def test_harsh_world_has_bad_records_of_every_kind(harsh_world: Running) -> None:
    bad = harsh_world.ground_truth.bad_records()
    assert {reason.split(":")[0] for reason in bad.values()} == {
        "bad_date",
        "missing_field",
        "impossible_age",
        "bad_encoding",
        "mojibake",
        "unknown_enum",
        "missing_id",
    }
    assert {rid.split(":")[0] for rid in bad} == {
        "cctns",
        "eprisons",
        "vahan",
        "sarathi",
        "alis",
        "ncrp",
        "ivfrt",
        "khoyapaya",
    }


def test_bad_records_break_the_rules_they_are_named_for(harsh_world: Running) -> None:
    store = harsh_world.store
    for rid, reason in harsh_world.ground_truth.bad_records().items():
        body = json.loads(store.query("SELECT body FROM rows WHERE rid = ?", (rid,))[0][0])
        kind, field = reason.split(":")
        if kind in ("missing_field", "missing_id"):
            assert not body.get(field), (rid, reason)
        elif kind == "bad_encoding" and not rid.startswith("alis:"):
            with pytest.raises(UnicodeEncodeError):
                json.dumps(body, ensure_ascii=False).encode("utf-8")


def test_alis_bad_encoding_rows_are_not_utf8(harsh_world: Running) -> None:
    bad = [
        r
        for r, why in harsh_world.ground_truth.bad_records("alis").items()
        if why.startswith("bad_encoding")
    ]
    if not bad:
        pytest.skip("no ALIS encoding fault in this world")
    c = client(harsh_world, "alis")
    url = harsh_world.manifest["alis"]["url"]
    broken = 0
    for f in c.get(url + "/index.json").json()["files"]:
        try:
            c.get(f"{url}/{f['name']}").content.decode("utf-8")
        except UnicodeDecodeError:
            broken += 1
    assert broken >= 1


def test_aadhaar_numbers_are_sent_by_some_sources(harsh_world: Running) -> None:
    ids = harsh_world.ground_truth.aadhaar_record_ids()
    assert {rid.split(":")[0] for rid in ids} == {"cctns", "eprisons", "sarathi"}


def test_maintenance_window_keeps_answering_503_until_retry_after(fresh: Running) -> None:
    fresh.set_faults(
        FaultSpec(rate_503=1.0, retry_after_s=(1, 1), maintenance_windows=True), source="cctns"
    )
    assert cctns_get(fresh).status_code == 503
    fresh.set_faults(FaultSpec(maintenance_windows=True), source="cctns")  # no new outages
    fresh.faults["cctns"].open_maintenance(1)
    during = cctns_get(fresh)
    assert during.status_code == 503 and during.headers["retry-after"] == "1"
    time.sleep(1.1)
    assert cctns_get(fresh).status_code == 200

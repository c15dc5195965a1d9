"""The clock: changes of every kind, late writes behind a served watermark, determinism, the
admin endpoint, and ground truth that follows the changes."""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from simulators.harness import Running
from tests.integration.simulators.conftest import FRESH, client

KINDS = {
    "cctns_new_fir",
    "cctns_delete",
    "cctns_status",
    "eprisons_admission",
    "eprisons_release",
    "eprisons_removed",
    "vahan_transfer",
    "vahan_status",
    "sarathi_status",
    "alis_status",
    "ncrp_status",
    "ncrp_new",
    "ivfrt_change",
    "khoyapaya_traced",
    "khoyapaya_sighting",
}


def _rows(sims: Running) -> dict[str, tuple[int, str]]:
    return {
        r: (t, b) for r, t, b in sims.store.query("SELECT rid || '@' || coll, t, body FROM rows")
    }


def test_advance_emits_every_kind_of_change(fresh: Running) -> None:
    seen: Counter[str] = Counter()
    for _ in range(25):
        seen.update(fresh.advance(240))
        if set(seen) >= KINDS:
            break
    assert set(seen) >= KINDS, KINDS - set(seen)


def test_late_writes_land_behind_the_old_clock(fresh: Running) -> None:
    late = 0
    for _ in range(6):
        old = fresh.ground_truth.clock_ms()
        before = _rows(fresh)
        fresh.advance(60)
        after = _rows(fresh)
        changed = [t for k, (t, b) in after.items() if before.get(k) != (t, b)]
        assert changed
        assert all(t > old - 5 * 60_000 for t in changed)  # never more than 5 minutes late
        late += sum(1 for t in changed if t <= old)
    assert late > 0


def test_an_overlap_window_catches_every_change(fresh: Running) -> None:
    """What a connector does: walk, remember as_of, advance, re-read from as_of - 5 min."""
    c = client(fresh, "cctns")
    url = fresh.manifest["cctns"]["url"] + "/v1/persons"
    as_of = datetime.fromisoformat(c.get(url).json()["as_of"])
    before = _rows(fresh)
    changed: set[str] = set()
    for _ in range(10):  # a few small steps until some persons rows changed
        fresh.advance(30)
        changed = {
            k.split("@")[0].removeprefix("cctns:")
            for k, v in _rows(fresh).items()
            if k.startswith("cctns:") and k.endswith("@persons") and before.get(k) != v
        }
        if changed:
            break
    assert changed
    since = (as_of - timedelta(minutes=5)).isoformat()
    got: set[str] = set()
    token = None
    while True:
        params: dict[str, object] = {"updated_since": since, "page_size": 50}
        if token:
            params["page_token"] = token
        body = c.get(url, params=params).json()
        got |= {r["PERSON_ID"] for r in body["data"]}
        token = body["next_page_token"]
        if not token:
            break
    assert changed <= got


def _digest(sims: Running) -> str:
    h = hashlib.sha256()
    for row in sims.store.query(
        "SELECT source, coll, nid, t, body FROM rows ORDER BY source, coll, nid"
    ):
        h.update(repr(row).encode())
    return h.hexdigest()


def test_advances_are_deterministic(
    simulators_factory: Callable[..., Running], fresh_template: Path, tmp_path: Path
) -> None:
    digests = []
    for name in ("a", "b"):
        target = tmp_path / name
        shutil.copytree(fresh_template, target)
        sims = simulators_factory(data_dir=target, **FRESH)
        sims.advance(30)
        sims.advance(200)
        digests.append(_digest(sims))
    assert digests[0] == digests[1]


def test_admin_advance_over_http(fresh: Running) -> None:
    url = fresh.admin_url + "/_admin/advance"
    assert httpx.post(url, json={"minutes": 10}).status_code == 401
    assert (
        httpx.post(url, json={"minutes": 10}, headers={"X-Admin-Key": "wrong"}).status_code == 401
    )
    bad = httpx.post(url, json={"minutes": -1}, headers={"X-Admin-Key": fresh.admin_key})
    assert bad.status_code == 400
    old = fresh.ground_truth.clock_ms()
    r = httpx.post(url, json={"minutes": 10}, headers={"X-Admin-Key": fresh.admin_key})
    assert r.status_code == 200
    assert r.json()["clock_ms"] == old + 600_000 == fresh.ground_truth.clock_ms()
    assert sum(r.json()["changes"].values()) > 0
    # Every source's server answers the admin endpoints.
    other = fresh.servers["khoyapaya"].root + "/_admin/status"
    assert (
        httpx.get(other, headers={"X-Admin-Key": fresh.admin_key}).json()["clock_ms"]
        == old + 600_000
    )


def test_ground_truth_follows_deletes_transfers_and_removals(fresh: Running) -> None:
    truth = fresh.ground_truth
    for _ in range(30):
        fresh.advance(600)
        kinds = (
            truth.deleted_record_ids("cctns"),
            truth.record_ids("superseded", "vahan"),
            truth.deleted_record_ids("eprisons"),
        )
        if all(kinds):
            break
    deleted = truth.deleted_record_ids("cctns")
    superseded = truth.record_ids("superseded", "vahan")
    removed = truth.deleted_record_ids("eprisons")
    assert deleted and superseded and removed
    live = truth.live_record_ids()
    assert not (deleted | superseded | removed) & live
    # The served world agrees: current owners only, removed inmates gone, tombstones served.
    served_vahan = {
        f"vahan:{nid}#{sr}"
        for nid, sr in fresh.store.query(
            "SELECT nid, json_extract(body, '$.rc_owner_sr') FROM rows WHERE source = 'vahan'"
        )
    }
    assert served_vahan == truth.live_record_ids("vahan")
    ids = (
        client(fresh, "eprisons")
        .get(fresh.manifest["eprisons"]["url"] + "/inmates/ids", params={"limit": 10000})
        .json()["ids"]
    )
    assert {f"eprisons:{i}" for i in ids} == truth.live_record_ids("eprisons")


def test_sightings_after_advance_match_missing_children(fresh: Running) -> None:
    before = fresh.ground_truth.matches()
    for _ in range(8):
        fresh.advance(600)
        if fresh.ground_truth.matches() - before:
            break
    new = fresh.ground_truth.matches() - before
    assert new
    for found, missing in new:
        assert (
            fresh.ground_truth.person_of(found).keys()
            == fresh.ground_truth.person_of(missing).keys()
        )

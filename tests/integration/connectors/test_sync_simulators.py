"""`run_sync` against the running simulators (real HTTP on loopback) into the real embedded
backend, with harsh faults: the index must equal the ground truth, bad records must be in
quarantine, incremental runs must catch every change, and a killed sync must resume."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from config import SearchSettings, SourceSettings, SyncSettings
from connectors.engine import run_sync
from connectors.evidence import SyncEvidence
from connectors.metrics import SyncMetrics
from connectors.report import SyncReport
from connectors.retry import RetryPolicy
from connectors.status import sync_status
from federation import Decision, NocService, NocStore, VehicleSearch, normalise_vehicle
from indexer import open_backend
from records import Record, Source
from simulators.harness import Running
from state.sync import StateStore

pytestmark = pytest.mark.slow

# Retry-After is capped low so that the harsh profile's 1-3 s waits do not make the suite slow;
# the respx tests check that the header's value is used.
POLICY = RetryPolicy(max_attempts=12, initial_s=0.01, max_s=0.1, retry_after_cap_s=0.1)
PERSONS = 150
# Small pages so that every source pages several times (token expiry, offset shifts, next links).
PAGE = {
    "cctns": 25,
    "eprisons": 10,
    "vahan": 25,
    "sarathi": 20,
    "alis": 40,
    "ncrp": 20,
    "khoyapaya": 10,
}


def sources_of(sims: Running) -> dict[str, SourceSettings]:
    return {
        name: SourceSettings(**entry, page_size=PAGE.get(name))
        for name, entry in sims.manifest.items()
    }


async def sync(sims: Running, sink: Any, tmp: Path, **kw: Any) -> SyncReport:
    settings = SyncSettings(state_path=tmp / "sync.db", reconcile_every_s=0, breaker_failures=50)
    return await run_sync(
        sources_of(sims),
        sink,
        tmp / "sync.db",
        settings,
        policy=POLICY,
        metrics=SyncMetrics(CollectorRegistry()),
        **kw,
    )


# What UTF-8 read as Windows-1252 or Latin-1 leaves behind (Devanagari's first byte, the
# lead bytes of Latin-1 letters, a dash or quote's first two bytes; JSON escapes the C1 ones).
MOJIBAKE_MARKS = ("à¤", "Ã", "â€", "\\u0080", "\\u0082", "\\u0093")


def assert_index_matches_truth(sims: Running, backend: Any, tmp: Path) -> None:
    """The contract's "Bad records" rule, source by source: nothing missing, nothing extra; a
    damaged record is indexed with its issues (and listed in quarantine) when it keeps its id and
    a name or identifier, quarantined alone otherwise; a good record carries no issue."""
    truth = sims.ground_truth
    with StateStore(tmp / "sync.db") as state:
        entries = [e for e in state.quarantine_entries() if e.collection != "@file"]
    for name in sims.manifest:
        listed = list(backend.ids(Source(name)))
        assert len(listed) == len(set(listed)), f"{name}: duplicate ids in the index"
        expected = truth.expected_in_index(name)
        assert set(listed) == expected, (
            f"{name}: missing {sorted(expected - set(listed))[:5]}, "
            f"extra {sorted(set(listed) - expected)[:5]}"
        )
        damaged = truth.bad_expected("indexed", name)
        for record in backend.get(sorted(expected)):
            if record.record_id in damaged:
                why = damaged[record.record_id]
                assert record.data_issues, f"{record.record_id} ({why})"
                if why.startswith("mojibake:"):
                    # repaired, the repair listed, nothing garbled left to show an officer
                    assert any("mojibake" in i.reason for i in record.data_issues), why
                    shown = record.model_dump_json(exclude={"raw"})
                    assert not any(m in shown for m in MOJIBAKE_MARKS), (why, shown)
            else:
                assert not record.data_issues, (record.record_id, record.data_issues)
        mine = [e for e in entries if e.source == name]
        listed_damaged = {f"{name}:{e.native_id}" for e in mine if e.indexed}
        assert listed_damaged == set(damaged), f"{name}: {listed_damaged ^ set(damaged)}"
        alone = truth.bad_expected("quarantined", name)
        held = {f"{name}:{e.native_id}" for e in mine if not e.indexed}
        with_id = {r for r, why in alone.items() if not why.startswith("missing_id")}
        without_id = len(alone) - len(with_id)
        assert with_id <= held, f"{name}: not quarantined {sorted(with_id - held)}"
        nameless = {h for h in held if h.startswith(f"{name}:sha256:")}
        assert len(nameless) == without_id, f"{name}: {len(nameless)} id-less, {without_id} sent"
        assert held - nameless <= with_id, f"{name}: good rows quarantined {held - with_id}"


def assert_aadhaar_dropped(sims: Running, backend: Any, tmp: Path) -> None:
    """Every record the source sent with an Aadhaar number is stored without it, and the
    removal is in the redaction log."""
    truth = sims.ground_truth
    seen = truth.expected_in_index() | set(truth.bad_records())
    carrying = sorted(truth.aadhaar_record_ids() & seen)
    assert carrying, "the world should carry some Aadhaar numbers"
    with sqlite3.connect(tmp / "sync.db") as db:
        logged = {(s, n) for s, n in db.execute("SELECT source, native_id FROM redactions")}
    for record_id in carrying:
        source, _, native = record_id.partition(":")
        assert (source, native) in logged, record_id
    for record in backend.get([r for r in carrying if r in truth.expected_in_index()]):
        assert record.raw is not None
        assert not {"UID_NO", "aadhaarNo"} & set(record.raw), record.record_id


def assert_no_clear_for_reported_vehicles(sims: Running, backend: Any, tmp: Path) -> None:
    """No vehicle that CCTNS reports stolen or held as case property gets CLEAR, whether the
    report arrived whole, damaged (indexed with issues) or unreadable (quarantined alone); and
    the NOC still clears vehicles nobody reported (it is not REVIEW for everything)."""
    service = NocService(
        backend,
        NocStore(tmp / "noc.db"),
        lambda claims: "unsigned",
        issuer="test",
        evidence=SyncEvidence(tmp / "sync.db"),
    )
    truth = sims.ground_truth
    reported = truth.reported_vehicles()
    against = [v for v in reported if v["status"] not in ("RECOVERED",)]
    damaged = [v for v in against if v["reason"]]
    assert damaged, "the harsh world should spoil some theft reports"
    for vehicle in against:
        terms = normalise_vehicle(
            VehicleSearch(registration_no=vehicle["registration"], chassis_no=vehicle["chassis"])
        )
        decision = service.check(terms).decision
        assert decision is not Decision.CLEAR, vehicle
    reported_plates = {v["registration"] for v in reported}
    clear = 0
    for record in backend.get(sorted(truth.live_record_ids("vahan"))[:60]):
        assert record.vehicle is not None
        if record.vehicle.registration_no in reported_plates:
            continue
        terms = normalise_vehicle(
            VehicleSearch(
                registration_no=record.vehicle.registration_no,
                chassis_no=record.vehicle.chassis_no,
            )
        )
        clear += service.check(terms).decision is Decision.CLEAR
    assert clear >= 10


@pytest.fixture
def harsh(simulators_factory: Callable[..., Running], tmp_path: Path) -> Running:
    return simulators_factory(
        seed=23,
        persons=PERSONS,
        faults="harsh",
        data_dir=tmp_path / "world",
        token_ttl_s=2.0,
        page_token_ttl_s=1.0,
    )


async def test_harsh_full_then_incremental_equals_ground_truth(
    harsh: Running, tmp_path: Path
) -> None:
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    try:
        report = await sync(harsh, backend, tmp_path)
        failed = {n: r.error for n, r in report.sources.items() if r.status != "ok"}
        assert not failed
        assert_index_matches_truth(harsh, backend, tmp_path)
        assert_aadhaar_dropped(harsh, backend, tmp_path)
        assert sum(r.retries for r in report.sources.values()) > 0  # faults were met
        assert sum(r.quarantined + r.with_issues for r in report.sources.values()) >= len(
            harsh.ground_truth.bad_records()
        )
        for r in report.sources.values():
            assert r.accounted == r.fetched, r.as_dict()

        kinds: set[str] = set()
        for _ in range(2):
            # two simulated days: new records, updates, transfers, deletes, late writes
            changes = harsh.advance(2880)
            kinds |= {k for k, n in changes.items() if n}
            report = await sync(harsh, backend, tmp_path)
            failed = {n: r.error for n, r in report.sources.items() if r.status != "ok"}
            assert not failed
            assert_index_matches_truth(harsh, backend, tmp_path)
            assert sum(r.updated + r.indexed for r in report.sources.values()) > 0
        assert {"cctns_delete", "vahan_transfer"} <= kinds  # the seed's world has both
        assert_no_clear_for_reported_vehicles(harsh, backend, tmp_path)

        status = sync_status(tmp_path / "sync.db")
        assert all(status[n]["last_success"] for n in harsh.manifest)
        open_entries = sum(
            status[n]["quarantined"] + status[n]["with_issues"] for n in harsh.manifest
        )
        assert open_entries >= len(harsh.ground_truth.bad_records())
    finally:
        backend.close()


async def test_killed_sync_resumes_and_ends_in_the_same_state(
    simulators_factory: Callable[..., Running], tmp_path: Path
) -> None:
    sims = simulators_factory(
        seed=29, persons=PERSONS, faults="default", data_dir=tmp_path / "world"
    )
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))

    class Killing:
        """Passes writes to the backend until the n-th, where the process 'dies'."""

        def __init__(self, limit: int) -> None:
            self.calls, self.limit = 0, limit

        def upsert(self, records: Any) -> Any:
            self.calls += 1
            if self.calls >= self.limit:
                raise RuntimeError("killed")
            return backend.upsert(records)

        def delete(self, ids: Any) -> Any:
            return backend.delete(ids)

        def ids(self, source: Any) -> Any:
            return backend.ids(source)

    try:
        first = await sync(sims, Killing(limit=6), tmp_path)
        assert any(r.status == "failed" for r in first.sources.values())
        with StateStore(tmp_path / "sync.db") as state:
            committed = sum(state.count_versions(n) for n in sims.manifest)
        assert committed > 0, "the writes before the kill should be committed"
        second = await sync(sims, backend, tmp_path)
        assert all(r.status == "ok" for r in second.sources.values()), second.as_dict()
        assert_index_matches_truth(sims, backend, tmp_path)
        # a resumed walk does not re-read what was committed before the kill
        total = sum(r.fetched for r in first.sources.values()) + sum(
            r.fetched for r in second.sources.values()
        )
        clean_dir = tmp_path / "clean"
        clean_dir.mkdir()
        clean_backend = open_backend(SearchSettings(path=clean_dir / "index.db"))
        try:
            clean = await sync(sims, clean_backend, clean_dir)
            for name in sims.manifest:
                assert sorted(clean_backend.ids(Source(name))) == sorted(backend.ids(Source(name)))
        finally:
            clean_backend.close()
        assert total < 2 * sum(r.fetched for r in clean.sources.values())
    finally:
        backend.close()


async def test_a_full_sync_loads_in_bulk_and_equals_ground_truth(
    harsh: Running, tmp_path: Path
) -> None:
    """`full=True` is the backend's bulk load (a new index version, switched to at the end):
    under the harsh faults it ends equal to the ground truth, as the incremental path does. With
    an `on_written` hook (the alert step searches the index) too: the hook runs after the switch,
    over every record written."""
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))

    def current() -> str:
        with sqlite3.connect(tmp_path / "index.db") as raw:
            return str(raw.execute("SELECT value FROM meta WHERE name='current'").fetchone()[0])

    try:
        report = await sync(harsh, backend, tmp_path, full=True)
        assert not {n: r.error for n, r in report.sources.items() if r.status != "ok"}
        assert current() == "2"  # built behind the readers, then switched to
        assert_index_matches_truth(harsh, backend, tmp_path)
        harsh.advance(2880)
        seen: list[str] = []

        def hook(records: Sequence[Record]) -> None:
            assert current() == "3"  # after the switch
            seen.extend(r.record_id for r in records)

        report = await sync(harsh, backend, tmp_path, full=True, on_written=hook)
        assert not {n: r.error for n, r in report.sources.items() if r.status != "ok"}
        assert current() == "3"
        # each record written and still held, hooked (a record deleted after its write is not)
        written = sum(r.indexed + r.updated + r.with_issues for r in report.sources.values())
        assert 0 < len(seen) <= written
        assert len(backend.get(sorted(set(seen)))) == len(set(seen))
        assert_index_matches_truth(harsh, backend, tmp_path)
    finally:
        backend.close()

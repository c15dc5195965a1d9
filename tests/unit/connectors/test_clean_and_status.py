"""Aadhaar removal, field parsing, state names, status, metrics and progress reporting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from prometheus_client import CollectorRegistry

from config import SourceSettings, SyncSettings
from connectors import parse as p
from connectors.clean import REDACTED, looks_like_aadhaar, scrub_aadhaar, verhoeff_valid
from connectors.engine import run_sync
from connectors.errors import MappingError
from connectors.metrics import SyncMetrics
from connectors.report import SourceReport
from connectors.states import state_code_for
from connectors.status import sync_status
from tests.unit.connectors.fakes import FAST, T0, FakeCctns, cctns_person

VALID = "234567890124"  # a Verhoeff-valid Aadhaar-shaped number (not a real one)


def test_verhoeff() -> None:
    assert verhoeff_valid(VALID)
    assert not verhoeff_valid("234567890125")
    assert looks_like_aadhaar(f"id {VALID[:4]} {VALID[4:8]} {VALID[8:]} given")
    assert not looks_like_aadhaar("234567890125")


def test_scrub_removes_named_fields_and_free_text_numbers_only() -> None:
    payload = {
        "name": "Ramesh",
        "AADHAAR_NO": VALID,
        "aadharNumber": "",  # empty: nothing to report
        "UID": VALID,
        "uuid": "keep-me",
        "nested": {"adhaar": VALID, "note": f"aadhaar {VALID[:4]}-{VALID[4:8]}-{VALID[8:]} seen"},
        "suspects": [{"bank_account": VALID, "mobile": "+91" + "9876543210"}],
        "list": [f"x {VALID}"],
        "count": 3,
    }
    cleaned, removed = scrub_aadhaar(payload)
    assert "AADHAAR_NO" not in cleaned and "UID" not in cleaned and "aadharNumber" not in cleaned
    assert cleaned["uuid"] == "keep-me" and cleaned["count"] == 3
    assert "adhaar" not in cleaned["nested"]
    assert cleaned["nested"]["note"] == f"aadhaar {REDACTED} seen"
    assert cleaned["suspects"][0]["bank_account"] == VALID  # an account number, not Aadhaar
    assert cleaned["list"] == [f"x {REDACTED}"]
    assert sorted(removed) == sorted(
        ["AADHAAR_NO", "UID", "nested.adhaar", "nested.note", "list[0]"]
    )
    assert payload["AADHAAR_NO"] == VALID  # the input is not modified


@pytest.mark.parametrize(
    ("value", "expected"),
    [("14/03/2024", "2024-03-14"), ("2024-03-14", "2024-03-14"), ("12-Jan-2019", "2019-01-12")],
)
def test_dates_in_the_contract_forms(value: str, expected: str) -> None:
    assert p.parse_date(value, "d").isoformat() == expected


@pytest.mark.parametrize("value", ["31/02/2024", "2024-13-45", "00/00/0000", "31-Feb-2019", "x"])
def test_bad_dates_are_mapping_errors(value: str) -> None:
    with pytest.raises(MappingError, match="unparseable date"):
        p.parse_date(value, "d")


def test_naive_times_and_unit_mixups_are_refused() -> None:
    with pytest.raises(MappingError, match="without offset"):
        p.parse_datetime("2024-05-01T10:00:00", "t")
    with pytest.raises(MappingError, match="implausible"):
        p.epoch({"t": 1714546800}, "t", millis=True)  # seconds where milliseconds are due
    assert p.epoch({"t": 1714546800123}, "t", millis=True).year == 2024


def test_birth_dates_must_give_possible_ages() -> None:
    on = datetime(2024, 5, 1).date()
    assert p.birth_date({"dob": "1988-04-17"}, "dob", on=on) is not None
    for bad in ("2031-01-01", "1890-01-01"):
        with pytest.raises(MappingError, match="impossible age"):
            p.birth_date({"dob": bad}, "dob", on=on)


def test_state_names() -> None:
    assert state_code_for("Karnataka") == "KA"
    assert state_code_for("Jammu & Kashmir") == "JK"
    assert state_code_for("  NCT of Delhi ") == "DL"
    assert state_code_for("Orissa") == "OD"
    assert state_code_for("MH") == "MH"
    assert state_code_for("Atlantis") is None
    # old names, merged and split territories, spellings, scripts, codes old and ISO
    assert state_code_for("Pondicherry") == state_code_for("पुडुचेरी") == "PY"
    assert state_code_for("Uttaranchal") == state_code_for("UA") == state_code_for("UT") == "UK"
    assert state_code_for("Daman & Diu") == state_code_for("Dadra and Nagar Haveli") == "DD"
    assert state_code_for("Dadra and Nagar Haveli and Daman and Diu") == "DD"
    assert state_code_for("DN") == "DD"
    assert state_code_for("Ladakh") == "LA" and state_code_for("J&K") == "JK"
    assert state_code_for("Tamilnadu") == state_code_for("தமிழ்நாடு") == "TN"
    assert state_code_for("Chattisgarh") == state_code_for("CT") == "CG"
    assert state_code_for("OR") == "OD" and state_code_for("ଓଡ଼ିଶା") == "OD"
    assert state_code_for("State of Maharashtra") == "MH"


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str, Any]] = []

    def begin(self, source: str) -> None:
        self.events.append(("begin", source))

    def advance(self, source: str, rows: int, total: int | None) -> None:
        self.events.append(("advance", rows))

    def end(self, source: str, report: SourceReport) -> None:
        self.events.append(("end", report.status))


@respx.mock
async def test_status_metrics_and_progress(tmp_path: Path, embedded_backend: Any) -> None:
    url = "http://cctns.test/cctns"
    rows = [cctns_person(f"P{i}", T0 + timedelta(minutes=i)) for i in range(3)]
    rows.append(cctns_person("BAD", T0, PERSON_ID=" "))  # no id: quarantined alone
    # the source's clock says an hour later than the first row: the lag is by that clock
    source = FakeCctns(rows={"persons": rows}, as_of=T0 + timedelta(hours=1))
    respx.get(url__startswith=f"{url}/v1/").mock(side_effect=source)
    registry = CollectorRegistry()
    progress = Recorder()
    state_path = tmp_path / "sync.db"
    assert sync_status(state_path)["cctns"]["last_success"] is None  # nothing yet, no error
    report = await run_sync(
        {"cctns": SourceSettings(url=url, api_key="key", page_size=2)},
        embedded_backend,
        state_path,
        SyncSettings(state_path=state_path),
        progress=progress,
        policy=FAST,
        metrics=SyncMetrics(registry),
    )
    assert report.ok
    assert progress.events[0] == ("begin", "cctns") and progress.events[-1] == ("end", "ok")
    assert sum(n for kind, n in progress.events if kind == "advance") == 4

    def metric(name: str) -> float | None:
        return registry.get_sample_value(name, {"source": "cctns"})

    assert metric("icjs_sync_fetched_total") == 4
    assert metric("icjs_sync_indexed_total") == 3
    assert metric("icjs_sync_quarantined_total") == 1

    status = sync_status(state_path)["cctns"]
    assert status["quarantined"] == 1
    assert status["watermark"] == (T0 + timedelta(minutes=2)).isoformat()
    assert status["lag_s"] == 0  # the walk completed: complete up to the source's as_of
    assert status["as_of"] == (T0 + timedelta(hours=1)).isoformat()
    assert status["last_run"]["reconciles"] and status["last_failure"] is None
    assert status["last_run"]["status"] == "ok"
    assert datetime.fromisoformat(status["last_success"]) <= datetime.now(UTC)

    # an hour later by the source's clock, a run fails after its first page: the index is
    # an hour behind the source, by the source's clock
    source.as_of = T0 + timedelta(hours=2)
    source.expire = set(range(len(source.requests) + 2, len(source.requests) + 40))
    failed = await run_sync(
        {"cctns": SourceSettings(url=url, api_key="key", page_size=2)},
        embedded_backend,
        state_path,
        SyncSettings(state_path=state_path),
        policy=FAST,
        metrics=SyncMetrics(CollectorRegistry()),
    )
    assert failed.sources["cctns"].status == "failed"
    status = sync_status(state_path)["cctns"]
    assert status["lag_s"] == pytest.approx(3600)
    assert "expiring" in status["last_failure"]["error"]
    assert status["last_failure"]["stream"] == "persons"
    assert sync_status(state_path)["vahan"]["last_success"] is None


@respx.mock
async def test_one_dead_source_does_not_stop_the_others(
    tmp_path: Path, embedded_backend: Any
) -> None:
    good, dead = "http://cctns.test/cctns", "http://vahan.test/api"
    respx.get(url__startswith=f"{good}/v1/").mock(
        side_effect=FakeCctns(rows={"persons": [cctns_person("P1", T0)]})
    )
    respx.get(url__startswith=dead).mock(side_effect=httpx.ConnectError("refused"))
    report = await run_sync(
        {
            "cctns": SourceSettings(url=good, api_key="key"),
            "vahan": SourceSettings(url=dead, api_key="key"),
        },
        embedded_backend,
        tmp_path / "sync.db",
        SyncSettings(state_path=tmp_path / "sync.db", breaker_failures=3),
        policy=FAST,
        metrics=SyncMetrics(CollectorRegistry()),
    )
    assert report.sources["cctns"].status == "ok"
    assert report.sources["vahan"].status == "circuit open"
    assert not report.ok

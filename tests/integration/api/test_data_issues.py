"""A record indexed with data issues is shown with them: in person search results, in the
profile read, and in a vehicle search; the issues name fields and reasons, never values."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from auth.principal import Role
from config import SearchSettings
from indexer import open_backend
from records import DataIssue
from tests.plugins.api import LiveApi, api_settings_for, api_world, fill, start_api

PURPOSE = "FIR 0123/2024 Shivajinagar"
ISSUES = (
    DataIssue(field="FIR_DATE", reason="unparseable date, withheld"),
    DataIssue(field="ACCUSED_NAME", reason="mojibake (UTF-8 read as Windows-1252) repaired"),
)


@pytest.fixture
def api(tmp_path: Path) -> Iterator[LiveApi]:
    world = api_world()
    damaged = []
    for record in world:
        if record.record_id == "cctns:MH-PS0412-2024-0123-A1" or (
            record.kind.value == "vehicle_report"
        ):
            record = record.model_copy(update={"data_issues": ISSUES, "event_date": None})
        damaged.append(record)
    backend = open_backend(SearchSettings(backend="embedded", path=tmp_path / "icjs.db"))
    fill(backend, damaged)
    settings = api_settings_for(tmp_path, rate_limit_per_minute=100_000)
    try:
        with start_api(settings, backend) as live:
            yield live
    finally:
        backend.close()


def test_search_results_and_profiles_show_data_issues(api: LiveApi) -> None:
    officer = api.officer()
    found = api.post(
        "/v1/persons/search", officer, json={"name": "Rajendra Patil", "purpose": PURPOSE}
    )
    assert found.status_code == 200, found.text
    records = [r for p in found.json()["profiles"] for r in p["records"]]
    damaged = next(r for r in records if r["record_id"] == "cctns:MH-PS0412-2024-0123-A1")
    assert damaged["data_issues"] == [{"field": i.field, "reason": i.reason} for i in ISSUES]
    assert all(not r["data_issues"] for r in records if r is not damaged)
    profile_id = next(
        p["profile_id"]
        for p in found.json()["profiles"]
        if any(r["record_id"] == damaged["record_id"] for r in p["records"])
    )
    read = api.get(f"/v1/persons/{profile_id}?purpose={PURPOSE}", officer)
    assert read.status_code == 200, read.text
    shown = next(r for r in read.json()["records"] if r["record_id"] == damaged["record_id"])
    assert shown["data_issues"] == damaged["data_issues"]


def test_vehicle_search_shows_a_damaged_theft_report(api: LiveApi) -> None:
    token = api.partner(agency="RTO", role=Role.NOC_SERVICE, scopes=["vehicles:search"])
    found = api.post(
        "/v1/vehicles/search", token, json={"registration_no": "MH12AB1234", "purpose": PURPOSE}
    )
    assert found.status_code == 200, found.text
    reports = [r for v in found.json()["vehicles"] for r in v["reports"]]
    reports += found.json()["unlinked_reports"]
    assert reports and all(r["record"]["data_issues"] for r in reports)

"""`icjs index export | import | rebuild | stats` on a real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.index import index_app
from config import SearchSettings
from indexer import open_backend
from matching.keys import KEYS_VERSION
from records import Record
from records.firs import FIR_KEYS_VERSION

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_records: list[Record]) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ICJS_CONFIG", raising=False)
    path = tmp_path / "var" / "icjs.db"
    monkeypatch.setenv("ICJS_SEARCH__BACKEND", "embedded")
    monkeypatch.setenv("ICJS_SEARCH__PATH", str(path))
    backend = open_backend(SearchSettings(path=path))
    backend.upsert(sample_records)
    backend.close()
    return path


def test_export_then_import_into_another_index_round_trips(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sample_records: list[Record]
) -> None:
    dump = tmp_path / "dump.jsonl"
    result = runner.invoke(index_app, ["export", "--output", str(dump)])
    assert result.exit_code == 0, result.output
    lines = dump.read_text().splitlines()
    assert sorted(Record.model_validate_json(x).record_id for x in lines) == sorted(
        r.record_id for r in sample_records
    )
    monkeypatch.setenv("ICJS_SEARCH__PATH", str(tmp_path / "other.db"))
    result = runner.invoke(index_app, ["import", str(dump)])
    assert result.exit_code == 0, result.output
    assert f"imported {len(sample_records)} records" in result.output
    stats = json.loads(runner.invoke(index_app, ["stats", "--json"]).output)
    assert stats["total"] == len(sample_records)
    assert stats["links"] == 4


def test_import_reports_bad_lines_and_loads_the_rest(
    db: Path, tmp_path: Path, sample_records: list[Record]
) -> None:
    dump = tmp_path / "bad.jsonl"
    good = sample_records[0].model_copy(update={"status": "CONVICTED"})
    dump.write_text('{"record_id": "nonsense"}\n' + good.model_dump_json() + "\n")
    result = runner.invoke(index_app, ["import", str(dump)])
    assert result.exit_code == 1
    assert "line 1" in result.output
    assert "imported 1 records" in result.output


def test_stats_json_counts_per_source_and_kind(db: Path) -> None:
    result = runner.invoke(index_app, ["stats", "--json"])
    assert result.exit_code == 0, result.output
    stats = json.loads(result.output)
    assert stats["version"] == 1
    assert stats["by_source_kind"]["cctns"] == {"accused": 3, "vehicle_report": 1}
    assert stats["health"]["ok"] is True


def test_stats_say_when_the_name_keys_are_older_than_icjs_and_a_rebuild_renews_them(
    db: Path,
) -> None:
    import sqlite3

    with sqlite3.connect(db) as con:  # as a file written before keys were versioned
        con.execute("DELETE FROM meta WHERE name = 'keys_version'")
    result = runner.invoke(index_app, ["stats"])
    assert result.exit_code == 0, result.output
    assert f"written by version 1, this icjs computes version {KEYS_VERSION}" in result.output
    assert "icjs index rebuild" in result.output
    stale = json.loads(runner.invoke(index_app, ["stats", "--json"]).output)
    assert stale["keys_current"] is False
    assert stale["health"]["ok"] is True, "searches still work, with fewer records found"
    assert "icjs index rebuild" in stale["health"]["detail"], "/readyz says it too"
    assert runner.invoke(index_app, ["rebuild"]).exit_code == 0
    stats = json.loads(runner.invoke(index_app, ["stats", "--json"]).output)
    assert stats["keys_version"] == KEYS_VERSION and stats["keys_current"] is True
    assert "rebuild" not in stats["health"]["detail"]


def test_stats_say_when_the_fir_keys_are_older_than_icjs_and_what_renews_them(db: Path) -> None:
    """An index written before FIRs were keyed without their state holds e-Prisons FIRs given
    the prison's state: the operator is told to re-sync e-Prisons and rebuild."""
    import sqlite3

    with sqlite3.connect(db) as con:
        con.execute("DELETE FROM meta WHERE name = 'fir_keys_version'")
    stale = json.loads(runner.invoke(index_app, ["stats", "--json"]).output)
    assert stale["fir_keys_version"] == 1 and stale["keys_current"] is False
    detail = stale["health"]["detail"]
    assert f"FIR keys written by version 1, this icjs computes version {FIR_KEYS_VERSION}" in detail
    assert "icjs sync --full --source eprisons" in detail and "icjs index rebuild" in detail
    assert runner.invoke(index_app, ["rebuild"]).exit_code == 0
    stats = json.loads(runner.invoke(index_app, ["stats", "--json"]).output)
    assert stats["fir_keys_version"] == FIR_KEYS_VERSION and stats["keys_current"] is True


def test_rebuild_swaps_to_a_new_version(db: Path, tmp_path: Path) -> None:
    result = runner.invoke(index_app, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert "into v2 (replacing v1)" in result.output
    dump = tmp_path / "dump.jsonl"
    runner.invoke(index_app, ["export", "-o", str(dump)])
    first_two = "".join(dump.read_text().splitlines(keepends=True)[:2])
    dump.write_text(first_two)
    result = runner.invoke(index_app, ["rebuild", "--from", str(dump)])
    assert result.exit_code == 0, result.output
    assert json.loads(runner.invoke(index_app, ["stats", "--json"]).output)["total"] == 2
    # old versions do not pile up: only v3's tables are left
    import sqlite3

    con = sqlite3.connect(db)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {t for t in tables if t.startswith("records_v")} == {"records_v3"}


def test_export_from_embedded_import_into_opensearch(
    db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sample_records: list[Record],
    opensearch_url: str,
    index_prefix: str,
) -> None:
    """Migration between backends is export + import."""
    dump = tmp_path / "dump.jsonl"
    assert runner.invoke(index_app, ["export", "-o", str(dump)]).exit_code == 0
    monkeypatch.setenv("ICJS_SEARCH__BACKEND", "opensearch")
    monkeypatch.setenv("ICJS_SEARCH__URL", opensearch_url)
    monkeypatch.setenv("ICJS_SEARCH__INDEX_PREFIX", index_prefix)
    result = runner.invoke(index_app, ["import", str(dump)])
    assert result.exit_code == 0, result.output
    stats = json.loads(runner.invoke(index_app, ["stats", "--json"]).output)
    assert stats["total"] == len(sample_records)
    assert stats["links"] == 4
    assert stats["by_source_kind"]["cctns"] == {"accused": 3, "vehicle_report": 1}
    result = runner.invoke(index_app, ["rebuild"])
    assert result.exit_code == 0, result.output
    assert "into v2 (replacing v1)" in result.output

"""`icjs sync --manifest` and `icjs quarantine` end to end: the simulators on loopback, the
settings from the environment, the embedded index and the state file under a temporary dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from config import SearchSettings
from indexer import open_backend
from records import Source
from simulators.harness import Running


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ICJS_CONFIG", raising=False)
    monkeypatch.setenv("ICJS_SYNC__STATE_PATH", str(tmp_path / "sync.db"))
    monkeypatch.setenv("ICJS_SEARCH__PATH", str(tmp_path / "index.db"))
    monkeypatch.setenv("ICJS_SYNC__BACKOFF_MAX_S", "0.2")
    return tmp_path


def test_sync_with_manifest_then_quarantine(simulators: Running, workdir: Path) -> None:
    manifest = workdir / "manifest.json"
    manifest.write_text(json.dumps({**simulators.manifest, "extra_system": {"url": "http://x"}}))
    runner = CliRunner()
    result = runner.invoke(
        app, ["sync", "--manifest", str(manifest), "--source", "cctns", "--source", "vahan"]
    )
    assert result.exit_code == 0, result.output
    assert "cctns" in result.output and "vahan" in result.output
    assert "extra_system" in result.output  # named as ignored, not fatal
    backend = open_backend(SearchSettings(path=workdir / "index.db"))
    try:
        for name in ("cctns", "vahan"):
            assert set(backend.ids(Source(name))) == simulators.ground_truth.live_record_ids(name)
        assert not list(backend.ids(Source.SARATHI))
    finally:
        backend.close()

    again = runner.invoke(app, ["sync", "--manifest", str(manifest), "--source", "cctns"])
    assert again.exit_code == 0, again.output

    listed = runner.invoke(app, ["quarantine", "list", "--json"])
    assert listed.exit_code == 0
    assert listed.output.strip() == ""  # the session world has no bad records
    replayed = runner.invoke(app, ["quarantine", "replay", "--source", "cctns"])
    assert replayed.exit_code == 0 and "replayed 0" in replayed.output


def test_sync_refuses_unknown_source_and_missing_config(workdir: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["sync", "--source", "nosuch"])
    assert result.exit_code != 0
    result = runner.invoke(app, ["quarantine", "list", "--source", "nosuch"])
    assert result.exit_code != 0

"""A source is a folder (#17, item 4): the toy source under `toy_source/` is registered with one
`register` call and then syncs, is searched and shows in `icjs sync status`, with no edit to
`records`, `config`, the registry's module or the simulators."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app as cli
from config import SearchSettings
from connectors.registry import CONNECTORS, SOURCES, register
from indexer import open_backend
from indexer.backends.base import CandidateQuery
from matching.api import name_keys
from records import Source, source_names
from tests.plugins.auth import LiveServer, bound_socket

from . import toy_source as toy


def test_a_toy_source_in_one_folder_syncs_is_searched_and_shows_in_sync_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "toy" not in SOURCES
    register(toy.SOURCE)
    try:
        assert "toy" in source_names() and CONNECTORS["toy"] is toy.ToyConnector
        module, attr = toy.SOURCE.simulator.split(":")
        server = LiveServer(getattr(importlib.import_module(module), attr), bound_socket()).start()
        try:
            monkeypatch.chdir(tmp_path)
            monkeypatch.delenv("ICJS_CONFIG", raising=False)
            monkeypatch.setenv("ICJS_SYNC__STATE_PATH", str(tmp_path / "sync.db"))
            monkeypatch.setenv("ICJS_SEARCH__PATH", str(tmp_path / "index.db"))
            manifest = tmp_path / "manifest.json"
            manifest.write_text(json.dumps({"toy": {"url": server.url, "api_key": "toy-key"}}))
            runner = CliRunner()
            synced = runner.invoke(cli, ["sync", "--manifest", str(manifest), "--source", "toy"])
            assert synced.exit_code == 0, synced.output
        finally:
            server.stop()

        backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
        try:
            assert set(backend.ids(Source("toy"))) == {"toy:T1", "toy:T2", "toy:T3"}
            found = backend.candidates(CandidateQuery(name_keys=name_keys("Ramesh Yadav")))
            assert [c.record.record_id for c in found] == ["toy:T1"]
            assert found[0].record.source is Source("toy")
        finally:
            backend.close()

        status = runner.invoke(cli, ["sync", "status", "--json"])
        assert status.exit_code == 0, status.output
        shown = json.loads(status.output)["toy"]
        assert shown["last_success"] is not None
        assert shown["last_run"]["counts"]["indexed"] == 3, shown["last_run"]
    finally:
        SOURCES.pop("toy", None)

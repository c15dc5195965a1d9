from __future__ import annotations

from pathlib import Path

import pytest

from config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("ICJS_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)


def test_defaults_without_any_file() -> None:
    settings = load_settings()
    assert settings.search.backend == "embedded"
    assert settings.sync.overlap_s == 300


def test_toml_then_environment_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "icjs.toml").write_text(
        '[search]\nbackend = "opensearch"\nurl = "http://127.0.0.1:9200"\n'
        '[sources.cctns]\nurl = "http://127.0.0.1:7001"\n'
    )
    monkeypatch.setenv("ICJS_SOURCES__CCTNS__API_KEY", "from-env")
    monkeypatch.setenv("ICJS_SEARCH__URL", "http://127.0.0.1:9300")
    settings = load_settings()
    assert settings.search.backend == "opensearch"
    assert settings.search.url == "http://127.0.0.1:9300"
    cctns = settings.sources["cctns"]
    assert cctns.url == "http://127.0.0.1:7001"
    assert cctns.api_key is not None and cctns.api_key.get_secret_value() == "from-env"
    assert "from-env" not in repr(settings)


def test_bad_value_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICJS_SEARCH__SHARDS", "many")
    with pytest.raises(ConfigError, match=r"search\.shards"):
        load_settings()


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "icjs.toml").write_text("[search]\nbakend = 'embedded'\n")
    with pytest.raises(ConfigError, match=r"search\.bakend"):
        load_settings()


def test_unknown_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICJS_SOURCES__CRIMEDB__URL", "http://x")
    with pytest.raises(ConfigError, match="unknown source 'crimedb'"):
        load_settings()


def test_cluster_backend_needs_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICJS_SEARCH__BACKEND", "elasticsearch")
    with pytest.raises(ConfigError, match=r"needs search\.url"):
        load_settings()


def test_missing_config_file_named_by_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ICJS_CONFIG", "/nonexistent/icjs.toml")
    with pytest.raises(ConfigError, match="not a file"):
        load_settings()


def test_example_file_loads_and_documents_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import Settings, SourceSettings

    example = Path(__file__).resolve().parents[2] / "icjs.example.toml"
    monkeypatch.setenv("ICJS_CONFIG", str(example))
    load_settings()
    text = example.read_text()
    sections = {name: field.annotation for name, field in Settings.model_fields.items()}
    for name, annotation in sections.items():
        model = SourceSettings if name == "sources" else annotation
        fields = getattr(model, "model_fields", {})
        for key in fields:
            assert f"{key} =" in text, f"icjs.example.toml does not document {name}.{key}"

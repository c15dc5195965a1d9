"""The deployment recipe (`deploy/`) against the real CLI and settings.

No container runtime runs here, so the compose file is not started; what can drift silently is
checked instead: every `icjs` command it runs must parse with today's CLI, the configuration it
ships must load with today's settings, every `ICJS_…` variable must name a real key, and no
secret may be written into it.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml
from pydantic import BaseModel
from typer._click.exceptions import UsageError  # typer (pinned) carries its own click
from typer.core import TyperGroup

from cli.main import app
from config.settings import Settings, load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SECRET_WORDS = re.compile(r"password|secret|api_key|token|passphrase", re.IGNORECASE)


def compose() -> dict[str, Any]:
    document = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    assert isinstance(document, dict)
    return document


def icjs_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in compose()["services"].items()
        if service.get("command", [None])[0] == "icjs"
    }


def parse_cli(argv: list[str]) -> Any:
    """Resolve `icjs sub … --options` to its command and parse the options, as the CLI would
    (raises click's usage errors on an unknown command, option or bad value)."""
    command: Any = typer.main.get_command(app)
    name, args = argv[0], argv[1:]
    while isinstance(command, TyperGroup) and args and not args[0].startswith("-"):
        parent = command.make_context(name, [], resilient_parsing=True)
        sub = command.get_command(parent, args[0])
        if sub is None:
            raise UsageError(f"no command {args[0]!r} under {name!r}")
        command, name, args = sub, args[0], args[1:]
    return command.make_context(name, list(args))


def key_exists(model: type[BaseModel], path: list[str]) -> bool:
    field = model.model_fields.get(path[0])
    if field is None:
        return False
    if len(path) == 1:
        return True
    annotation = field.annotation
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return key_exists(annotation, path[1:])
    # sources: dict[str, SourceSettings]: the next segment names a source
    if path[0] == "sources":
        from config.settings import SourceSettings
        from records import source_names

        return path[1] in source_names() and key_exists(SourceSettings, path[2:])
    return False


def settings_key(variable: str) -> list[str]:
    return variable.removeprefix("ICJS_").lower().split("__")


def environment_of(service: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in (service.get("environment") or {}).items()}


@pytest.mark.parametrize("name", sorted(icjs_services()))
def test_every_icjs_command_of_the_recipe_parses(name: str) -> None:
    argv = icjs_services()[name]["command"]
    parse_cli(argv)  # raises on an unknown command or option


def test_the_parser_refuses_what_the_cli_refuses() -> None:
    # the check above can fail: a renamed option or command is caught
    for wrong in (
        ["icjs", "sync", "--every", "300"],
        ["icjs", "sync", "--watch", "--interval", "often"],
        ["icjs", "state", "migrate"],
    ):
        with pytest.raises(UsageError):
            parse_cli(wrong)


def test_every_icjs_variable_names_a_real_settings_key() -> None:
    variables = {
        variable
        for service in icjs_services().values()
        for variable in environment_of(service)
        if variable.startswith("ICJS_") and variable != "ICJS_CONFIG"
    }
    script = (DEPLOY / "make-secrets.sh").read_text()
    variables |= set(re.findall(r"\b(ICJS_[A-Z_]+)=", script))
    assert variables, "the recipe sets no ICJS_ variable: the check below would pass on nothing"
    unknown = sorted(v for v in variables if not key_exists(Settings, settings_key(v)))
    assert not unknown
    assert not key_exists(Settings, settings_key("ICJS_SEARCH__PASSWORD_FILE"))  # the check bites


def api_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    for variable in list(os.environ):
        if variable.startswith("ICJS_"):
            monkeypatch.delenv(variable)
    config = tmp_path / "icjs.toml"
    shutil.copy(DEPLOY / "icjs.toml.example", config)
    for variable, value in environment_of(icjs_services()["api"]).items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("ICJS_CONFIG", str(config))
    monkeypatch.setenv("ICJS_SEARCH__PASSWORD", "from-secrets-icjs-env")
    return load_settings()


def test_the_shipped_configuration_loads_as_a_cluster_on_shared_state(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = api_settings(monkeypatch, tmp_path)
    assert settings.search.backend == "opensearch"
    nodes = [n for n in compose()["services"] if n.startswith("opensearch-")]
    assert settings.search.url is not None
    assert len(settings.search.url.split(",")) == len(nodes) == 3
    assert settings.search.replicas >= 1  # losing one node loses no shard
    assert settings.search.verify_certs
    assert settings.state.url is not None
    assert settings.state.url.get_secret_value().startswith("postgresql://")
    assert ":" not in settings.state.url.get_secret_value().split("@")[0].removeprefix(
        "postgresql://"
    ), "no password in the state URL"
    assert settings.state.password_file is not None
    # API workers check the schema; the one-shot `migrate` service upgrades it
    assert settings.state.migrate == "check"
    assert icjs_services()["migrate"]["command"] == ["icjs", "state", "upgrade"]
    api_depends = compose()["services"]["api"]["depends_on"]
    assert api_depends["migrate"]["condition"] == "service_completed_successfully"


def test_only_the_proxy_is_trusted(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    settings = api_settings(monkeypatch, tmp_path)
    proxy = compose()["services"]["proxy"]["networks"]["default"]["ipv4_address"]
    assert settings.api.trusted_proxies == [proxy]
    nginx = (DEPLOY / "nginx.conf").read_text()
    # the proxy replaces a client's X-Forwarded-For instead of appending to it
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx
    assert "$proxy_add_x_forwarded_for" not in nginx
    assert f"proxy_set_header {settings.api.client_cert_header} $ssl_client_escaped_cert" in nginx


def test_no_secret_is_written_into_the_recipe() -> None:
    for service in compose()["services"].values():
        for variable, value in environment_of(service).items():
            if SECRET_WORDS.search(variable):
                assert variable.endswith("_FILE") and value.startswith("/run/secrets/"), variable
    for line in (DEPLOY / "icjs.toml.example").read_text().splitlines():
        key = line.split("#", 1)[0].split("=", 1)[0].strip()
        assert not SECRET_WORDS.search(key), line
    ignored = (DEPLOY / ".gitignore").read_text().split()
    assert {"secrets/", "certs/", "icjs.toml"} <= set(ignored)


def test_make_secrets_writes_private_files_once(tmp_path: Path) -> None:
    shutil.copy(DEPLOY / "make-secrets.sh", tmp_path / "make-secrets.sh")
    subprocess.run(["sh", str(tmp_path / "make-secrets.sh")], check=True, capture_output=True)
    written = sorted(p.name for p in (tmp_path / "secrets").iterdir())
    assert written == ["icjs.env", "opensearch.env", "postgres_password"]
    first = {p.name: p.read_text() for p in (tmp_path / "secrets").iterdir()}
    for path in (tmp_path / "secrets").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    assert len(first["postgres_password"].strip()) >= 32
    subprocess.run(["sh", str(tmp_path / "make-secrets.sh")], check=True, capture_output=True)
    again = {p.name: p.read_text() for p in (tmp_path / "secrets").iterdir()}
    assert again == first  # an existing secret is never overwritten

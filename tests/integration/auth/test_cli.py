"""`icjs clients`, `icjs token`, `icjs audit` through typer's runner, against real files."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from joserfc.jwk import ECKey
from typer.testing import CliRunner

from auth.principal import Role
from cli.main import app
from state.audit import AuditEvent, AuditLog
from tests.plugins.auth import AuthServer

runner = CliRunner()


@pytest.fixture
def env(auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch) -> AuthServer:
    s = auth_server.settings
    monkeypatch.delenv("ICJS_CONFIG", raising=False)
    monkeypatch.setenv("ICJS_AUTH__DB_PATH", str(s.db_path))
    monkeypatch.setenv("ICJS_AUTH__KEYS_DIR", str(s.keys_dir))
    monkeypatch.setenv("ICJS_AUTH__AUDIT_PATH", str(s.audit_path))
    monkeypatch.setenv("ICJS_AUTH__ISSUER", s.issuer)
    return auth_server


def test_clients_create_list_disable_rotate(env: AuthServer):
    created = runner.invoke(
        app,
        [
            "clients",
            "create",
            "--agency",
            "CBI",
            "--scopes",
            "persons:search,vehicles:search",
            "--sources",
            "cctns,vahan",
            "--json",
        ],
    )
    assert created.exit_code == 0, created.output
    data = json.loads(created.stdout)
    client_id, secret = data["client_id"], data["client_secret"]
    assert data["sources"] == ["cctns", "vahan"]

    # The printed secret works against the running server.
    with OAuth2Client(client_id, secret, scope="persons:search") as session:
        session.fetch_token(env.url + "/oauth/token", grant_type="client_credentials")
        assert session.get(env.url + "/probe/search").status_code == 200

    listed = runner.invoke(app, ["clients", "list", "--json"])
    assert listed.exit_code == 0
    assert [c["client_id"] for c in json.loads(listed.stdout)] == [client_id]
    assert secret not in listed.stdout

    rotated = runner.invoke(app, ["clients", "rotate-secret", client_id])
    new_secret = rotated.stdout.strip()
    assert rotated.exit_code == 0 and new_secret and new_secret != secret
    assert env.service.clients.check_secret(client_id, new_secret)

    assert runner.invoke(app, ["clients", "disable", client_id]).exit_code == 0
    assert not env.service.clients.check_secret(client_id, new_secret)
    assert "DISABLED" in runner.invoke(app, ["clients", "list"]).stdout


def test_clients_create_refuses_escalation_and_bad_input(env: AuthServer, tmp_path: Path):
    for args, words in [
        (["--scopes", "audit:read"], "cannot be granted"),
        (["--scopes", "persons:search", "--sources", "facebook"], "facebook"),
        (["--scopes", "persons:search", "--role", "officer"], "role"),
        (["--scopes", "persons:search", "--fields", "everything"], "everything"),
    ]:
        result = runner.invoke(app, ["clients", "create", "--agency", "NIA", *args])
        assert result.exit_code == 2, args
        assert words in result.stderr, (args, result.stderr)
    assert env.service.clients.list() == []


def test_client_clearance_reaches_the_caller(env: AuthServer):
    result = runner.invoke(
        app,
        [
            "clients",
            "create",
            "--agency",
            "CBI",
            "--scopes",
            "persons:search",
            "--clearance",
            "sensitive",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["clearances"] == ["sensitive"]
    with OAuth2Client(data["client_id"], data["client_secret"]) as session:
        token = session.fetch_token(env.url + "/oauth/token", grant_type="client_credentials")
    caller = env.service.authenticate(f"Bearer {token['access_token']}")
    assert caller.clearances == {"sensitive"}
    assert env.service.policy.visibility(caller).hidden == ()
    bad = runner.invoke(
        app,
        [
            "clients",
            "create",
            "--agency",
            "CBI",
            "--scopes",
            "persons:search",
            "--clearance",
            "TOP SECRET!",
        ],
    )
    assert bad.exit_code == 2 and "clearance" in bad.stderr


def test_client_hit_flag_marking_reaches_the_caller(env: AuthServer):
    """`--hit-flag`: the sources a partner is answered only as hit-flags, in its registration;
    `clients hit-flag` changes it, and the live token follows."""
    from records import Source

    result = runner.invoke(
        app,
        [
            "clients",
            "create",
            "--agency",
            "NIA",
            "--scopes",
            "persons:search",
            "--sources",
            "sarathi,cctns",
            "--hit-flag",
            "cctns",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["hit_flag"] == ["cctns"]
    with OAuth2Client(data["client_id"], data["client_secret"]) as session:
        token = session.fetch_token(env.url + "/oauth/token", grant_type="client_credentials")
    bearer = f"Bearer {token['access_token']}"
    v = env.service.policy.visibility(env.service.authenticate(bearer))
    assert v.sources == {Source.SARATHI} and v.hit_flag == {Source.CCTNS}
    # none: silence outside the entitlement; --default: every source outside it
    changed = runner.invoke(app, ["clients", "hit-flag", data["client_id"], "none"])
    assert changed.exit_code == 0 and "none" in changed.stdout
    v = env.service.policy.visibility(env.service.authenticate(bearer))
    assert v.sources == {Source.SARATHI, Source.CCTNS} and v.hit_flag == set()
    assert "hit_flag=none" in runner.invoke(app, ["clients", "list"]).stdout
    changed = runner.invoke(app, ["clients", "hit-flag", data["client_id"], "--default"])
    assert changed.exit_code == 0
    v = env.service.policy.visibility(env.service.authenticate(bearer))
    assert v.hit_flag == frozenset(Source) - {Source.SARATHI, Source.CCTNS}
    bad = runner.invoke(app, ["clients", "hit-flag", data["client_id"], "facebook"])
    assert bad.exit_code != 0 and "facebook" in bad.stderr
    both = runner.invoke(app, ["clients", "hit-flag", data["client_id"], "cctns", "--default"])
    assert both.exit_code != 0


def test_clients_with_jwks_file(env: AuthServer, tmp_path: Path):
    key = ECKey.generate_key("P-256", {"kid": "rpf-1"})
    jwks_file = tmp_path / "rpf.jwks.json"
    jwks_file.write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
    result = runner.invoke(
        app,
        [
            "clients",
            "create",
            "--agency",
            "RPF",
            "--scopes",
            "vehicles:search",
            "--jwks",
            str(jwks_file),
            "--no-secret",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["client_secret"] is None and data["auth_methods"] == ["private_key_jwt"]
    private_file = tmp_path / "private.json"
    private_file.write_text(json.dumps({"keys": [key.as_dict(private=True)]}))
    refused = runner.invoke(
        app, ["clients", "set-jwks", data["client_id"], "--jwks", str(private_file)]
    )
    assert refused.exit_code == 2 and "PRIVATE" in refused.stderr


def test_token_officer_prints_only_the_token(env: AuthServer):
    result = runner.invoke(
        app,
        [
            "token",
            "officer",
            "--role",
            "officer",
            "--state",
            "MH",
            "--district",
            "PUNE",
            "--clearance",
            "sensitive",
            "--ttl",
            "600",
        ],
    )
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert "\n" not in token and token.count(".") == 2
    probe = httpx.get(env.url + "/probe/search", headers={"Authorization": f"Bearer {token}"})
    assert probe.status_code == 200 and probe.json()["state"] == "MH"
    caller = env.service.authenticate(f"Bearer {token}")
    assert caller.clearances == {"sensitive"} and caller.district == "PUNE"

    bad = runner.invoke(app, ["token", "officer", "--role", "officer"])
    assert bad.exit_code == 2 and "state" in bad.stderr and bad.stdout == ""


def test_token_client_and_rotate_keys(env: AuthServer, monkeypatch: pytest.MonkeyPatch):
    client, secret = env.service.clients.create(agency="CBI", scopes=["persons:search"])
    assert secret
    monkeypatch.setenv("ICJS_CLIENT_SECRET", secret)
    result = runner.invoke(app, ["token", "client", "--client-id", client.client_id])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert env.service.authenticate(f"Bearer {token}").client_id == client.client_id
    before = env.service.keys.current_kid
    rotated = runner.invoke(app, ["token", "rotate-keys"])
    assert rotated.exit_code == 0 and rotated.stdout.strip() != before
    jwks = json.loads(runner.invoke(app, ["token", "jwks"]).stdout)
    assert [k["kid"] for k in jwks["keys"]][-1] == rotated.stdout.strip()


def test_audit_verify_and_tail(env: AuthServer):
    httpx.get(env.url + "/probe/search")
    assert env.service.demo is not None
    token = env.service.demo.mint(role=Role.OFFICER, state="MH")
    httpx.get(env.url + "/probe/search", headers={"Authorization": f"Bearer {token}"})
    ok = runner.invoke(app, ["audit", "verify"])
    # Two entries a request: received before any handler ran, then the answer.
    assert ok.exit_code == 0 and ok.stdout.startswith("ok: 4 entries")
    tail = runner.invoke(app, ["audit", "tail", "-n", "5", "--json"])
    lines = [json.loads(x) for x in tail.stdout.splitlines()]
    assert [x["decision"] for x in lines] == ["received", "deny", "received", "allow"]

    sqlite3.connect(env.settings.audit_path).execute(
        "UPDATE audit SET status = 200, decision = 'allow' WHERE seq = 1"
    ).connection.commit()
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1 and "TAMPERED" in bad.stderr and "seq 1" in bad.stderr


def test_audit_verify_detects_deleted_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "audit.db"
    log = AuditLog(path)
    for i in range(3):
        log.append(AuditEvent(route="/x", method="GET", status=200, decision="allow", actor=str(i)))
    conn = sqlite3.connect(path)
    conn.execute("DELETE FROM audit WHERE seq = 2")
    conn.commit()
    monkeypatch.setenv("ICJS_AUTH__AUDIT_PATH", str(path))
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1 and "removed" in bad.stderr

"""`GET /v1/audit` and the audit middleware, against a live server."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from joserfc import jwt
from joserfc.jwk import RSAKey

from auth.principal import Role
from auth.service import AuthService
from config.settings import AuthSettings
from tests.plugins.auth import AuthServer, LiveServer, bound_socket, make_auth_app


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_audit_route_scopes_by_role(auth_server: AuthServer):
    demo = auth_server.service.demo
    assert demo is not None
    pune = demo.mint(role=Role.OFFICER, state="MH", district="PUNE", subject="pune-officer")
    mysuru = demo.mint(role=Role.OFFICER, state="KA", district="MYSURU", subject="ka-officer")
    for token in (pune, mysuru):
        assert (
            httpx.get(auth_server.url + "/probe/search", headers=_bearer(token)).status_code == 200
        )

    auditor = demo.mint(role=Role.AUDITOR, state=None, subject="auditor-1")
    page = httpx.get(auth_server.url + "/v1/audit", headers=_bearer(auditor)).json()
    assert page["scope"] == "all"
    answered = [e for e in page["entries"] if e["decision"] != "received"]
    assert {e["actor"] for e in answered} == {"pune-officer", "ka-officer"}
    # Each request was also recorded before any handler ran: anonymous, status 0.
    received = [e for e in page["entries"] if e["decision"] == "received"]
    assert {e["request_id"] for e in received} >= {e["request_id"] for e in answered}
    assert {(e["actor"], e["status"]) for e in received} == {("anonymous", 0)}

    sup = demo.mint(role=Role.SUPERVISOR, state="MH", district="PUNE", subject="sp-pune")
    page = httpx.get(auth_server.url + "/v1/audit", headers=_bearer(sup)).json()
    assert page["scope"] == "district MH/PUNE"
    # Own district only: the Pune officer, and the supervisor's own earlier read is not there
    # yet (an entry is written as its response starts).
    assert {e["actor"] for e in page["entries"]} == {"pune-officer"}

    assert httpx.get(auth_server.url + "/v1/audit", headers=_bearer(pune)).status_code == 403
    assert httpx.get(auth_server.url + "/v1/audit").status_code == 401
    bad = httpx.get(auth_server.url + "/v1/audit?limit=0", headers=_bearer(auditor))
    assert bad.status_code == 422
    # Past what SQLite stores: a 422 saying so, not a 500 from the driver.
    huge = httpx.get(auth_server.url + f"/v1/audit?before_seq={2**63}", headers=_bearer(auditor))
    assert huge.status_code == 422 and "before_seq" in huge.text

    # Paging: newest first, before_seq continues.
    first = httpx.get(auth_server.url + "/v1/audit?limit=2", headers=_bearer(auditor)).json()
    older = httpx.get(
        f"{auth_server.url}/v1/audit?limit=2&before_seq={first['next_before_seq']}",
        headers=_bearer(auditor),
    ).json()
    seqs = [e["seq"] for e in first["entries"] + older["entries"]]
    assert seqs == sorted(seqs, reverse=True) and len(set(seqs)) == 4

    entries = auth_server.service.audit.entries()
    reads = [e for e in entries if e.route == "/v1/audit" and e.decision != "received"]
    assert {e.status for e in reads} == {200, 401, 403, 422}
    assert auth_server.service.audit.verify().ok


def test_request_ids(auth_server: AuthServer):
    r = httpx.get(auth_server.url + "/probe/search", headers={"X-Request-ID": "case-2026-000123"})
    assert r.headers["x-request-id"] == "case-2026-000123"
    r = httpx.get(auth_server.url + "/probe/search", headers={"X-Request-ID": "bad id; drop"})
    assert r.headers["x-request-id"] != "bad id; drop"
    assert len(r.headers["x-request-id"]) == 32
    ids = [e.request_id for e in auth_server.service.audit.entries()]
    assert "case-2026-000123" in ids


def test_unhandled_error_is_audited_and_a_broken_log_fails_closed(auth_service: AuthService):
    app = make_auth_app(auth_service)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("kaboom")

    server = LiveServer(app, bound_socket()).start()
    try:
        r = httpx.get(server.url + "/boom")
        assert r.status_code == 500
        last, before = auth_service.audit.entries()[:2]
        assert (last.route, last.status, last.decision) == ("/boom", 500, "error")
        assert (before.route, before.decision, before.request_id) == (
            "/boom",
            "received",
            last.request_id,
        )

        demo = auth_service.demo
        assert demo is not None
        token = demo.mint(role=Role.OFFICER, state="MH")
        auth_service.audit.close()  # the log can no longer be written
        r = httpx.get(server.url + "/probe/search", headers=_bearer(token))
        assert r.status_code == 503
        assert "audit log" in r.json()["detail"]
        assert "probe" not in r.text  # the answer itself did not leave
    finally:
        server.stop()


@pytest.fixture
def idp() -> tuple[RSAKey, str]:
    """A stand-in state police identity provider: serves its JWKS over real HTTP."""
    key = RSAKey.generate_key(2048, {"kid": "mh-idp-1"})
    app = FastAPI()
    app.state.keys = [key]

    @app.get("/jwks")
    def jwks() -> dict[str, object]:
        return {"keys": [k.as_dict(private=False) for k in app.state.keys]}

    server = LiveServer(app, bound_socket()).start()
    app.state.server = server
    yield key, server.url + "/jwks", app  # type: ignore[misc]
    server.stop()


def test_external_idp(idp, tmp_path: Path):  # type: ignore[no-untyped-def]
    key, jwks_url, idp_app = idp
    settings = AuthSettings(
        db_path=tmp_path / "auth.db",
        keys_dir=tmp_path / "keys",
        audit_path=tmp_path / "audit.db",
        officer_issuers=["https://idp.mahapolice.example"],
        officer_jwks_url=jwks_url,
    )
    service = AuthService.from_settings(settings)
    assert service.demo is None  # the demo issuer is off when a real IdP is configured
    now = int(time.time())
    claims = {
        "iss": "https://idp.mahapolice.example",
        "aud": "icjs-search",
        "sub": "MH-PUNE-4711",
        "iat": now,
        "exp": now + 300,
        "role": "supervisor",
        "state": "MH",
        "district": "pune",
        "police_station": "ps-shivajinagar",
        "clearances": ["sensitive"],
    }
    token = jwt.encode({"alg": "RS256", "kid": "mh-idp-1"}, claims, key)
    caller = service.authenticate(f"Bearer {token}")
    assert caller.role is Role.SUPERVISOR and caller.district == "PUNE"
    assert caller.police_station == "PS-SHIVAJINAGAR" and "sensitive" in caller.clearances
    assert "audit:read" in caller.scopes

    from auth.errors import Unauthenticated

    # The demo issuer's tokens are not trusted any more.
    demo_like = service.keys.sign({**claims, "iss": settings.issuer + "/idp"}, typ="JWT")
    with pytest.raises(Unauthenticated, match="issuer"):
        service.authenticate(f"Bearer {demo_like}")
    # Another key claiming the IdP's kid.
    other = RSAKey.generate_key(2048)
    with pytest.raises(Unauthenticated, match="does not verify"):
        service.authenticate(
            "Bearer " + jwt.encode({"alg": "RS256", "kid": "mh-idp-1"}, claims, other)
        )
    # The IdP rotates: a token with a new kid triggers one re-fetch of its JWKS.
    new_key = RSAKey.generate_key(2048, {"kid": "mh-idp-2"})
    idp_app.state.keys = [key, new_key]
    service.officers._issuers["https://idp.mahapolice.example"].keys._fetched_at = 0  # type: ignore[attr-defined]
    rotated = jwt.encode({"alg": "RS256", "kid": "mh-idp-2"}, claims, new_key)
    assert service.authenticate(f"Bearer {rotated}").subject == "MH-PUNE-4711"
    service.close()


def test_external_idp_needs_issuers(tmp_path: Path):
    from auth.errors import AuthConfigError

    with pytest.raises(AuthConfigError, match="officer_issuers"):
        AuthService.from_settings(
            AuthSettings(
                db_path=tmp_path / "a.db",
                keys_dir=tmp_path / "k",
                audit_path=tmp_path / "au.db",
                officer_jwks_url="http://127.0.0.1:1/jwks",
            )
        )

"""OAuth2 flows against a real uvicorn server, driven by authlib's own client."""

from __future__ import annotations

import time

import httpx
import pytest
from authlib.integrations.base_client import OAuthError as OAuth2Error
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from auth.principal import Role
from records import Source
from tests.plugins.auth import AuthServer


def _partner(server: AuthServer, scopes: tuple[str, ...] = ("persons:search", "vehicles:search")):
    return server.service.clients.create(
        agency="CBI", scopes=scopes, sources=[Source.CCTNS, Source.VAHAN]
    )


async def test_client_secret_basic_gets_rfc9068_token_and_calls_api(auth_server: AuthServer):
    client, secret = _partner(auth_server)
    async with AsyncOAuth2Client(
        client.client_id, secret, token_endpoint_auth_method="client_secret_basic"
    ) as session:
        token = await session.fetch_token(
            auth_server.url + "/oauth/token", grant_type="client_credentials"
        )
        assert token["token_type"].lower() == "bearer"
        assert set(token["scope"].split()) == {"persons:search", "vehicles:search"}

        # Verify offline against the published JWKS, as a partner's gateway would.
        jwks = (await session.get(auth_server.url + "/.well-known/jwks.json")).json()
        decoded = jwt.decode(token["access_token"], KeySet.import_key_set(jwks))
        assert decoded.header["typ"] == "at+jwt"
        assert decoded.header["kid"] == auth_server.service.keys.current_kid
        claims = decoded.claims
        for name in ("iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"):
            assert name in claims, name
        assert claims["iss"] == auth_server.settings.issuer
        assert claims["aud"] == "icjs-search"
        assert claims["sub"] == claims["client_id"] == client.client_id
        assert claims["role"] == "partner" and claims["agency"] == "CBI"
        assert claims["sources"] == ["cctns", "vahan"]

        probe = await session.get(auth_server.url + "/probe/search")
        assert probe.status_code == 200, probe.text
        assert probe.json()["role"] == "partner"
        assert probe.json()["agency"] == "CBI"

        # Not granted noc:issue: 403 with an insufficient_scope challenge.
        denied = await session.get(auth_server.url + "/probe/noc")
        assert denied.status_code == 403
        assert 'error="insufficient_scope"' in denied.headers["www-authenticate"]
        assert denied.headers["content-type"].startswith("application/problem+json")


async def test_private_key_jwt_and_assertion_replay_refused(auth_server: AuthServer):
    key = ECKey.generate_key("P-256", {"kid": "partner-key-1"})
    client, secret = auth_server.service.clients.create(
        agency="NIA",
        scopes=["persons:search"],
        jwks={"keys": [key.as_dict(private=False)]},
        with_secret=False,
    )
    assert secret is None
    token_url = auth_server.url + "/oauth/token"
    # Assertions may live at most auth.max_assertion_lifetime_s (5 minutes); authlib's client
    # signs them for an hour unless told otherwise.
    short = PrivateKeyJWT(token_url, alg="ES256", claims={"exp": int(time.time()) + 120})
    async with AsyncOAuth2Client(
        client.client_id, key, token_endpoint_auth_method=short
    ) as session:
        token = await session.fetch_token(token_url, grant_type="client_credentials")
        probe = await session.get(auth_server.url + "/probe/search")
        assert probe.status_code == 200
        assert probe.json()["subject"] == client.client_id
        assert token["scope"] == "persons:search"

    # The same signed assertion, sent twice: the second is a replay.
    from authlib.oauth2.rfc7523 import private_key_jwt_sign

    assertion = private_key_jwt_sign(
        key, client_id=client.client_id, token_endpoint=token_url, alg="ES256", expires_in=120
    )
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    async with httpx.AsyncClient() as http:
        first = await http.post(token_url, data=form)
        second = await http.post(token_url, data=form)
    assert first.status_code == 200
    assert second.status_code in (400, 401)
    assert second.json()["error"] == "invalid_client"

    # A key the client did not register cannot sign for it.
    stranger = ECKey.generate_key("P-256", {"kid": "partner-key-1"})
    forged = private_key_jwt_sign(
        stranger, client_id=client.client_id, token_endpoint=token_url, alg="ES256", expires_in=120
    )
    async with httpx.AsyncClient() as http:
        resp = await http.post(token_url, data={**form, "client_assertion": forged})
    assert resp.json()["error"] == "invalid_client"

    # This client has no secret: basic auth must not work for it.
    with OAuth2Client(client.client_id, "guess") as session, pytest.raises(OAuth2Error):
        session.fetch_token(token_url, grant_type="client_credentials")


def test_wrong_secret_unknown_client_and_scope_escalation(auth_server: AuthServer):
    client, secret = _partner(auth_server, scopes=("persons:search",))
    token_url = auth_server.url + "/oauth/token"
    with OAuth2Client(client.client_id, "not-the-secret") as session:
        with pytest.raises(OAuth2Error) as err:
            session.fetch_token(token_url, grant_type="client_credentials")
        assert err.value.error == "invalid_client"
    with OAuth2Client("nobody-123", "x") as session:
        with pytest.raises(OAuth2Error) as err:
            session.fetch_token(token_url, grant_type="client_credentials")
        assert err.value.error == "invalid_client"
    # Registered for persons:search only: vehicles:search and a role-forbidden scope are refused.
    for scope in ("persons:search vehicles:search", "audit:read", "admin"):
        with OAuth2Client(client.client_id, secret, scope=scope) as session:
            with pytest.raises(OAuth2Error) as err:
                session.fetch_token(token_url, grant_type="client_credentials")
            assert err.value.error == "invalid_scope", scope
    # Other grants are not offered.
    resp = httpx.post(
        token_url,
        data={"grant_type": "password", "username": "u", "password": "p"},
        auth=(client.client_id, secret),
    )
    assert resp.status_code == 400 and resp.json()["error"] == "unsupported_grant_type"
    assert resp.json()["status"] == 400  # also readable as a problem document


def test_introspection_and_revocation(auth_server: AuthServer):
    client, secret = _partner(auth_server)
    other, other_secret = _partner(auth_server)
    base = auth_server.url
    with OAuth2Client(client.client_id, secret) as session:
        token = session.fetch_token(base + "/oauth/token", grant_type="client_credentials")
        access = token["access_token"]

        info = session.introspect_token(base + "/oauth/introspect", token=access).json()
        assert info["active"] is True
        assert info["client_id"] == client.client_id
        assert set(info["scope"].split()) == {"persons:search", "vehicles:search"}

        # Another client may not introspect (or revoke) this client's token.
        peek = httpx.post(
            base + "/oauth/introspect", data={"token": access}, auth=(other.client_id, other_secret)
        )
        assert peek.json() == {"active": False}
        httpx.post(
            base + "/oauth/revoke", data={"token": access}, auth=(other.client_id, other_secret)
        )
        assert session.get(base + "/probe/search").status_code == 200

        garbage = session.introspect_token(base + "/oauth/introspect", token="abc.def.ghi").json()
        assert garbage == {"active": False}

        revoked = session.revoke_token(base + "/oauth/revoke", token=access)
        assert revoked.status_code == 200
        assert session.introspect_token(base + "/oauth/introspect", token=access).json() == {
            "active": False
        }
        rejected = session.get(base + "/probe/search")
        assert rejected.status_code == 401
        assert "revoked" in rejected.json()["detail"]
        assert rejected.headers["www-authenticate"].startswith("Bearer")

    # Unauthenticated introspection is refused.
    anon = httpx.post(base + "/oauth/introspect", data={"token": access})
    assert anon.status_code == 401 and anon.json()["error"] == "invalid_client"


def test_disabling_a_client_kills_live_tokens(auth_server: AuthServer):
    client, secret = _partner(auth_server)
    with OAuth2Client(client.client_id, secret) as session:
        session.fetch_token(auth_server.url + "/oauth/token", grant_type="client_credentials")
        assert session.get(auth_server.url + "/probe/search").status_code == 200
        auth_server.service.clients.disable(client.client_id)
        assert session.get(auth_server.url + "/probe/search").status_code == 401
        with pytest.raises(OAuth2Error):
            session.fetch_token(auth_server.url + "/oauth/token", grant_type="client_credentials")
    new_secret = auth_server.service.clients.rotate_secret(client.client_id)
    auth_server.service.clients.enable(client.client_id)
    with OAuth2Client(client.client_id, secret) as session, pytest.raises(OAuth2Error):
        session.fetch_token(auth_server.url + "/oauth/token", grant_type="client_credentials")
    with OAuth2Client(client.client_id, new_secret) as session:
        session.fetch_token(auth_server.url + "/oauth/token", grant_type="client_credentials")


def test_metadata_is_valid_rfc8414(auth_server: AuthServer, monkeypatch: pytest.MonkeyPatch):
    data = httpx.get(auth_server.url + "/.well-known/oauth-authorization-server").json()
    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # the test server is plain http
    AuthorizationServerMetadata(data).validate()
    assert data["issuer"] == auth_server.settings.issuer
    assert data["token_endpoint"] == auth_server.url + "/oauth/token"
    assert set(data["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "private_key_jwt",
    }
    jwks = httpx.get(data["jwks_uri"]).json()
    assert [k["kid"] for k in jwks["keys"]] == auth_server.service.keys.kids
    assert all("d" not in k for k in jwks["keys"]), "private key material published"


def test_tokens_survive_key_rotation(auth_server: AuthServer):
    client, secret = _partner(auth_server)
    officer = auth_server.service.demo
    assert officer is not None
    officer_token = officer.mint(role=Role.OFFICER, state="MH", district="PUNE")
    with OAuth2Client(client.client_id, secret) as session:
        session.fetch_token(auth_server.url + "/oauth/token", grant_type="client_credentials")
        old_kid = auth_server.service.keys.current_kid
        new_kid = auth_server.service.keys.rotate()
        assert new_kid != old_kid
        assert session.get(auth_server.url + "/probe/search").status_code == 200
        kids = [
            k["kid"] for k in httpx.get(auth_server.url + "/.well-known/jwks.json").json()["keys"]
        ]
        assert kids[-2:] == [old_kid, new_kid]
    probe = httpx.get(
        auth_server.url + "/probe/search", headers={"Authorization": f"Bearer {officer_token}"}
    )
    assert probe.status_code == 200


def test_every_request_of_a_flow_is_audited_without_secrets(auth_server: AuthServer):
    client, secret = _partner(auth_server)
    with OAuth2Client(client.client_id, secret) as session:
        token = session.fetch_token(
            auth_server.url + "/oauth/token", grant_type="client_credentials"
        )
        session.get(auth_server.url + "/probe/search")
        session.get(auth_server.url + "/probe/noc")
        session.get(auth_server.url + "/no/such/path")
    httpx.post(auth_server.url + "/oauth/token", data={"grant_type": "client_credentials"})
    entries = [e for e in auth_server.service.audit.entries() if e.decision != "received"]
    assert len(entries) == 5
    by_route = {(e.route, e.status): e for e in entries}
    issued = by_route[("/oauth/token", 200)]
    assert issued.actor == client.client_id and issued.decision == "allow"
    search = by_route[("/probe/search", 200)]
    assert search.role == "partner" and search.agency == "CBI" and search.client == client.client_id
    assert search.record_ids == ["cctns:probe-1"] and search.purpose == "probe"
    assert by_route[("/probe/noc", 403)].decision == "deny"
    assert by_route[("/no/such/path", 404)].decision == "error"
    assert by_route[("/oauth/token", 401)].decision == "deny"
    raw = auth_server.service.audit.path.read_bytes()
    assert secret.encode() not in raw
    assert token["access_token"].encode() not in raw
    assert auth_server.service.audit.verify().ok


def test_no_client_enumeration_and_form_only(auth_server: AuthServer):
    client, secret = _partner(auth_server)
    url = auth_server.url + "/oauth/token"
    form = {"grant_type": "client_credentials"}
    wrong = httpx.post(url, data=form, auth=(client.client_id, "wrong"))
    unknown = httpx.post(url, data=form, auth=("cbi-000000000000", "wrong"))
    auth_server.service.clients.disable(client.client_id)
    disabled = httpx.post(url, data=form, auth=(client.client_id, secret))
    answers = {
        (r.status_code, r.json()["error"], r.json()["error_description"])
        for r in (wrong, unknown, disabled)
    }
    assert len(answers) == 1, answers
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"].startswith("Basic")

    as_json = httpx.post(url, json=form, auth=(client.client_id, secret))
    assert as_json.status_code == 400
    assert "x-www-form-urlencoded" in as_json.json()["error_description"]


def test_insecure_issuer_is_a_clear_error(tmp_path, auth_socket):  # type: ignore[no-untyped-def]
    from auth.service import AuthService
    from config.settings import AuthSettings
    from tests.plugins.auth import LiveServer, make_auth_app

    service = AuthService.from_settings(
        AuthSettings(
            db_path=tmp_path / "a.db",
            keys_dir=tmp_path / "k",
            audit_path=tmp_path / "au.db",
            issuer="http://icjs.internal:8000",  # plain http, not loopback
        )
    )
    client, secret = service.clients.create(agency="CBI", scopes=["persons:search"])
    server = LiveServer(make_auth_app(service), auth_socket).start()
    try:
        resp = httpx.post(
            server.url + "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client.client_id, secret or ""),
        )
    finally:
        server.stop()
        service.close()
    assert resp.status_code == 400
    assert "https" in resp.json()["error_description"]

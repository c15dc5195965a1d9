"""Tokens that must be refused with 401 (and ones that must pass), against a live server."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey, RSAKey

from auth.principal import Role
from state.revocations import RevocationStore
from tests.plugins.auth import AuthServer


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"


def _officer_claims(server: AuthServer, **over: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": server.settings.issuer + "/idp",
        "aud": server.settings.audience,
        "sub": "officer-42",
        "iat": now,
        "exp": now + 600,
        "jti": f"jti-{now}-{len(over)}",
        "role": "officer",
        "state": "MH",
        "district": "PUNE",
    }
    claims.update(over)
    return claims


def _call(server: AuthServer, token: str) -> httpx.Response:
    return httpx.get(server.url + "/probe/search", headers={"Authorization": f"Bearer {token}"})


def _assert_401(resp: httpx.Response, words: str) -> None:
    assert resp.status_code == 401, resp.text
    assert resp.headers["www-authenticate"].startswith('Bearer realm="icjs"')
    assert resp.headers["content-type"].startswith("application/problem+json")
    assert words in resp.json()["detail"], resp.json()["detail"]


def test_valid_officer_token_passes(auth_server: AuthServer):
    token = auth_server.service.keys.sign(_officer_claims(auth_server), typ="JWT")
    resp = _call(auth_server, token)
    assert resp.status_code == 200
    assert resp.json() == {
        "subject": "officer-42",
        "role": "officer",
        "scopes": sorted(auth_server.service.policy.role_scopes(Role.OFFICER)),
        "agency": None,
        "state": "MH",
    }


def test_missing_and_malformed_authorization(auth_server: AuthServer):
    resp = httpx.get(auth_server.url + "/probe/search")
    assert resp.status_code == 401
    assert resp.headers["www-authenticate"] == 'Bearer realm="icjs"'
    for header in ("Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt", "Bearer a.b.c", "Token x"):
        r = httpx.get(auth_server.url + "/probe/search", headers={"Authorization": header})
        assert r.status_code == 401, header


def test_expired_token(auth_server: AuthServer):
    past = int(time.time()) - 3600
    token = auth_server.service.keys.sign(
        _officer_claims(auth_server, iat=past - 600, exp=past), typ="JWT"
    )
    _assert_401(_call(auth_server, token), "expired")


def test_wrong_audience(auth_server: AuthServer):
    token = auth_server.service.keys.sign(_officer_claims(auth_server, aud="other-api"), typ="JWT")
    _assert_401(_call(auth_server, token), "audience")


def test_untrusted_issuer(auth_server: AuthServer):
    token = auth_server.service.keys.sign(
        _officer_claims(auth_server, iss="https://evil.example/idp"), typ="JWT"
    )
    _assert_401(_call(auth_server, token), "issuer")


def test_alg_none(auth_server: AuthServer):
    token = _unsigned({"alg": "none", "typ": "JWT"}, _officer_claims(auth_server)) + "."
    _assert_401(_call(auth_server, token), "'none' is not accepted")
    # `none` with our kid, and an upper-case variant
    kid = auth_server.service.keys.current_kid
    token = _unsigned({"alg": "NONE", "kid": kid}, _officer_claims(auth_server)) + "."
    _assert_401(_call(auth_server, token), "not accepted")


def test_hs256_with_the_public_key_as_secret(auth_server: AuthServer):
    """The classic key-confusion attack: HMAC-sign with the published public key."""
    jwk = auth_server.service.keys.jwks()["keys"][-1]
    public_pem = ECKey.import_key(jwk).as_pem(private=False)
    signing_input = _unsigned(
        {"alg": "HS256", "kid": jwk["kid"], "typ": "JWT"}, _officer_claims(auth_server)
    )
    sig = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    _assert_401(_call(auth_server, f"{signing_input}.{_b64(sig)}"), "'HS256' is not accepted")


def test_forged_signature_and_foreign_key(auth_server: AuthServer):
    real = auth_server.service.keys.sign(_officer_claims(auth_server), typ="JWT")
    head, payload, sig = real.split(".")
    # Tamper with the claims (become supervisor) and keep the old signature.
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "supervisor"
    tampered = f"{head}.{_b64(json.dumps(claims).encode())}.{sig}"
    _assert_401(_call(auth_server, tampered), "does not verify")
    # Sign with an attacker's key that claims our kid.
    attacker = ECKey.generate_key("P-256")
    header = json.loads(base64.urlsafe_b64decode(head + "=="))
    from joserfc import jws

    forged = jws.serialize_compact(header, json.dumps(claims).encode(), attacker)
    _assert_401(_call(auth_server, forged), "does not verify")
    # RS256 with an attacker's RSA key under our kid.
    rsa = RSAKey.generate_key(2048)
    forged = jws.serialize_compact({**header, "alg": "RS256"}, json.dumps(claims).encode(), rsa)
    _assert_401(_call(auth_server, forged), "'RS256' is not accepted")
    # Unknown kid.
    forged = jws.serialize_compact({**header, "kid": "nope"}, json.dumps(claims).encode(), attacker)
    _assert_401(_call(auth_server, forged), "unknown key")


def test_token_type_confusion(auth_server: AuthServer):
    # An officer-shaped token presented as an access token (our issuer, typ JWT) is refused.
    now = int(time.time())
    as_access = auth_server.service.keys.sign(
        {
            "iss": auth_server.settings.issuer,
            "aud": "icjs-search",
            "sub": "x",
            "iat": now,
            "exp": now + 60,
            "client_id": "x",
            "scope": "persons:search",
        },
        typ="JWT",
    )
    _assert_401(_call(auth_server, as_access), "typ must be at+jwt")
    # The demo IdP cannot mint a partner or a NOC service.
    for role in ("partner", "noc_service", "god"):
        token = auth_server.service.keys.sign(_officer_claims(auth_server, role=role), typ="JWT")
        resp = _call(auth_server, token)
        assert resp.status_code == 401, role
    # An officer/supervisor token without a state is refused.
    token = auth_server.service.keys.sign(_officer_claims(auth_server, state=None), typ="JWT")
    _assert_401(_call(auth_server, token), "state")
    # Any other object the ring signs, even carrying officer claims, is not an officer token.
    for typ in ("noc+jws", "at+jwt"):
        token = auth_server.service.keys.sign(_officer_claims(auth_server), typ=typ)
        _assert_401(_call(auth_server, token), "not an officer identity token")
    # A NOC certificate (another typ) is not a bearer token either.
    cert = auth_server.service.keys.sign({"noc_id": "1"}, typ="noc+jws")
    assert _call(auth_server, cert).status_code == 401


def test_scope_claim_can_only_narrow(auth_server: AuthServer):
    narrowed = auth_server.service.keys.sign(
        _officer_claims(auth_server, scope="vehicles:search"), typ="JWT"
    )
    resp = _call(auth_server, narrowed)
    assert resp.status_code == 403
    assert 'error="insufficient_scope"' in resp.headers["www-authenticate"]
    widened = auth_server.service.keys.sign(
        _officer_claims(auth_server, scope="persons:search noc:issue admin"), typ="JWT"
    )
    assert _call(auth_server, widened).status_code == 200
    noc = httpx.get(auth_server.url + "/probe/noc", headers={"Authorization": f"Bearer {widened}"})
    assert noc.status_code == 403  # the officer role never holds noc:issue


@pytest.mark.parametrize("role", ["auditor", "admin"])
def test_roles_without_search_scope_get_403(auth_server: AuthServer, role: str):
    assert auth_server.service.demo is not None
    token = auth_server.service.demo.mint(role=Role(role), state=None)
    resp = _call(auth_server, token)
    assert resp.status_code == 403


def test_revoked_officer_token(auth_server: AuthServer):
    claims = _officer_claims(auth_server, jti="to-revoke")
    token = auth_server.service.keys.sign(claims, typ="JWT")
    assert _call(auth_server, token).status_code == 200
    assert _call(auth_server, token).status_code == 200  # its signature is now remembered
    auth_server.service.revocations.revoke("to-revoke", None, claims["exp"])
    _assert_401(_call(auth_server, token), "revoked")
    _assert_401(_call(auth_server, token), "revoked")


def test_a_token_revoked_by_another_worker_fails_on_the_next_request(auth_server: AuthServer):
    """Another API worker (its own store on the same database) revokes a token this server has
    just accepted and remembered: the very next request with it is refused."""
    claims = _officer_claims(auth_server, jti="revoked-elsewhere")
    token = auth_server.service.keys.sign(claims, typ="JWT")
    assert _call(auth_server, token).status_code == 200
    assert _call(auth_server, token).status_code == 200
    other_worker = RevocationStore(auth_server.settings.db_path)
    try:
        other_worker.revoke("revoked-elsewhere", None, claims["exp"])
    finally:
        other_worker.close()
    _assert_401(_call(auth_server, token), "revoked")


def test_a_withdrawn_key_fails_a_token_it_verified_before(auth_server: AuthServer):
    keys = auth_server.service.keys
    token = keys.sign(_officer_claims(auth_server, jti="old-key"), typ="JWT")
    assert _call(auth_server, token).status_code == 200  # verified and remembered
    old = keys.current_kid
    keys.rotate()
    assert _call(auth_server, token).status_code == 200  # the previous key still verifies
    keys.withdraw(old)
    _assert_401(_call(auth_server, token), "unknown key")


def test_oversized_token(auth_server: AuthServer):
    _assert_401(_call(auth_server, "a" * 9000), "too long")

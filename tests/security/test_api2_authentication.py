"""API2 (broken authentication), against the running API.

Forged tokens of every kind the probes tried (`alg: none`, HS256 with our public key as the
secret, a forged `kid`, a `jku`/`x5u`/`jwk` header pointing at the attacker's keys, wrong
audience or issuer, expired) are 401; credentials that cannot even be decoded are 401
`invalid_client`, not a 500; `private_key_jwt` assertions live at most five minutes and are
single-use; the token endpoints throttle per client and per address and lock out repeated
failures, auditing each. (Token binding to certificates: `test_api2_certificate_binding`; the
same forgeries against a minimal app: `tests/integration/auth/test_token_attacks`.)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from authlib.oauth2.rfc7523 import private_key_jwt_sign
from joserfc import jws
from joserfc.jwk import ECKey

from indexer.backends.base import Backend
from tests.plugins.api import LiveApi, api_settings_for, start_api
from tests.security.listener import recording_server

SEARCH = {"name": "Rajendra Patil", "purpose": "authentication test"}
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
OAUTH_PATHS = ("/oauth/token", "/oauth/introspect", "/oauth/revoke")


def _b64(data: bytes | dict[str, Any]) -> str:
    raw = json.dumps(data).encode() if isinstance(data, dict) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


def _header(token: str) -> dict[str, Any]:
    head = token.split(".")[0]
    header: dict[str, Any] = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    return header


def _hs256(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    signing_input = f"{_b64(header)}.{_b64(claims)}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _forgeries(api: LiveApi, attacker_url: str) -> dict[str, str]:
    good = api.officer()
    claims, header = _claims(good), _header(good)
    now = int(time.time())
    attacker = ECKey.generate_key("P-256", {"kid": "attacker"})
    public_jwk = attacker.as_dict(private=False)
    ours = json.dumps(api.auth.keys.jwks()["keys"][-1]).encode()

    def signed(extra_header: dict[str, Any], payload: dict[str, Any] | None = None) -> str:
        return jws.serialize_compact(
            {"alg": "ES256", "typ": "JWT", **extra_header},
            json.dumps(payload or claims).encode(),
            attacker,
        )

    return {
        "alg_none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}.",
        "alg_none_upper": f"{_b64({'alg': 'NONE', 'typ': 'JWT'})}.{_b64(claims)}.",
        "hs256_with_our_public_key": _hs256({**header, "alg": "HS256"}, claims, ours),
        "forged_kid": signed({"kid": header["kid"]}),
        "kid_path_traversal": signed({"kid": "../../../../etc/passwd"}),
        "jku_to_attacker": signed({"kid": "attacker", "jku": attacker_url + "/jwks.json"}),
        "x5u_to_attacker": signed({"kid": "attacker", "x5u": attacker_url + "/cert.pem"}),
        "embedded_jwk": signed({"kid": "attacker", "jwk": public_jwk}),
        "wrong_audience": api.auth.keys.sign({**claims, "aud": "another-service"}),
        "wrong_issuer": api.auth.keys.sign({**claims, "iss": "https://idp.attacker.example"}),
        "expired": api.auth.keys.sign({**claims, "exp": now - 3600, "iat": now - 7200}),
        "not_yet_valid": api.auth.keys.sign({**claims, "nbf": now + 3600}),
        "role_escalated": f"{good.split('.')[0]}.{_b64({**claims, 'role': 'admin'})}."
        + good.split(".")[2],
        "truncated": good[: len(good) // 2],
        "garbage": "not.a.token",
    }


@pytest.fixture
def attacker() -> Iterator[tuple[str, list[str]]]:
    with recording_server() as server:
        yield server


def test_forged_tokens_are_refused_and_nothing_is_fetched(
    live_api: LiveApi, attacker: tuple[str, list[str]]
) -> None:
    url, hits = attacker
    for kind, token in _forgeries(live_api, url).items():
        response = live_api.post("/v1/persons/search", token, json=SEARCH)
        assert response.status_code == 401, (kind, response.text)
        assert response.headers["www-authenticate"].startswith("Bearer"), kind
        assert "RAJENDRA" not in response.text, kind
    assert hits == [], "a token header made the server fetch a URL"


@pytest.mark.parametrize(
    "authorization",
    [
        "Basic //46/w==",  # the probe's: bytes that are not UTF-8
        "Basic " + base64.b64encode(b"\xff\xfe:\x00").decode(),
        "Basic not-base64!!",
        "Basic " + base64.b64encode(b"no-colon-at-all").decode(),
        "Basic " + base64.b64encode(b"id\x1b[31m:secret").decode(),
        "Basic " + base64.b64encode(b":secret-without-id").decode(),
        "Basic =",
    ],
)
def test_malformed_basic_credentials_are_invalid_client(
    live_api: LiveApi, authorization: str
) -> None:
    for path in OAUTH_PATHS:
        response = live_api.http.post(
            path,
            headers={"Authorization": authorization},
            data={"grant_type": "client_credentials", "token": "x"},
        )
        assert response.status_code == 401, (path, response.status_code, response.text)
        body = response.json()
        assert body["error"] == "invalid_client", (path, body)
        assert "Traceback" not in response.text and "UnicodeDecodeError" not in response.text


def _assertion_client(api: LiveApi) -> tuple[str, ECKey, str]:
    key = ECKey.generate_key("P-256", {"kid": f"k-{uuid.uuid4().hex[:6]}"})
    client, _ = api.auth.clients.create(
        agency="NIA",
        scopes=["persons:search"],
        jwks={"keys": [key.as_dict(private=False)]},
        with_secret=False,
    )
    return client.client_id, key, api.auth.settings.issuer.rstrip("/") + "/oauth/token"


def _assert(api: LiveApi, assertion: str) -> httpx.Response:
    return api.http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": assertion,
        },
    )


def test_client_assertions_live_minutes_not_years(live_api: LiveApi) -> None:
    client_id, key, token_url = _assertion_client(live_api)
    ten_years = private_key_jwt_sign(
        key, client_id, token_url, alg="ES256", expires_in=10 * 365 * 86400
    )
    refused = _assert(live_api, ten_years)
    assert refused.status_code in (400, 401) and refused.json()["error"] == "invalid_client"
    assert "300 s" in refused.json()["error_description"]
    now = int(time.time())
    # A long life claimed by a back-dated iat, and authlib's own default (an hour): refused.
    backdated = private_key_jwt_sign(
        key, client_id, token_url, alg="ES256", claims={"iat": now - 3000, "exp": now + 200}
    )
    assert _assert(live_api, backdated).json()["error"] == "invalid_client"
    hour = private_key_jwt_sign(key, client_id, token_url, alg="ES256")
    assert _assert(live_api, hour).json()["error"] == "invalid_client"
    # Within five minutes: accepted, once.
    short = private_key_jwt_sign(key, client_id, token_url, alg="ES256", expires_in=120)
    assert _assert(live_api, short).status_code == 200
    replayed = _assert(live_api, short)
    assert replayed.status_code in (400, 401) and replayed.json()["error"] == "invalid_client"


def _strict(root: Path, backend: Backend, **auth: Any) -> Any:
    settings = api_settings_for(root, rate_limit_per_minute=100_000, auth=auth)
    return start_api(settings, backend)


@pytest.fixture
def strict_api(tmp_path: Path, world_backend: Backend) -> Iterator[LiveApi]:
    """A server that locks out after three failures (twelve from one address)."""
    with _strict(
        tmp_path, world_backend, lockout_failures=3, lockout_s=600, token_rate_per_minute=600
    ) as api:
        yield api


def _token_request(api: LiveApi, client_id: str, secret: str) -> httpx.Response:
    return api.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


def test_repeated_failures_lock_the_client_out_from_that_address(strict_api: LiveApi) -> None:
    client_id, secret = strict_api.register(agency="CBI")
    for _ in range(3):
        assert _token_request(strict_api, client_id, "wrong").status_code == 401
    locked = _token_request(strict_api, client_id, secret)  # even the right secret now
    assert locked.status_code == 429, locked.text
    assert int(locked.headers["retry-after"]) > 60
    assert "too many failed authentications" in locked.json()["error_description"]
    # Another client from the same address is not locked by this one's failures.
    other_id, other_secret = strict_api.register(agency="NIA")
    assert _token_request(strict_api, other_id, other_secret).status_code == 200
    # Each failure and the lock-out are in the audit log, with the client they claimed.
    entries = [
        e
        for e in strict_api.auth.audit.entries()
        if e.route == "/oauth/token" and e.actor == client_id and e.decision != "received"
    ]
    assert sorted(e.status for e in entries) == [401, 401, 401, 429]
    assert any("locked out" in (e.reason or "") for e in entries)
    assert all(e.client_address == "127.0.0.1" for e in entries)


def test_failures_across_many_clients_lock_the_address(strict_api: LiveApi) -> None:
    # 4 x the per-client threshold from one address, spread over client ids that do not exist.
    for n in range(12):
        _token_request(strict_api, f"spray-{n:04d}", "guess")
    client_id, secret = strict_api.register(agency="CBI")
    refused = _token_request(strict_api, client_id, secret)
    assert refused.status_code == 429, refused.text
    assert "address" in refused.json()["error_description"]


def test_token_requests_are_throttled_per_address(tmp_path: Path, world_backend: Backend) -> None:
    with _strict(tmp_path, world_backend, token_rate_per_minute=30) as api:
        client_id, secret = api.register(agency="RPF")
        statuses = [_token_request(api, client_id, secret).status_code for _ in range(8)]
        assert statuses[:5] == [200] * 5 and 429 in statuses, statuses  # burst 5 at 30/min
        refused = _token_request(api, client_id, secret)
        assert refused.status_code == 429 and "retry-after" in refused.headers
        assert "too many token requests" in refused.json()["error_description"]

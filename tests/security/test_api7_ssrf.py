"""API7 (server side request forgery): nothing a caller sends makes the server fetch a URL.

The server calls out to two places only, both from configuration: the identity provider's JWKS
(`auth.officer_jwks_url`) and Vahan (`sources.vahan.url`). URLs in token headers (`jku`, `x5u`),
in request fields, in a client assertion, or in a forged `Host` are data, never destinations.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from tests.plugins.api import LiveApi
from tests.security.listener import recording_server


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    with recording_server() as server:
        yield server


def test_urls_in_requests_are_never_fetched(
    live_api: LiveApi, listener: tuple[str, list[str]]
) -> None:
    url, hits = listener
    officer = live_api.officer()
    live_api.post(
        "/v1/persons/search",
        officer,
        json={"name": f"{url}/name", "father_name": f"{url}/father", "purpose": f"{url}/p"},
    )
    live_api.post(
        "/v1/vehicles/search", officer, json={"registration_no": f"{url}/rc", "purpose": url}
    )
    live_api.get(f"/v1/audit?actor={url}/actor", officer)
    key = ECKey.generate_key("P-256", {"kid": "x"})
    assertion = jws.serialize_compact(
        {"alg": "ES256", "jku": f"{url}/jwks", "x5u": f"{url}/x5u", "kid": "x"},
        b'{"iss": "c", "sub": "c", "aud": "x", "exp": 9999999999, "jti": "j"}',
        key,
    )
    live_api.http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )
    bearer = jws.serialize_compact(
        {"alg": "ES256", "jku": f"{url}/jwks", "kid": "x", "typ": "JWT"},
        b'{"iss": "http://127.0.0.1:8000/idp", "sub": "s", "aud": "icjs-search"}',
        key,
    )
    assert live_api.post("/v1/persons/search", bearer, json={"name": "A"}).status_code == 401
    assert hits == []


def test_a_forged_host_does_not_move_the_issuer(live_api: LiveApi) -> None:
    metadata = live_api.get(
        "/.well-known/oauth-authorization-server",
        None,
        headers={"Host": "attacker.example", "X-Forwarded-Host": "attacker.example"},
    ).json()
    issuer = live_api.auth.settings.issuer
    assert metadata["issuer"] == issuer
    assert all("attacker" not in str(v) for v in metadata.values()), (
        "an endpoint in the metadata follows the Host header"
    )

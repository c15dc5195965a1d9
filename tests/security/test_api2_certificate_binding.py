"""API2 (broken authentication), stolen tokens: access tokens bound to the client's certificate.

Partners' systems and officers' devices hold certificates, as the VPN certificates issued to
officers of RPF, NIA and CBI do today. Over mutual TLS (served by `icjs serve` itself, or by a
trusted proxy that forwards the certificate it verified), tokens carry `cnf.x5t#S256` (RFC 8705)
and are refused on any connection made without that certificate: a stolen token is useless
without the key. Every certificate here is made by the test (`tests.security.certs`).
"""

from __future__ import annotations

import base64
import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from api.tls import uvicorn_options
from auth.principal import Role
from indexer.backends.base import Backend
from tests.plugins.api import LiveApi, api_settings_for, start_api
from tests.security.certs import Issued, TestCA
from tests.security.serve import icjs_serve

SEARCH = {"name": "Rajendra Patil", "purpose": "certificate binding test"}


def _claims(token: str) -> dict[str, Any]:
    body = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return claims


def _context(ca: TestCA, client: Issued | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca.cert))
    if client is not None:
        context.load_cert_chain(*client.pair)
    return context


class Tls:
    """A TLS server asking for client certificates, and clients with or without one."""

    def __init__(self, api: LiveApi, ca: TestCA) -> None:
        self.api = api
        self.ca = ca

    def client(self, cert: Issued | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.api.url, verify=_context(self.ca, cert), timeout=30)

    def token(self, cert: Issued | None, client_id: str, secret: str) -> httpx.Response:
        with self.client(cert) as http:
            return http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
            )

    def search(self, cert: Issued | None, token: str) -> httpx.Response:
        with self.client(cert) as http:
            return http.post(
                "/v1/persons/search", json=SEARCH, headers={"Authorization": f"Bearer {token}"}
            )


@pytest.fixture
def tls(tmp_path: Path, world_backend: Backend) -> Iterator[Tls]:
    ca = TestCA(tmp_path)
    server = ca.server()
    settings = api_settings_for(
        tmp_path,
        rate_limit_per_minute=100_000,
        tls_cert_file=server.cert,
        tls_key_file=server.key,
        tls_client_ca_file=ca.cert,
        tls_client_cert="optional",
    )
    with start_api(
        settings,
        world_backend,
        server_options=uvicorn_options(settings.api),
        client={"verify": _context(ca)},
    ) as api:
        yield Tls(api, ca)


def test_a_token_got_over_mutual_tls_works_only_with_that_certificate(tls: Tls) -> None:
    cbi = tls.ca.client("cbi-gateway")
    stranger = tls.ca.client("someone-else")  # a valid certificate of the same CA
    client_id, secret = tls.api.register(agency="CBI")
    issued = tls.token(cbi, client_id, secret)
    assert issued.status_code == 200, issued.text
    token = issued.json()["access_token"]
    assert _claims(token)["cnf"] == {"x5t#S256": cbi.thumbprint}

    assert tls.search(cbi, token).status_code == 200
    for thief in (None, stranger):
        stolen = tls.search(thief, token)
        assert stolen.status_code == 401, stolen.text
        assert "bound to a client certificate" in stolen.json()["detail"]
        assert "RAJENDRA" not in stolen.text

    # Introspection says what the token is bound to (RFC 8705 §3.2).
    with tls.client(cbi) as http:
        seen = http.post("/oauth/introspect", data={"token": token}, auth=(client_id, secret))
    assert seen.json()["active"] is True and seen.json()["cnf"] == {"x5t#S256": cbi.thumbprint}
    metadata = tls.api.http.get("/.well-known/oauth-authorization-server").json()
    assert metadata["tls_client_certificate_bound_access_tokens"] is True


def test_a_certificate_bound_client_must_connect_with_its_certificate(tls: Tls) -> None:
    nia = tls.ca.client("nia-gateway")
    client, secret = tls.api.auth.clients.create(
        agency="NIA", scopes=["persons:search"], cert_bound=True
    )
    assert secret is not None
    refused = tls.token(None, client.client_id, secret)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"
    assert "mutual TLS" in refused.json()["error_description"]
    assert tls.token(nia, client.client_id, secret).status_code == 200

    # Binding an existing client later: its plain bearer tokens stop working at once.
    plain_id, plain_secret = tls.api.register(agency="RPF")
    plain = tls.token(None, plain_id, plain_secret).json()["access_token"]
    assert tls.search(None, plain).status_code == 200
    tls.api.auth.clients.bind_certificate(plain_id, None, bound=True)
    assert tls.search(None, plain).status_code == 401


def test_a_pinned_certificate_is_the_only_one_accepted(tls: Tls) -> None:
    mine, other = tls.ca.client("rpf-gateway"), tls.ca.client("rpf-laptop")
    client, secret = tls.api.auth.clients.create(
        agency="RPF", scopes=["persons:search"], cert_thumbprint=mine.thumbprint
    )
    assert secret is not None
    wrong = tls.token(other, client.client_id, secret)
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert tls.token(mine, client.client_id, secret).status_code == 200


def test_an_officer_token_bound_to_a_device(tls: Tls) -> None:
    device, other = tls.ca.client("officer-tablet-0412"), tls.ca.client("officer-tablet-0413")
    demo = tls.api.auth.demo
    assert demo is not None
    token = demo.mint(role=Role.OFFICER, state="MH", cert_thumbprint=device.thumbprint)
    assert tls.search(device, token).status_code == 200
    assert tls.search(other, token).status_code == 401
    assert tls.search(None, token).status_code == 401


def test_a_certificate_from_another_ca_fails_the_handshake(tls: Tls, tmp_path: Path) -> None:
    (tmp_path / "rogue").mkdir()
    forged = TestCA(tmp_path / "rogue", "Rogue CA").client("cbi-gateway")
    with pytest.raises(httpx.TransportError), tls.client(forged) as http:
        http.get("/healthz")


def test_a_trusted_proxy_forwards_the_certificate_it_verified(
    tmp_path: Path, world_backend: Backend
) -> None:
    """Behind a TLS-terminating proxy: the certificate comes in `X-Client-Cert` (URL-encoded
    PEM, as nginx's $ssl_client_escaped_cert), believed only from `api.trusted_proxies`."""
    ca = TestCA(tmp_path)
    gateway = ca.client("cbi-gateway")
    forwarded = {"X-Client-Cert": quote(gateway.cert.read_text())}
    settings = api_settings_for(
        tmp_path, rate_limit_per_minute=100_000, trusted_proxies=["127.0.0.1"]
    )
    with start_api(settings, world_backend) as api:
        client_id, secret = api.register(agency="CBI")
        issued = api.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            headers=forwarded,
        )
        token = issued.json()["access_token"]
        assert _claims(token)["cnf"] == {"x5t#S256": gateway.thumbprint}
        assert api.post("/v1/persons/search", token, headers=forwarded, json=SEARCH).is_success
        assert api.post("/v1/persons/search", token, json=SEARCH).status_code == 401

    # Without trusted proxies (the default) the header is anyone's to send: it is ignored.
    untrusting = api_settings_for(tmp_path / "plain", rate_limit_per_minute=100_000)
    with start_api(untrusting, world_backend) as api:
        demo = api.auth.demo
        assert demo is not None
        bound = demo.mint(role=Role.OFFICER, state="MH", cert_thumbprint=gateway.thumbprint)
        assert (
            api.post("/v1/persons/search", bound, headers=forwarded, json=SEARCH).status_code == 401
        )
        client_id, secret = api.register(agency="CBI")
        plain = api.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
            headers=forwarded,
        ).json()["access_token"]
        assert "cnf" not in _claims(plain)


def test_icjs_serve_speaks_mutual_tls(tmp_path: Path) -> None:
    ca = TestCA(tmp_path)
    server, device = ca.server(), ca.client("officer-tablet")
    args = (
        "--tls-cert",
        str(server.cert),
        "--tls-key",
        str(server.key),
        "--tls-client-ca",
        str(ca.cert),
        "--client-cert",
        "required",
    )
    with icjs_serve(tmp_path, *args, verify=_context(ca, device)) as served:
        assert served.url.startswith("https://")
        with httpx.Client(verify=_context(ca, device)) as http:
            assert http.get(served.url + "/healthz").status_code == 200
        with pytest.raises(httpx.TransportError), httpx.Client(verify=_context(ca)) as http:
            http.get(served.url + "/healthz")  # required: no certificate, no connection

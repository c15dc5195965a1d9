"""Mutual TLS for `icjs serve`: the API's own HTTPS, with client certificates.

Partner agencies and officers' devices hold certificates (as the VPN certificates issued to
officers of RPF, NIA and CBI do today). With `api.tls_cert_file`/`tls_key_file` the server speaks
HTTPS; with `api.tls_client_ca_file` it asks clients for a certificate signed by one of those CAs
(`api.tls_client_cert`: `optional` — a client may come without one, and gets plain bearer tokens —
or `required`). The certificate a client presented is what access tokens are bound to (RFC 8705,
`auth.tokens`): a token issued over such a connection carries `cnf.x5t#S256` and is refused on a
connection without the same certificate, so a stolen token is useless without the key.

uvicorn does not hand the peer certificate to the application, so `uvicorn_options` runs it with
an HTTP protocol class that adds the ASGI TLS extension (`scope["extensions"]["tls"]`, with
`client_cert_chain`) to every request of a connection that presented a certificate.

Behind a TLS-terminating proxy instead, leave these unset and let the proxy verify client
certificates and forward the verified one (`api.client_cert_header`, from `api.trusted_proxies`
only; see `api.proxies`).
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from config.settings import ApiSettings

_CERT_REQS = {
    "none": ssl.CERT_NONE,
    "optional": ssl.CERT_OPTIONAL,
    "required": ssl.CERT_REQUIRED,
}


def _with_tls_extension(app: ASGIApp, extension: dict[str, Any]) -> ASGIApp:
    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "extensions": {**(scope.get("extensions") or {}), "tls": extension}}
        await app(scope, receive, send)

    return wrapped


def _tls_extension(transport: asyncio.BaseTransport) -> dict[str, Any] | None:
    ssl_object = transport.get_extra_info("ssl_object")
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return {
        "client_cert_chain": [ssl.DER_cert_to_PEM_cert(der)] if der else [],
        "client_cert_name": None,
        "client_cert_error": None,
        "tls_version": None,
        "cipher_suite": None,
    }


class _ClientCertificates:
    """Mixed into uvicorn's HTTP protocol: the app of each TLS connection that presented a
    certificate gets it in the ASGI TLS extension. (Module-level classes: `icjs serve --workers`
    pickles the configuration, protocol class included, for its worker processes.)"""

    app: ASGIApp

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        extension = _tls_extension(transport)
        if extension is not None:
            self.app = _with_tls_extension(self.app, extension)


class H11WithClientCertificates(_ClientCertificates, H11Protocol):
    pass


def protocol_with_client_certificates() -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol (httptools when installed, else h11) that passes the client
    certificate of each TLS connection to the app."""
    try:
        from api.tls_httptools import HttpToolsWithClientCertificates
    except ImportError:
        return H11WithClientCertificates
    return HttpToolsWithClientCertificates


def uvicorn_options(api: ApiSettings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run`/`uvicorn.Config`: HTTPS and client certificates as
    `api.tls_*` say; nothing when TLS is not configured."""
    if api.tls_cert_file is None or api.tls_key_file is None:
        return {}
    options: dict[str, Any] = {
        "ssl_certfile": str(api.tls_cert_file),
        "ssl_keyfile": str(api.tls_key_file),
    }
    if api.tls_client_ca_file is not None and api.tls_client_cert != "none":
        options["ssl_ca_certs"] = str(api.tls_client_ca_file)
        options["ssl_cert_reqs"] = _CERT_REQS[api.tls_client_cert]
        options["http"] = protocol_with_client_certificates()
    return options

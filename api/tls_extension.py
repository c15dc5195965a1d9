"""The ASGI TLS extension for uvicorn: the client certificate of each TLS connection, handed to
the app (`api.tls` says why). Its own module: the mix-in knows asyncio transports and ASGI,
`api.tls` only which uvicorn options to set.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send


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


class ClientCertificates:
    """Mixed into uvicorn's HTTP protocol: the app of each TLS connection that presented a
    certificate gets it in the ASGI TLS extension. (Module-level classes: `icjs serve --workers`
    pickles the configuration, protocol class included, for its worker processes.)"""

    app: ASGIApp

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        extension = _tls_extension(transport)
        if extension is not None:
            self.app = _with_tls_extension(self.app, extension)

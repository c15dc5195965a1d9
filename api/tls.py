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

import ssl
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from api.tls_extension import ClientCertificates
from config.settings import ApiSettings

_CERT_REQS = {
    "none": ssl.CERT_NONE,
    "optional": ssl.CERT_OPTIONAL,
    "required": ssl.CERT_REQUIRED,
}


# HTTP/1.1 over h11, never uvicorn's default ("auto": httptools whenever it is installed, as a
# side dependency may bring it): httptools' parser answers some requests that h11 hands to the
# app with a bare 400 of its own, before the app runs, so they would go unaudited.
HTTP_PROTOCOL = H11Protocol


class H11WithClientCertificates(ClientCertificates, H11Protocol):
    pass


def uvicorn_options(api: ApiSettings) -> dict[str, Any]:
    """Keyword arguments for `uvicorn.run`/`uvicorn.Config`: `HTTP_PROTOCOL`, and HTTPS and
    client certificates as `api.tls_*` say."""
    options: dict[str, Any] = {"http": HTTP_PROTOCOL}
    if api.tls_cert_file is None or api.tls_key_file is None:
        return options
    options["ssl_certfile"] = str(api.tls_cert_file)
    options["ssl_keyfile"] = str(api.tls_key_file)
    if api.tls_client_ca_file is not None and api.tls_client_cert != "none":
        options["ssl_ca_certs"] = str(api.tls_client_ca_file)
        options["ssl_cert_reqs"] = _CERT_REQS[api.tls_client_cert]
        options["http"] = H11WithClientCertificates
    return options

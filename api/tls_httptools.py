"""`api.tls`'s protocol over httptools, importable only where httptools is installed."""

from __future__ import annotations

import httptools  # noqa: F401  (ImportError here is how `api.tls` learns it is absent)
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from api.tls_extension import ClientCertificates


class HttpToolsWithClientCertificates(ClientCertificates, HttpToolsProtocol):
    pass

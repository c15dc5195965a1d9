"""Who is on the other end of the connection: the client's address and its TLS certificate.

Both come from the connection itself unless the peer is a proxy the operator named in
`api.trusted_proxies` (addresses or networks; none by default). Only then are the proxy's
headers believed: the client address from `X-Forwarded-For` (the right-most address that is
not itself a trusted proxy, so a client cannot choose its address by sending the header), and
the client certificate the proxy verified from `api.client_cert_header` (URL-encoded PEM, as
nginx's `$ssl_client_escaped_cert` sends it). From any other peer those headers are ignored.

The certificate of a direct mutual-TLS connection arrives in the ASGI TLS extension
(`scope["extensions"]["tls"]["client_cert_chain"]`), which `api.tls` fills for uvicorn.
"""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from starlette.types import Scope

from auth.certificates import pem_to_der, thumbprint

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_MAX_CERT_HEADER = 16 * 1024


def _networks(entries: Iterable[str]) -> tuple[_Network, ...]:
    out = []
    for entry in entries:
        try:
            out.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(
                f"api.trusted_proxies: {entry!r} is not an IP address or network"
            ) from None
    return tuple(out)


@dataclass(frozen=True)
class Peer:
    """The client as the API sees it: address, and certificate (DER) if one was presented."""

    address: str
    certificate: bytes | None = None
    via_proxy: bool = False

    @property
    def cert_thumbprint(self) -> str | None:
        return thumbprint(self.certificate) if self.certificate else None


class TrustedProxies:
    def __init__(self, entries: Iterable[str] = (), cert_header: str | None = None) -> None:
        self._networks = _networks(entries)
        self._cert_header = cert_header.lower().encode("latin-1") if cert_header else None

    def trusts(self, address: str) -> bool:
        if not self._networks:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._networks)

    def peer(self, scope: Scope) -> Peer:
        client = scope.get("client")
        direct = str(client[0]) if client else "unknown"
        if not self.trusts(direct):
            return Peer(direct, _tls_certificate(scope))
        forwarded: list[str] = []
        cert_value: bytes | None = None
        for name, value in scope.get("headers", ()):
            if name == b"x-forwarded-for":
                forwarded.extend(v.strip() for v in value.decode("latin-1").split(","))
            elif self._cert_header is not None and name == self._cert_header:
                cert_value = value
        address = direct
        for hop in reversed(forwarded):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                break  # a malformed hop: stop believing the chain here
            address = hop
            if not self.trusts(hop):
                break
        return Peer(address, _forwarded_certificate(cert_value), via_proxy=True)


def _tls_certificate(scope: Scope) -> bytes | None:
    tls = (scope.get("extensions") or {}).get("tls") or {}
    chain = tls.get("client_cert_chain") or ()
    if not chain:
        return None
    first = chain[0]
    return pem_to_der(first) if isinstance(first, str) else None


def _forwarded_certificate(value: bytes | None) -> bytes | None:
    if not value or len(value) > _MAX_CERT_HEADER:
        return None
    text = unquote(value.decode("latin-1"))
    return pem_to_der(text)


def der_to_pem(der: bytes) -> str:
    return ssl.DER_cert_to_PEM_cert(der)

"""Client certificates as RFC 8705 sees them: the SHA-256 thumbprint a token is bound to.

`thumbprint(der)` is `x5t#S256`: base64url, without padding, of the SHA-256 of the DER
certificate. The same function computes it for the certificate a connection presented
(`api.proxies`), for a certificate pinned at registration (`icjs clients create --cert`) and for
an officer's device (`icjs token officer --cert`), so the three always agree.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

_PEM_RE = re.compile(
    r"-----BEGIN CERTIFICATE-----(?P<body>[A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----"
)


def thumbprint(der: bytes) -> str:
    """RFC 8705 §3.1: base64url (no padding) of the SHA-256 of the DER certificate."""
    return base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode("ascii")


def pem_to_der(pem: str) -> bytes | None:
    """The first certificate of a PEM text (line breaks may have become spaces), or None."""
    match = _PEM_RE.search(pem)
    if match is None:
        return None
    body = "".join(match.group("body").split())
    try:
        return base64.b64decode(body, validate=True)
    except ValueError:
        return None


def file_thumbprint(path: Path) -> str:
    """The thumbprint of the certificate in a PEM file; `ValueError` if it holds none."""
    der = pem_to_der(path.read_text("ascii", errors="replace"))
    if der is None:
        raise ValueError(f"{path} holds no PEM certificate")
    return thumbprint(der)

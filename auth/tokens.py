"""JWT access tokens (RFC 9068) and the claim checks every token we accept goes through.

Issuing: `AccessTokenIssuer.issue(client, scopes)` builds the RFC 9068 claim set (`iss`, `sub`,
`aud`, `exp`, `iat`, `jti`, `client_id`, `scope`) plus ours (`role`, `agency`, `sources`,
`fields`) and signs it with the key ring under `typ: at+jwt`.

Checking: `check_registered_claims` validates `iss`, `aud`, `exp`, `nbf`, `iat` and `sub` with a
small clock-skew allowance, and says in words what is wrong (never echoing the token).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from auth.clients import Client
from auth.keys import KeyRing

ACCESS_TOKEN_TYP = "at+jwt"
CNF_THUMBPRINT = "x5t#S256"  # RFC 8705 §3.1: the confirmation member of a certificate binding
# Clocks of IdPs and API nodes drift a little; a minute is what RFC 7519 §4.1.4 implementations
# commonly allow and is short against a 15-minute token.
LEEWAY_S = 60


class ClaimError(Exception):
    """A claim is missing or wrong; the message is safe to show to the caller."""


def check_registered_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    audience: str,
    now: float | None = None,
    leeway: int = LEEWAY_S,
) -> None:
    now = time.time() if now is None else now
    if claims.get("iss") != issuer:
        raise ClaimError("the token's issuer is not the expected one")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
    if audience not in audiences:
        raise ClaimError(f"the token is not meant for this service (audience must be {audience!r})")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise ClaimError("the token has no expiry (exp)")
    if now > exp + leeway:
        raise ClaimError("the token has expired: get a new one")
    nbf = claims.get("nbf")
    if isinstance(nbf, int | float) and now + leeway < nbf:
        raise ClaimError("the token is not valid yet (nbf)")
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or isinstance(iat, bool):
        raise ClaimError("the token has no issue time (iat)")
    if iat > now + leeway:
        raise ClaimError("the token claims to be issued in the future")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not sub:
        raise ClaimError("the token has no subject (sub)")
    jti = claims.get("jti")
    if jti is not None and not isinstance(jti, str):
        raise ClaimError("the token id (jti) must be a string")


def bound_thumbprint(claims: Mapping[str, Any]) -> str | None:
    """The certificate thumbprint a token is bound to (RFC 8705 `cnf.x5t#S256`), None when it
    is a plain bearer token; `ClaimError` for a `cnf` we cannot honour (it must not be ignored:
    a binding the server skips is a stolen token that works)."""
    cnf = claims.get("cnf")
    if cnf is None:
        return None
    thumbprint = cnf.get(CNF_THUMBPRINT) if isinstance(cnf, Mapping) else None
    if not isinstance(thumbprint, str) or not thumbprint:
        raise ClaimError("the token's confirmation (cnf) names no certificate this service checks")
    return thumbprint


@dataclass(frozen=True)
class IssuedToken:
    token: str
    jti: str
    expires_in: int
    scope: str


class AccessTokenIssuer:
    def __init__(self, keys: KeyRing, *, issuer: str, audience: str, ttl_s: int) -> None:
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.ttl_s = ttl_s

    def issue(
        self, client: Client, scopes: Iterable[str], *, cert_thumbprint: str | None = None
    ) -> IssuedToken:
        """Sign an access token; with `cert_thumbprint` it is bound to that TLS certificate
        (RFC 8705 §3.1: `cnf.x5t#S256`) and useless without its private key."""
        now = int(time.time())
        jti = secrets.token_urlsafe(16)
        scope = " ".join(sorted(set(scopes)))
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": client.client_id,
            "aud": self.audience,
            "exp": now + self.ttl_s,
            "iat": now,
            "nbf": now,
            "jti": jti,
            "client_id": client.client_id,
            "scope": scope,
            "role": client.role.value,
            "agency": client.agency,
        }
        if client.sources is not None:
            claims["sources"] = sorted(s.value for s in client.sources)
        if client.fields is not None:
            claims["fields"] = sorted(client.fields)
        if cert_thumbprint is not None:
            claims["cnf"] = {CNF_THUMBPRINT: cert_thumbprint}
        token = self.keys.sign(claims, typ=ACCESS_TOKEN_TYP)
        return IssuedToken(token=token, jti=jti, expires_in=self.ttl_s, scope=scope)

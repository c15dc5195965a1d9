"""Officers: JWTs from a trusted identity provider, validated and turned into a `Caller`.

A state police IdP vouches for its officers; we trust an issuer only if it is on the allow-list
(`auth.officer_issuers`) and verify with its published JWKS (`auth.officer_jwks_url`), refusing
any algorithm outside `EXTERNAL_ALGORITHMS` (so never `none`, never HS*: a public key must not be
usable as an HMAC secret). Without an external IdP configured, the built-in demo issuer
(`DemoIssuer`, issuer `<auth.issuer>/idp`) signs with our own key ring, and that ring is the
trusted officer JWKS; with an external IdP configured, the demo issuer is not trusted.

Claims read: `sub` (officer id), `role` (officer | supervisor | auditor | admin), `state`,
`district`, `police_station`, `clearances` (list, e.g. ["sensitive"]), `agency`, and optionally
`scope` (space-separated; it can only narrow what the policy gives the role).
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import httpx
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from auth.keys import InvalidSignature, KeyRing, Verified, peek_header, peek_payload, verify_with
from auth.principal import Caller, Role
from auth.tokens import ClaimError, check_registered_claims

OFFICER_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN, Role.NDSO})
# Asymmetric algorithms only. RS256 is what most IdPs (Keycloak, Azure AD, Okta) sign with.
EXTERNAL_ALGORITHMS = ("RS256", "PS256", "ES256", "EdDSA")
_STATE_RE = re.compile(r"^[A-Z]{2}$")
_JWKS_REFRESH_MIN_S = 60.0


class OfficerTokenError(Exception):
    """Safe to show to the caller."""


class KeySource(Protocol):
    #: header `typ` values accepted (lower case); None in the set means "absent is fine"
    accepted_types: frozenset[str | None]

    def verify(self, token: str) -> Verified: ...


class RingKeys:
    """The demo issuer's keys: our own ring. The ring also signs access tokens and NOC
    certificates, so only `typ: JWT` is accepted here: no other signed object can pass as an
    officer's identity."""

    accepted_types: frozenset[str | None] = frozenset({"jwt"})

    def __init__(self, ring: KeyRing) -> None:
        self.ring = ring

    def verify(self, token: str) -> Verified:
        return self.ring.verify(token)


class RemoteJwks:
    """An IdP's JWKS fetched over HTTP(S), cached, re-fetched (at most once a minute) when a
    token names a key id we have not seen — that is how IdP key rotation reaches us.
    IdPs differ in the `typ` they put on access tokens; any of the usual ones is accepted."""

    accepted_types: frozenset[str | None] = frozenset({None, "jwt", "at+jwt", "application/at+jwt"})

    def __init__(self, url: str, timeout_s: float = 5.0) -> None:
        self.url = url
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at = 0.0

    def _fetch(self) -> KeySet:
        try:
            response = httpx.get(self.url, timeout=self.timeout_s)
            response.raise_for_status()
            keys = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            raise InvalidSignature(
                f"the identity provider's keys are unavailable ({exc})"
            ) from None
        with self._lock:
            self._keys, self._fetched_at = keys, time.monotonic()
        return keys

    def verify(self, token: str) -> Verified:
        with self._lock:
            keys, age = self._keys, time.monotonic() - self._fetched_at
        if keys is None:
            keys = self._fetch()
        kid = peek_header(token).get("kid")
        known = any(k.kid == kid for k in keys.keys)
        if not known and age > _JWKS_REFRESH_MIN_S:
            keys = self._fetch()
        return verify_with(token, keys, EXTERNAL_ALGORITHMS)


@dataclass(frozen=True)
class TrustedIssuer:
    issuer: str
    keys: KeySource


class OfficerVerifier:
    def __init__(self, issuers: Iterable[TrustedIssuer], audience: str) -> None:
        self._issuers = {i.issuer: i for i in issuers}
        self.audience = audience

    def trusts(self, issuer: object) -> bool:
        return isinstance(issuer, str) and issuer in self._issuers

    def verify(self, token: str, role_scopes: dict[Role, frozenset[str]]) -> Caller:
        """Verify signature and claims; `role_scopes` is what the policy gives each role."""
        issuer = peek_payload(token).get("iss")
        trusted = self._issuers.get(issuer) if isinstance(issuer, str) else None
        if trusted is None:
            raise OfficerTokenError("the token's issuer is not a trusted identity provider")
        verified = trusted.keys.verify(token)  # raises InvalidSignature
        typ = verified.header.get("typ")
        if (typ.lower() if isinstance(typ, str) else typ) not in trusted.keys.accepted_types:
            raise OfficerTokenError(f"a token of type {typ!r} is not an officer identity token")
        claims = verified.payload
        try:
            check_registered_claims(claims, issuer=trusted.issuer, audience=self.audience)
        except ClaimError as exc:
            raise OfficerTokenError(str(exc)) from None
        return caller_from_claims(claims, role_scopes)


def caller_from_claims(claims: dict[str, Any], role_scopes: dict[Role, frozenset[str]]) -> Caller:
    try:
        role = Role(str(claims.get("role", "")))
    except ValueError:
        raise OfficerTokenError("the token's role claim is missing or unknown") from None
    if role not in OFFICER_ROLES:
        raise OfficerTokenError(f"an identity provider cannot assert role {role.value}")
    state = claims.get("state")
    if state is not None and (not isinstance(state, str) or not _STATE_RE.match(state)):
        raise OfficerTokenError("the token's state claim must be a two-letter state code")
    if role in (Role.OFFICER, Role.SUPERVISOR) and not state:
        raise OfficerTokenError(f"a {role.value} token must carry the officer's state")
    clearances = claims.get("clearances", [])
    if not isinstance(clearances, list) or not all(isinstance(c, str) for c in clearances):
        raise OfficerTokenError("the clearances claim must be a list of strings")
    scopes = role_scopes.get(role, frozenset())
    if isinstance(claims.get("scope"), str):
        scopes = scopes & frozenset(claims["scope"].split())

    def text(name: str) -> str | None:
        value = claims.get(name)
        return value.strip().upper() if isinstance(value, str) and value.strip() else None

    return Caller(
        subject=str(claims["sub"]),
        role=role,
        scopes=scopes,
        agency=claims.get("agency") if isinstance(claims.get("agency"), str) else None,
        state=state,
        district=text("district"),
        police_station=text("police_station"),
        clearances=frozenset(clearances),
        token_id=claims.get("jti") if isinstance(claims.get("jti"), str) else None,
        issuer=str(claims["iss"]),
    )


class DemoIssuer:
    """The built-in identity provider for the demo and the tests: `icjs token officer`."""

    def __init__(self, ring: KeyRing, *, issuer: str, audience: str) -> None:
        self.ring = ring
        self.issuer = issuer
        self.audience = audience

    def mint(
        self,
        *,
        role: Role,
        state: str | None,
        district: str | None = None,
        police_station: str | None = None,
        clearances: Iterable[str] = (),
        subject: str | None = None,
        agency: str | None = None,
        ttl_s: int = 3600,
        cert_thumbprint: str | None = None,
    ) -> str:
        """A signed officer token; with `cert_thumbprint` (x5t#S256 of the officer's device
        certificate) it is bound to that certificate (RFC 8705), as an IdP that knows the
        device would issue it."""
        if role not in OFFICER_ROLES:
            raise ValueError(f"role must be one of: {', '.join(sorted(OFFICER_ROLES))}")
        if state is not None and not _STATE_RE.match(state.upper()):
            raise ValueError("state must be a two-letter state code, e.g. MH")
        if role in (Role.OFFICER, Role.SUPERVISOR) and not state:
            raise ValueError(f"a {role.value} needs --state")
        if not 1 <= ttl_s <= 86400:
            raise ValueError("ttl must be between 1 and 86400 seconds")
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "sub": subject or f"{role.value}-{secrets.token_hex(4)}",
            "iat": now,
            "nbf": now,
            "exp": now + ttl_s,
            "jti": secrets.token_urlsafe(16),
            "role": role.value,
            "clearances": sorted(set(clearances)),
        }
        if state:
            claims["state"] = state.upper()
            claims["agency"] = agency or f"{state.upper()} Police"
        elif agency:
            claims["agency"] = agency
        if district:
            claims["district"] = district.upper()
        if police_station:
            claims["police_station"] = police_station.upper()
        if cert_thumbprint:
            claims["cnf"] = {"x5t#S256": cert_thumbprint}
        return self.ring.sign(claims, typ="JWT")

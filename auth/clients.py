"""The OAuth2 client registry: partner agencies and services, secrets hashed, kept in the state
database (`state.clients`: a SQLite file, or PostgreSQL shared by every API node).

A secret is shown once, at creation or rotation, and stored as an scrypt hash with its own salt;
checking compares in constant time, and an unknown client costs the same hash as a known one so
response times do not reveal which client ids exist. A client may instead (or as well) register a
public JWK set for `private_key_jwt` authentication (RFC 7523): then no secret need exist at all.

A registration carries what the client may ever get: its role (`partner` or `noc_service`),
scopes, source entitlements and field groups. Tokens are cut to it at issue *and* at use, so
narrowing or disabling a client takes effect on tokens already issued.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auth.principal import Role
from records import Source
from state import Database
from state.clients import ClientRows

CLIENT_ROLES = frozenset({Role.PARTNER, Role.NOC_SERVICE})
AUTH_SECRET_BASIC = "client_secret_basic"
AUTH_PRIVATE_KEY_JWT = "private_key_jwt"

# scrypt at N=2^14, r=8, p=1 (16 MiB, ~50 ms): the OWASP floor for interactive logins; a token
# request is far rarer than a search, so the cost is paid where it protects most.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_LEN = 2**14, 8, 1, 32
_DUMMY_SALT = b"icjs-dummy-salt!"
_CLEARANCE_RE = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
_AGENCY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


class ClientError(ValueError):
    """A registry operation that cannot be done, said so that the operator can fix it."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        secret.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=_SCRYPT_LEN
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def check_secret_hash(secret: str, stored: str | None) -> bool:
    """Constant-time check; with `stored=None` it still spends one hash and returns False."""
    if stored is None:
        hash_secret(secret, _DUMMY_SALT)
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        actual = hashlib.scrypt(
            secret.encode("utf-8"),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(_unb64(digest)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, _unb64(digest))


@dataclass(frozen=True)
class Client:
    """A registration, as the token endpoint and the resource server see it (no secret)."""

    client_id: str
    agency: str
    role: Role
    scopes: frozenset[str]
    sources: frozenset[Source] | None  # None: the role's default
    fields: frozenset[str] | None  # field groups; None: the role's default
    has_secret: bool
    jwks: dict[str, Any] | None
    disabled: bool
    created_at: str
    description: str | None = None
    clearances: frozenset[str] = frozenset()  # e.g. "sensitive": lifts the policy's label rules
    # sources answered as hit-flags for this client (`auth.principal.Caller.hit_flag`); None:
    # the role's default (a partner: every source outside `sources`)
    hit_flag: frozenset[Source] | None = None
    # RFC 8705: tokens only for a client that presents a TLS certificate, bound to it; with a
    # pinned thumbprint (x5t#S256), only for that certificate.
    cert_bound: bool = False
    cert_thumbprint: str | None = None

    @property
    def auth_methods(self) -> frozenset[str]:
        methods = set()
        if self.has_secret:
            methods.add(AUTH_SECRET_BASIC)
        if self.jwks:
            methods.add(AUTH_PRIVATE_KEY_JWT)
        return frozenset(methods)

    def summary(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "agency": self.agency,
            "role": self.role.value,
            "scopes": sorted(self.scopes),
            "sources": None if self.sources is None else sorted(s.value for s in self.sources),
            "fields": None if self.fields is None else sorted(self.fields),
            "clearances": sorted(self.clearances),
            "hit_flag": None if self.hit_flag is None else sorted(s.value for s in self.hit_flag),
            "auth_methods": sorted(self.auth_methods),
            "cert_bound": self.cert_bound or self.cert_thumbprint is not None,
            "cert_thumbprint": self.cert_thumbprint,
            "disabled": self.disabled,
            "created_at": self.created_at,
        }


_THUMBPRINT_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def validate_jwks(data: Any) -> dict[str, Any]:
    """Accept a JWK set or a single public JWK; refuse private or symmetric keys."""
    from joserfc.errors import JoseError
    from joserfc.jwk import KeySet

    if isinstance(data, dict) and "keys" not in data and "kty" in data:
        data = {"keys": [data]}
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list) or not data["keys"]:
        raise ClientError('the JWKS file must hold a JWK set ({"keys": [...]}) or one JWK')
    for key in data["keys"]:
        if not isinstance(key, dict):
            raise ClientError("every entry of the JWK set must be a JSON object")
        if key.get("kty") == "oct":
            raise ClientError("symmetric (oct) keys are not accepted for private_key_jwt")
        if any(p in key for p in ("d", "p", "q", "dp", "dq", "qi")):
            raise ClientError("the JWK set holds a PRIVATE key: register only the public half")
    try:
        KeySet.import_key_set(data)  # type: ignore[arg-type]
    except (JoseError, ValueError, TypeError) as exc:
        raise ClientError(f"the JWK set cannot be read: {exc}") from None
    return {"keys": list(data["keys"])}


class ClientRegistry:
    """The registry, kept in the state database (`state.clients`). Thread-safe; share one per
    process."""

    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.rows = ClientRows(target, migrate=migrate)

    def close(self) -> None:
        self.rows.close()

    @staticmethod
    def _now() -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")

    def create(
        self,
        *,
        agency: str,
        scopes: Iterable[str],
        role: Role = Role.PARTNER,
        sources: Iterable[Source] | None = None,
        fields: Iterable[str] | None = None,
        jwks: dict[str, Any] | None = None,
        with_secret: bool = True,
        description: str | None = None,
        clearances: Iterable[str] = (),
        cert_bound: bool = False,
        cert_thumbprint: str | None = None,
        hit_flag: Iterable[Source] | None = None,
    ) -> tuple[Client, str | None]:
        """Register a client. Returns it and its secret — the only time the secret exists in
        clear. Policy checks (which scopes a role may hold) are the caller's (`Policy`)."""
        if not _AGENCY_RE.match(agency):
            raise ClientError(
                "agency must be 1-64 letters, digits, spaces, dots, dashes or underscores"
            )
        if role not in CLIENT_ROLES:
            raise ClientError(f"a client's role must be one of: {', '.join(sorted(CLIENT_ROLES))}")
        scope_set = frozenset(scopes)
        if not scope_set:
            raise ClientError("a client needs at least one scope")
        if not with_secret and not jwks:
            raise ClientError("a client without a secret needs a JWK set for private_key_jwt")
        jwks = validate_jwks(jwks) if jwks else None
        clearances = frozenset(clearances)
        bad = [c for c in clearances if not _CLEARANCE_RE.match(c)]
        if bad:
            raise ClientError(f"clearance {bad[0]!r}: use lower-case letters, digits, - or _")
        if cert_thumbprint is not None and not _THUMBPRINT_RE.match(cert_thumbprint):
            raise ClientError("a certificate thumbprint is base64url SHA-256 (43 characters)")
        slug = re.sub(r"[^a-z0-9]+", "-", agency.lower()).strip("-") or "client"
        client_id = f"{slug}-{secrets.token_hex(6)}"
        secret = secrets.token_urlsafe(32) if with_secret else None
        now = self._now()
        self.rows.insert(
            {
                "client_id": client_id,
                "agency": agency,
                "role": role.value,
                "scopes": " ".join(sorted(scope_set)),
                "sources": (
                    None if sources is None else ",".join(sorted(Source(s).value for s in sources))
                ),
                "fields": None if fields is None else ",".join(sorted(set(fields))),
                "secret_hash": hash_secret(secret) if secret else None,
                "jwks": json.dumps(jwks) if jwks else None,
                "disabled": 0,
                "created_at": now,
                "updated_at": now,
                "description": description,
                "clearances": ",".join(sorted(set(clearances))),
                "cert_bound": int(cert_bound or cert_thumbprint is not None),
                "cert_thumbprint": cert_thumbprint,
                "hit_flag": _sources_text(hit_flag),
            }
        )
        client = self.get(client_id)
        assert client is not None
        return client, secret

    def get(self, client_id: str) -> Client | None:
        row = self.rows.get(client_id)
        return _client_from_row(row) if row else None

    def list(self, *, include_disabled: bool = True) -> list[Client]:
        clients = [_client_from_row(r) for r in self.rows.all()]
        return [c for c in clients if include_disabled or not c.disabled]

    def check_secret(self, client_id: str, secret: str) -> bool:
        """True only for an enabled client whose secret matches; timing does not depend on
        whether the client exists."""
        row = self.rows.secret_of(client_id)
        stored = row[0] if row else None
        ok = check_secret_hash(secret, stored)
        return ok and row is not None and not row[1]

    def _update(self, client_id: str, **values: Any) -> None:
        if not self.rows.update(client_id, {**values, "updated_at": self._now()}):
            raise ClientError(f"no client {client_id!r}")

    def disable(self, client_id: str) -> None:
        self._update(client_id, disabled=1)

    def enable(self, client_id: str) -> None:
        self._update(client_id, disabled=0)

    def rotate_secret(self, client_id: str) -> str:
        """A new secret; the old one stops working at once."""
        secret = secrets.token_urlsafe(32)
        self._update(client_id, secret_hash=hash_secret(secret))
        return secret

    def set_jwks(self, client_id: str, jwks: dict[str, Any] | None) -> None:
        value = json.dumps(validate_jwks(jwks)) if jwks else None
        self._update(client_id, jwks=value)

    def set_hit_flag(self, client_id: str, sources: Iterable[Source] | None) -> None:
        """Mark the sources this client is answered as hit-flags (None: the role's default);
        its live tokens follow at once (the registration is read at every use)."""
        self._update(client_id, hit_flag=_sources_text(sources))

    def bind_certificate(self, client_id: str, thumbprint: str | None, *, bound: bool) -> None:
        """Require a certificate for this client's tokens (`bound`), optionally one in
        particular (`thumbprint`, x5t#S256). Tokens already issued without `cnf` stop working."""
        if thumbprint is not None and not _THUMBPRINT_RE.match(thumbprint):
            raise ClientError("a certificate thumbprint is base64url SHA-256 (43 characters)")
        self._update(
            client_id,
            cert_bound=int(bound or thumbprint is not None),
            cert_thumbprint=thumbprint,
        )


def _sources_text(sources: Iterable[Source] | None) -> str | None:
    return None if sources is None else ",".join(sorted({Source(s).value for s in sources}))


def _client_from_row(row: dict[str, Any]) -> Client:
    sources, fields = row["sources"], row["fields"]
    return Client(
        client_id=row["client_id"],
        agency=row["agency"],
        role=Role(row["role"]),
        scopes=frozenset(row["scopes"].split()),
        sources=None if sources is None else frozenset(Source(s) for s in sources.split(",") if s),
        fields=None if fields is None else frozenset(f for f in fields.split(",") if f),
        has_secret=bool(row["has_secret"]),
        jwks=json.loads(row["jwks"]) if row["jwks"] else None,
        disabled=bool(row["disabled"]),
        created_at=row["created_at"],
        description=row["description"],
        clearances=frozenset(c for c in (row["clearances"] or "").split(",") if c),
        cert_bound=bool(row["cert_bound"]),
        cert_thumbprint=row["cert_thumbprint"],
        hit_flag=(
            None
            if row.get("hit_flag") is None
            else frozenset(Source(s) for s in row["hit_flag"].split(",") if s)
        ),
    )

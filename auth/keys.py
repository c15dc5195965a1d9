"""The signing key ring: one current key signs, previous keys still verify.

Keys are ES256 (P-256): small signatures, fast to verify, and every JOSE library reads them.
Each key lives in `keys_dir/<kid>.pem` (mode 0600, never in the repository); `keys_dir/ring.json`
lists the kids, newest last, the last one being the current signer. `rotate()` adds a key and
keeps the previous `retain - 1` for verification, so tokens and NOC certificates signed before a
rotation stay verifiable until they expire. `jwks()` is the public half for
`/.well-known/jwks.json`.

Several processes share one ring (the API and `icjs token`); file creation is guarded by an
exclusive lock, and a verifier that meets an unknown `kid` reloads the ring once in case another
process rotated it.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from auth.errors import AuthConfigError

ALGORITHM = "ES256"
# Only what we sign with: `none`, HS* (the public key used as an HMAC secret) and anything else
# are refused before any key is looked at.
ALLOWED_ALGORITHMS = (ALGORITHM,)
DEFAULT_RETAIN = 3  # current + two previous: covers token TTL across rotations
# After retirement a key's private half is deleted but its public half stays published this
# long, so signed documents (NOC certificates) stay verifiable offline; bearer tokens are only
# accepted from active keys. 400 days: a NOC is typically relied on for up to a year.
DEFAULT_PUBLISH_RETIRED_S = 400 * 86400
_RELOAD_MIN_INTERVAL_S = 5.0
_RECHECK_S = 60.0
# Tokens whose signature a ring verified, remembered with the key set that verified them: a
# bearer token comes back with every request of its lifetime, and its ES256 check was a third of
# authenticating it. Bounded (a full memo is emptied); only good signatures are remembered.
_VERIFIED_MEMO = 1024


class InvalidSignature(Exception):
    """The compact JWS is malformed, uses a refused algorithm, names an unknown key, or does not
    verify. The message says which, without echoing the token."""


@dataclass(frozen=True)
class Verified:
    header: dict[str, Any]
    payload: dict[str, Any]


def peek_header(token: str) -> dict[str, Any]:
    """The protected header of a compact JWS, unverified: only to route the token, never to
    trust it."""
    try:
        head = token.split(".", 1)[0]
        raw = base64.urlsafe_b64decode(head + "=" * (-len(head) % 4))
        header = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidSignature("the token is not a compact JWS") from None
    if not isinstance(header, dict):
        raise InvalidSignature("the token header is not a JSON object")
    return header


def peek_payload(token: str) -> dict[str, Any]:
    """The payload of a compact JWS, unverified (to find its issuer before choosing keys)."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidSignature("the token is not a compact JWS (three dot-separated parts)")
    try:
        raw = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidSignature("the token payload is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidSignature("the token payload is not a JSON object")
    return payload


def check_algorithm(
    header: Mapping[str, Any], allowed: tuple[str, ...] = ALLOWED_ALGORITHMS
) -> None:
    alg = header.get("alg")
    if alg not in allowed:
        raise InvalidSignature(
            f"signature algorithm {alg!r} is not accepted (accepted: {', '.join(allowed)})"
        )


def verify_with(
    token: str, keys: KeySet, allowed: tuple[str, ...] = ALLOWED_ALGORITHMS
) -> Verified:
    """Verify a compact JWS against a public key set; the `kid` must name one of its keys."""
    header = peek_header(token)
    check_algorithm(header, allowed)
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise InvalidSignature("the token header has no key id (kid)")
    try:
        key = keys.get_by_kid(kid)
    except (JoseError, ValueError, KeyError):
        raise InvalidSignature(f"the token was signed with an unknown key ({kid})") from None
    try:
        obj = jws.deserialize_compact(token, key, algorithms=list(allowed))
    except JoseError:
        raise InvalidSignature("the token signature does not verify") from None
    try:
        payload = json.loads(obj.payload)
    except ValueError:
        raise InvalidSignature("the token payload is not JSON") from None
    if not isinstance(payload, dict):
        raise InvalidSignature("the token payload is not a JSON object")
    return Verified(header=dict(obj.headers()), payload=payload)


class KeyRing:
    """Signing keys on disk. Build with `KeyRing.open(keys_dir)`."""

    def __init__(
        self,
        keys_dir: Path,
        retain: int = DEFAULT_RETAIN,
        publish_retired_s: int = DEFAULT_PUBLISH_RETIRED_S,
    ) -> None:
        if retain < 1:
            raise ValueError("retain must be at least 1")
        self.keys_dir = keys_dir
        self.retain = retain
        self.publish_retired_s = publish_retired_s
        self._lock = threading.Lock()
        self._keys: dict[str, ECKey] = {}
        self._order: list[str] = []
        self._public = KeySet([])
        self._published = KeySet([])
        self._published_jwks: list[dict[str, Any]] = []
        self._loaded_at = 0.0
        self._ring_mtime = 0
        self._verified: dict[str, tuple[KeySet, Verified]] = {}

    @classmethod
    def open(
        cls,
        keys_dir: Path,
        retain: int = DEFAULT_RETAIN,
        publish_retired_s: int = DEFAULT_PUBLISH_RETIRED_S,
    ) -> KeyRing:
        """Load the ring, creating the directory and a first key if there is none."""
        ring = cls(keys_dir, retain, publish_retired_s)
        with ring._file_lock():
            if not ring._ring_file.exists():
                ring._add_key_locked()
        ring._load()
        return ring

    # -- files ---------------------------------------------------------------------------------

    @property
    def _ring_file(self) -> Path:
        return self.keys_dir / "ring.json"

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        try:
            self.keys_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.keys_dir / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
        except OSError as exc:
            raise AuthConfigError(f"key directory {self.keys_dir}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _read_ring(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """(active entries, retired entries); retired ones carry only their public JWK."""
        try:
            data = json.loads(self._ring_file.read_text("utf-8"))
            keys = data["keys"]
            retired = data.get("retired", [])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise AuthConfigError(f"key ring {self._ring_file}: unreadable ({exc})") from None
        if not isinstance(keys, list) or not keys or not isinstance(retired, list):
            raise AuthConfigError(f"key ring {self._ring_file}: lists no keys")
        return keys, retired

    def _write_ring(self, entries: list[dict[str, Any]], retired: list[dict[str, Any]]) -> None:
        tmp = self._ring_file.with_suffix(".tmp")
        tmp.write_text(json.dumps({"keys": entries, "retired": retired}, indent=2), "utf-8")
        os.replace(tmp, self._ring_file)

    def _add_key_locked(self) -> str:
        kid = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + secrets.token_hex(4)
        key = ECKey.generate_key("P-256", {"kid": kid, "alg": ALGORITHM, "use": "sig"})
        pem_path = self.keys_dir / f"{kid}.pem"
        fd = os.open(pem_path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(key.as_pem(private=True))
        entries, retired = self._read_ring() if self._ring_file.exists() else ([], [])
        now = datetime.now(UTC)
        entries.append({"kid": kid, "created_at": now.isoformat()})
        for old in entries[: -self.retain]:
            pem_path = self.keys_dir / f"{old['kid']}.pem"
            try:
                public = ECKey.import_key(pem_path.read_bytes()).as_dict(private=False)
                retired.append(
                    {
                        "kid": old["kid"],
                        "retired_at": now.isoformat(),
                        "jwk": {**public, "kid": old["kid"], "alg": ALGORITHM, "use": "sig"},
                    }
                )
            except OSError:
                pass  # already gone: nothing left to publish
            pem_path.unlink(missing_ok=True)  # a retired private key must not linger on disk
        cutoff = now.timestamp() - self.publish_retired_s
        retired = [
            r for r in retired if datetime.fromisoformat(r["retired_at"]).timestamp() > cutoff
        ]
        self._write_ring(entries[-self.retain :], retired)
        return kid

    def _load(self) -> None:
        try:
            mtime = self._ring_file.stat().st_mtime_ns
        except OSError:
            mtime = 0
        entries, retired = self._read_ring()
        keys: dict[str, ECKey] = {}
        for entry in entries:
            kid = str(entry["kid"])
            pem_path = self.keys_dir / f"{kid}.pem"
            try:
                pem = pem_path.read_bytes()
            except OSError as exc:
                raise AuthConfigError(f"signing key {pem_path}: {exc.strerror}") from None
            if os.stat(pem_path).st_mode & 0o077:
                raise AuthConfigError(f"signing key {pem_path} is readable by others: chmod 600 it")
            keys[kid] = ECKey.import_key(pem, {"kid": kid, "alg": ALGORITHM, "use": "sig"})
        order = [str(e["kid"]) for e in entries]
        active = [keys[k].as_dict(private=False) for k in order]
        old = [dict(r["jwk"]) for r in retired if isinstance(r, dict) and "jwk" in r]
        try:
            public = KeySet.import_key_set({"keys": active})
            published = KeySet.import_key_set({"keys": [*old, *active]})
        except (JoseError, ValueError, TypeError) as exc:
            raise AuthConfigError(f"key ring {self._ring_file}: bad public key ({exc})") from None
        with self._lock:
            self._keys = keys
            self._order = order
            # Built once per load: verifying is on every request's path.
            self._public = public
            self._published = published
            self._published_jwks = [*old, *active]
            self._loaded_at = time.monotonic()
            self._ring_mtime = mtime

    def reload(self) -> None:
        self._load()

    def _ring_changed(self) -> bool:
        try:
            mtime = self._ring_file.stat().st_mtime_ns
        except OSError:
            return False
        with self._lock:
            self._loaded_at = time.monotonic()  # checked now; do not stat again for a while
            changed = mtime != self._ring_mtime
        return changed

    # -- public --------------------------------------------------------------------------------

    @property
    def current_kid(self) -> str:
        with self._lock:
            return self._order[-1]

    @property
    def kids(self) -> list[str]:
        with self._lock:
            return list(self._order)

    def rotate(self) -> str:
        """Make a new current key; keep the newest `retain - 1` previous keys for verifying."""
        with self._file_lock():
            kid = self._add_key_locked()
        self._load()
        return kid

    def withdraw(self, kid: str) -> None:
        """Remove a key entirely — private file and published public half — e.g. after a
        compromise: nothing it signed verifies any more. The current key cannot be withdrawn;
        rotate first."""
        with self._file_lock():
            entries, retired = self._read_ring()
            if entries[-1]["kid"] == kid:
                raise ValueError("that is the current signing key: rotate first, then withdraw it")
            known = {e["kid"] for e in entries} | {r.get("kid") for r in retired}
            if kid not in known:
                raise ValueError(f"no key {kid!r} in the ring")
            self._write_ring(
                [e for e in entries if e["kid"] != kid], [r for r in retired if r.get("kid") != kid]
            )
            (self.keys_dir / f"{kid}.pem").unlink(missing_ok=True)
        self._load()

    def jwks(self) -> dict[str, Any]:
        """The published public key set (RFC 7517): retired keys still in their publication
        window first, then the active keys, the current key last."""
        with self._lock:
            return {"keys": [dict(k) for k in self._published_jwks]}

    def public_key_set(self, *, include_retired: bool = False) -> KeySet:
        with self._lock:
            return self._published if include_retired else self._public

    def sign(self, payload: Mapping[str, Any], *, typ: str = "JWT") -> str:
        """Sign a JSON object as a compact JWS with the current key.

        The header is `{"alg": "ES256", "kid": <current>, "typ": typ}`; the payload is the
        canonical JSON of `payload` (sorted keys, no spaces), so equal payloads sign to equal
        bytes. Use `typ="at+jwt"` for access tokens, `"JWT"` for officer tokens, and your own
        media type (e.g. `"noc+jws"`) for documents such as NOC certificates; verifiers can
        then refuse to accept one kind of signed object as another.
        """
        with self._lock:
            kid = self._order[-1]
            key = self._keys[kid]
        header = {"alg": ALGORITHM, "kid": kid, "typ": typ}
        body = json.dumps(dict(payload), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return jws.serialize_compact(header, body.encode("utf-8"), key, algorithms=[ALGORITHM])

    def verify(
        self, token: str, *, typ: str | None = None, include_retired: bool = False
    ) -> Verified:
        """Verify a compact JWS this ring signed with an active key (with `include_retired`,
        also with a retired key still published: for long-lived documents such as NOC
        certificates, never for bearer tokens). With `typ`, the header's `typ` must equal it
        (case-insensitive, per RFC 7515 §4.1.9)."""
        header = peek_header(token)
        check_algorithm(header)
        kid = header.get("kid")
        with self._lock:
            known = kid in self._keys
            age = time.monotonic() - self._loaded_at
        # Another process (`icjs token rotate-keys`, `withdraw-key`) may have changed the ring:
        # reload at once for an unknown kid, and otherwise notice changes within a minute.
        if (not known and isinstance(kid, str) and age > _RELOAD_MIN_INTERVAL_S) or (
            age > _RECHECK_S and self._ring_changed()
        ):
            self._load()
        verified = self._verify_signature(
            token, self.public_key_set(include_retired=include_retired)
        )
        if typ is not None and str(verified.header.get("typ", "")).lower() != typ.lower():
            raise InvalidSignature(f"expected a token of type {typ!r}")
        return verified

    def _verify_signature(self, token: str, keys: KeySet) -> Verified:
        """`verify_with`, remembered per token and key set: the same bytes verified by the same
        keys verify again. A reloaded ring (rotation, withdrawal) is a new key set, so nothing
        verified before it is taken from the memo. Claims (expiry, audience) are the caller's
        to check on every use, as before."""
        memo = self._verified.get(token)
        if memo is not None and memo[0] is keys:
            verified = memo[1]
        else:
            verified = verify_with(token, keys)
            if len(self._verified) >= _VERIFIED_MEMO:
                self._verified.clear()
            self._verified[token] = (keys, verified)
        # copies: a caller may not change what the next request is handed
        return Verified(header=dict(verified.header), payload=dict(verified.payload))


def decode_jwt(token: str, keys: KeySet) -> dict[str, Any]:
    """Verify a JWT's signature with joserfc against `keys` (algorithm allow-listed) and return
    its claims; claim checks (exp, aud, iss) are the caller's."""
    header = peek_header(token)
    check_algorithm(header)
    try:
        return dict(jwt.decode(token, keys, algorithms=list(ALLOWED_ALGORITHMS)).claims)
    except JoseError:
        raise InvalidSignature("the token signature does not verify") from None

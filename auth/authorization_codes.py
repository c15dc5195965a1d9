"""Authorisation codes for the authorisation-code grant with PKCE (RFC 6749 s4.1, RFC 7636).

A code is issued to a registered first-party client for its registered redirect URI, bound to
the client's S256 code challenge (plain is refused), lives `CODE_TTL_S` seconds and is redeemed
once: the second redemption of a code, the wrong verifier, client or redirect URI all fail the
same way. Codes are kept hashed, in memory, on the node that issued them (the console redeems
them on the node it signed in on; see docs/decisions.md).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from authlib.oauth2.rfc7636 import create_s256_code_challenge

CODE_TTL_S = 60.0
_MAX_PENDING = 10_000


@dataclass(frozen=True)
class Grant:
    subject: str
    client_id: str
    redirect_uri: str
    code_challenge: str
    expires_at: float


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class AuthorizationCodes:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._grants: dict[str, Grant] = {}

    def issue(self, *, subject: str, client_id: str, redirect_uri: str, challenge: str) -> str:
        code = secrets.token_urlsafe(32)
        now = self._clock()
        with self._lock:
            self._grants = {k: g for k, g in self._grants.items() if g.expires_at > now}
            if len(self._grants) >= _MAX_PENDING:
                raise OverflowError("too many sign-ins in progress; try again in a minute")
            self._grants[_digest(code)] = Grant(
                subject, client_id, redirect_uri, challenge, now + CODE_TTL_S
            )
        return code

    def redeem(self, code: str, *, client_id: str, redirect_uri: str, verifier: str) -> str | None:
        """The subject the code was issued for, or None; the code is spent either way."""
        with self._lock:
            grant = self._grants.pop(_digest(code), None)
        if grant is None or grant.expires_at <= self._clock():
            return None
        expected = create_s256_code_challenge(verifier)
        if not (
            hmac.compare_digest(expected, grant.code_challenge)
            and grant.client_id == client_id
            and grant.redirect_uri == redirect_uri
        ):
            return None
        return grant.subject

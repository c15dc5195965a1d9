"""Authorisation codes for the authorisation-code grant with PKCE (RFC 6749 s4.1, RFC 7636).

A code is issued to a registered first-party client for its registered redirect URI, bound to
the client's S256 code challenge (plain is refused), lives `CODE_TTL_S` seconds and is redeemed
once: the second redemption of a code, the wrong verifier, client or redirect URI all fail the
same way. Codes are kept hashed in the state database (`state.authorization_codes`), so the
callback may reach any API worker or machine behind the balancer, not only the one that issued
the code; times are wall-clock seconds, which every worker shares.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from authlib.oauth2.rfc7636 import create_s256_code_challenge

from state import Database
from state.authorization_codes import CodeRows

CODE_TTL_S = 60.0
_MAX_PENDING = 10_000


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


class AuthorizationCodes:
    def __init__(
        self,
        target: Database | Path,
        *,
        migrate: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._rows = CodeRows(target, migrate=migrate)
        self._clock = clock

    def close(self) -> None:
        self._rows.close()

    def issue(self, *, subject: str, client_id: str, redirect_uri: str, challenge: str) -> str:
        code = secrets.token_urlsafe(32)
        now = self._clock()
        row = {
            "digest": _digest(code),
            "subject": subject,
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "code_challenge": challenge,
            "expires_at": now + CODE_TTL_S,
        }
        if not self._rows.add(row, now=now, max_pending=_MAX_PENDING):
            raise OverflowError("too many sign-ins in progress; try again in a minute")
        return code

    def redeem(self, code: str, *, client_id: str, redirect_uri: str, verifier: str) -> str | None:
        """The subject the code was issued for, or None; the code is spent either way."""
        grant = self._rows.take(_digest(code))
        if grant is None or grant["expires_at"] <= self._clock():
            return None
        expected = create_s256_code_challenge(verifier)
        if not (
            hmac.compare_digest(expected, grant["code_challenge"])
            and grant["client_id"] == client_id
            and grant["redirect_uri"] == redirect_uri
        ):
            return None
        return str(grant["subject"])

"""The console's session: a signed cookie, its CSRF token and its idle lock.

The cookie holds the officer's identity token (verified again on every request, exactly as a
`Bearer` token is), when the officer was last active, and a random CSRF token; it is signed
with HMAC-SHA256 under a key kept beside the signing keys (`<auth.keys_dir>/console.key`,
created on first use), so it cannot be forged or edited. It is `Secure`, `HttpOnly` and
`SameSite=Strict`. Each page re-issues it with the new activity time; a session idle for
`idle_lock_s` (30 minutes, as the CJIS security policy asks, 5.5.5) is refused and must sign in
again. Every form that changes something or reads personal data carries the CSRF token, which
must match the session's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.responses import Response

SESSION_COOKIE = "icjs_console"
PENDING_COOKIE = "icjs_signin"
IDLE_LOCK_S = 30 * 60
SESSION_MAX_S = 8 * 3600  # one shift; the identity token lives as long


def load_key(keys_dir: Path) -> bytes:
    """The cookie-signing key, created (0600) on first use."""
    path = keys_dir / "console.key"
    if not path.exists():
        keys_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(secrets.token_bytes(32))
    return path.read_bytes()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Session:
    token: str
    csrf: str
    seen: float
    name: str


@dataclass
class Sessions:
    key: bytes
    idle_lock_s: float = IDLE_LOCK_S
    clock: Callable[[], float] = time.time

    def sign(self, payload: dict[str, Any]) -> str:
        body = _b64(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
        mac = hmac.new(self.key, body.encode("ascii"), hashlib.sha256).digest()
        return f"{body}.{_b64(mac)}"

    def unsign(self, value: str | None) -> dict[str, Any] | None:
        if not value or value.count(".") != 1:
            return None
        body, mac = value.split(".")
        expected = hmac.new(self.key, body.encode("ascii"), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_unb64(mac), expected):
                return None
            data = json.loads(_unb64(body))
        except ValueError:
            return None
        return data if isinstance(data, dict) else None

    def new(self, token: str, name: str) -> Session:
        return Session(token=token, csrf=secrets.token_urlsafe(24), seen=self.clock(), name=name)

    def read(self, value: str | None) -> tuple[Session | None, bool]:
        """The session in a cookie and whether it was locked for idleness."""
        data = self.unsign(value)
        if data is None:
            return None, False
        try:
            session = Session(str(data["t"]), str(data["c"]), float(data["s"]), str(data["n"]))
        except (KeyError, TypeError, ValueError):
            return None, False
        if self.clock() - session.seen > self.idle_lock_s:
            return None, True
        return session, False

    def touch(self, session: Session) -> Session:
        return Session(session.token, session.csrf, self.clock(), session.name)

    def write(self, response: Response, session: Session) -> None:
        value = self.sign(
            {"t": session.token, "c": session.csrf, "s": session.seen, "n": session.name}
        )
        set_cookie(response, SESSION_COOKIE, value, max_age=SESSION_MAX_S)

    def check_csrf(self, session: Session, sent: str | None) -> bool:
        return bool(sent) and hmac.compare_digest(session.csrf, str(sent))


def set_cookie(response: Response, name: str, value: str, *, max_age: int) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", secure=True, httponly=True, samesite="strict"
    )


def clear_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/", secure=True, httponly=True, samesite="strict")

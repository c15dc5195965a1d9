"""OAuth2 client credentials as e-Prisons and NCRP run it (sources/eprisons.md, README.md):
`POST /oauth/token` with HTTP-basic client authentication only, bearer tokens that expire (15
minutes by default), `401 {"error": "invalid_client"}` for a bad client and `401
{"error": "invalid_token"}` for a missing, unknown or expired token."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
import threading
import time
from urllib.parse import parse_qsl

from simulators.faults import FaultState
from simulators.servers.base import (
    AdminHooks,
    HttpError,
    Request,
    Response,
    SourceApp,
    json_response,
)
from simulators.world.store import Store

TOKEN_PATH = "/oauth/token"


def basic_credentials(req: Request) -> tuple[str, str] | None:
    """(user, password) from an `Authorization: Basic` header, or None."""
    header = req.header("authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


class OAuthApp(SourceApp):
    """A source whose data endpoints need a bearer token from its own token endpoint."""

    def __init__(
        self,
        store: Store,
        faults: FaultState,
        admin: AdminHooks,
        client_id: str,
        client_secret: str,
        secret: bytes,
        token_ttl_s: float = 900.0,
    ):
        super().__init__(faults, admin)
        self.store = store
        self.client_id = client_id
        self.client_secret = client_secret
        self.secret = secret
        self.token_ttl_s = token_ttl_s
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def is_token_endpoint(self, req: Request) -> bool:
        return req.path == TOKEN_PATH

    def handle_token(self, req: Request) -> Response:
        if req.method != "POST":
            raise HttpError(405, "method_not_allowed", "use POST")
        creds = basic_credentials(req)
        if creds is None or not (
            hmac.compare_digest(creds[0].encode(), self.client_id.encode())
            and hmac.compare_digest(creds[1].encode(), self.client_secret.encode())
        ):
            raise HttpError(
                401,
                "invalid_client",
                "client authentication failed (HTTP basic only)",
                {"WWW-Authenticate": 'Basic realm="oauth"'},
            )
        form = dict(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("grant_type") != "client_credentials":
            raise HttpError(400, "unsupported_grant_type", "grant_type must be client_credentials")
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = time.time()
            self._tokens = {t: exp for t, exp in self._tokens.items() if exp > now}
            self._tokens[token] = now + self.token_ttl_s
        return json_response(
            {"access_token": token, "expires_in": int(self.token_ttl_s), "token_type": "Bearer"},
            headers={"Cache-Control": "no-store"},
        )

    def authenticate(self, req: Request) -> None:
        header = req.header("authorization") or ""
        scheme, _, token = header.partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
        if scheme.lower() != "bearer" or not token:
            raise HttpError(401, "invalid_token", "a bearer token is required", challenge)
        with self._lock:
            expiry = self._tokens.get(token.strip())
        if expiry is None or expiry <= time.time():
            raise HttpError(
                401, "invalid_token", "the access token is unknown or has expired", challenge
            )
        if self.faults.chance(self.faults.spec.rate_token_expiry, "token_expired"):
            with self._lock:
                self._tokens.pop(token.strip(), None)
            raise HttpError(401, "invalid_token", "the access token has expired", challenge)

    def route(self, req: Request) -> Response:
        if req.path == TOKEN_PATH:
            return self.handle_token(req)
        return self.data_route(req)

    def data_route(self, req: Request) -> Response:
        raise HttpError(404, "not_found", "no such resource")

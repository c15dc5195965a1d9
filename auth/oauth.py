"""The OAuth2 authorization server for partner agencies, on authlib's framework-agnostic core.

What it does (and the standards it follows):

- client-credentials grant (RFC 6749 §4.4) — the only grant: partners are systems, not people;
- client authentication by `client_secret_basic` (RFC 6749 §2.3.1; credentials that are not
  base64 of UTF-8 `client_id:secret` are `invalid_client`, read before authlib sees them) or
  `private_key_jwt` (RFC 7523 §2.2, assertions single-use by `jti` and valid for at most
  `auth.max_assertion_lifetime_s`, five minutes by default);
- certificate-bound access tokens (RFC 8705 §3): a client that presents a TLS certificate gets
  a token carrying `cnf: {"x5t#S256": …}`, usable only with that certificate; a client
  registered with a pinned certificate or as certificate-bound must present one;
- JWT access tokens (RFC 9068, `typ: at+jwt`) signed by the key ring (see `auth.tokens`);
- token introspection (RFC 7662) and revocation (RFC 7009), each by an authenticated client for
  its own tokens;
- server metadata (RFC 8414) via `metadata()`.

Scope escalation is refused: a request for a scope the registration (or the role's policy) does
not grant fails with `invalid_scope`; a request without `scope` gets everything granted.

Framework glue is small on purpose: the web layer reads the form body, builds a `FormRequest`,
and calls `token_response`, `introspection_response` or `revocation_response`, each returning
`(status, body, headers)`. Calls are blocking (scrypt, SQLite): run them in a worker thread.
"""

from __future__ import annotations

import base64
import binascii
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

from authlib.oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import (
    ClientMixin,
    InvalidClientError,
    InvalidScopeError,
    OAuth2Request,
    TokenMixin,
)
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from joserfc.jwk import KeySet

from auth.clients import AUTH_PRIVATE_KEY_JWT, AUTH_SECRET_BASIC, Client
from auth.keys import InvalidSignature, peek_payload
from auth.officers import EXTERNAL_ALGORITHMS
from auth.principal import Role
from auth.service import AuthService
from auth.tokens import ACCESS_TOKEN_TYP, ClaimError, check_registered_claims
from records.text import printable

CLIENT_AUTH_METHODS = [AUTH_SECRET_BASIC, AUTH_PRIVATE_KEY_JWT]
TOKEN_PATH = "/oauth/token"
INTROSPECT_PATH = "/oauth/introspect"
REVOKE_PATH = "/oauth/revoke"
JWKS_PATH = "/.well-known/jwks.json"
METADATA_PATH = "/.well-known/oauth-authorization-server"

Response = tuple[int, dict[str, Any], list[tuple[str, str]]]


class FormRequest(OAuth2Request):  # type: ignore[misc]
    """An OAuth2 request already read off the wire: method, URL, headers, form fields, and the
    thumbprint (RFC 8705 `x5t#S256`) of the client's TLS certificate, if it presented one."""

    def __init__(
        self,
        method: str,
        uri: str,
        headers: Mapping[str, str],
        form: Mapping[str, str],
        cert_thumbprint: str | None = None,
    ) -> None:
        # Keep the caller's mapping: Starlette's `Headers` is case-insensitive, a dict is not.
        super().__init__(method=method, uri=uri, headers=headers)
        self._form = dict(form)
        self.payload = BasicOAuth2Payload(self._form)
        self.cert_thumbprint = cert_thumbprint

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self._form


class MalformedCredentials(Exception):
    """`Authorization: Basic` credentials that cannot be read; the message says why."""


def basic_credentials(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """The (client id, secret) of an `Authorization: Basic` header (RFC 6749 §2.3.1: each
    form-urlencoded, then base64 of UTF-8 `id:secret`), None without one, or
    `MalformedCredentials`. authlib decodes these without catching a bad encoding (a 500), so
    the web layer asks here first."""
    value = headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        raise MalformedCredentials(
            "the Basic credentials are not base64 of UTF-8 text 'client_id:client_secret'"
        ) from None
    client_id, sep, secret = decoded.partition(":")
    client_id, secret = unquote(client_id), unquote(secret)
    if not sep or not client_id or printable(client_id + secret) != client_id + secret:
        raise MalformedCredentials(
            "the Basic credentials must be 'client_id:client_secret', without control characters"
        )
    return client_id, secret


def claimed_client_id(request: FormRequest) -> str | None:
    """The client id a request claims, before anything is verified (throttling and audit of
    failed attempts need it): from Basic credentials, the form, or the assertion's `sub`."""
    try:
        basic = basic_credentials(request.headers)
    except MalformedCredentials:
        basic = None
    if basic:
        return basic[0][:200]
    form_id = request.form.get("client_id")
    if form_id:
        return form_id[:200]
    assertion = request.form.get("client_assertion")
    if assertion:
        try:
            sub = peek_payload(assertion).get("sub")
        except InvalidSignature:
            return None
        return sub[:200] if isinstance(sub, str) else None
    return None


def _error_text(text: str) -> str:
    """`text` in the characters an OAuth error description may hold (RFC 6749 §5.2: printable
    ASCII but `"` and `\\`); authlib refuses anything else with a ValueError."""
    return "".join(c if 0x20 <= ord(c) <= 0x7E and c not in '"\\' else "?" for c in text)


def _unechoed(respond: Callable[[], Response]) -> Response:
    """authlib's answer; when it would echo a parameter its errors cannot carry (a grant type
    or hint outside printable ASCII), the request is invalid and says so without the value."""
    try:
        return respond()
    except ValueError as exc:
        if "forbidden characters" not in str(exc):
            raise
        return (
            400,
            {
                "error": "invalid_request",
                "error_description": "a parameter holds characters outside printable ASCII",
            },
            [("Cache-Control", "no-store")],
        )


def invalid_client(description: str) -> Response:
    """RFC 6749 §5.2: 401 with a challenge for the scheme the client tried."""
    return (
        401,
        {"error": "invalid_client", "error_description": description},
        [("WWW-Authenticate", 'Basic realm="icjs"'), ("Cache-Control", "no-store")],
    )


class RegisteredClient(ClientMixin):  # type: ignore[misc]
    """authlib's view of a registry entry."""

    def __init__(self, client: Client, service: AuthService) -> None:
        self.client = client
        self._service = service

    @property
    def client_id(self) -> str:
        return self.client.client_id

    def get_client_id(self) -> str:
        return self.client.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "client_credentials"

    def check_client_secret(self, client_secret: str) -> bool:
        # check_secret spends one scrypt hash whether or not the client exists or is enabled.
        ok = self._service.clients.check_secret(self.client.client_id, client_secret)
        return ok and not self.client.disabled

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in self.client.auth_methods

    def get_allowed_scope(self, scope: str | None) -> str:
        return " ".join(sorted(self.granted_scopes(scope)))

    def granted_scopes(self, scope: str | None) -> frozenset[str]:
        if self.client.disabled:
            return frozenset()
        allowed = self.client.scopes & self._service.policy.role_scopes(self.client.role)
        if not scope:
            return allowed
        return frozenset(scope.split()) & allowed


class AccessToken(TokenMixin):  # type: ignore[misc]
    """A verified access token's claims, for introspection and revocation."""

    def __init__(self, claims: dict[str, Any], service: AuthService) -> None:
        self.claims = claims
        self._service = service

    def check_client(self, client: RegisteredClient) -> bool:
        return bool(self.claims.get("client_id") == client.get_client_id())

    def get_scope(self) -> str:
        return str(self.claims.get("scope", ""))

    def get_expires_in(self) -> int:
        return max(0, int(self.claims["exp"]) - int(time.time()))

    def is_expired(self) -> bool:
        return bool(int(self.claims["exp"]) < time.time())

    def is_revoked(self) -> bool:
        jti = self.claims.get("jti")
        if not isinstance(jti, str) or self._service.revocations.is_revoked(jti):
            return True
        client = self._service.clients.get(str(self.claims.get("client_id")))
        return client is None or client.disabled


def _lookup_token(service: AuthService, token_string: str) -> AccessToken | None:
    """One of our access tokens, signature and claims checked, or None (RFC 7662 §2.2: an
    unknown or invalid token is simply not active)."""
    try:
        verified = service.keys.verify(token_string, typ=ACCESS_TOKEN_TYP)
        # Expiry is the endpoints' question (introspection answers active=false), so check the
        # other claims with an expiry far in the future.
        claims = verified.payload
        check_registered_claims(
            {**claims, "exp": time.time() + 3600},
            issuer=service.settings.issuer,
            audience=service.settings.audience,
        )
        if not isinstance(claims.get("exp"), int):
            return None
    except (InvalidSignature, ClaimError):
        return None
    return AccessToken(claims, service)


class _ClientCredentials(ClientCredentialsGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def validate_token_request(self) -> None:
        super().validate_token_request()
        client: Client = self.request.client.client
        presented = self.request.cert_thumbprint
        if client.cert_thumbprint is not None and presented != client.cert_thumbprint:
            raise InvalidClientError(
                description="this client must connect with its registered certificate",
                status_code=401,
            )
        if client.cert_bound and presented is None:
            raise InvalidClientError(
                description="this client's tokens are bound to its certificate: connect with "
                "it (mutual TLS)",
                status_code=401,
            )

    def generate_token(
        self,
        user: Any = None,
        scope: str | None = None,
        grant_type: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = False,
    ) -> dict[str, Any]:
        """An access token for the authenticated client, bound to the certificate it connected
        with, if any (RFC 8705 §3)."""
        client: RegisteredClient = self.request.client
        issued = self.server.service.issuer.issue(
            client.client,
            client.granted_scopes(scope),
            cert_thumbprint=self.request.cert_thumbprint,
        )
        return {
            "token_type": "Bearer",
            "access_token": issued.token,
            "expires_in": issued.expires_in,
            "scope": issued.scope,
        }

    def validate_requested_scope(self) -> None:
        requested = self.request.payload.scope
        client = self.request.client
        if requested:
            if len(requested) > 1000:
                raise InvalidScopeError(description="the scope parameter is too long")
            refused = set(requested.split()) - client.granted_scopes(requested)
            if refused:
                raise InvalidScopeError(
                    description="scope not granted to this client: "
                    + _error_text(" ".join(sorted(refused)))[:300]
                )
        elif not client.granted_scopes(None):
            raise InvalidScopeError(description="this client is granted no scope")


class _PrivateKeyJwt(JWTBearerClientAssertion):  # type: ignore[misc]
    CLIENT_AUTH_METHOD = AUTH_PRIVATE_KEY_JWT

    def __init__(self, service: AuthService) -> None:
        super().__init__(validate_jti=True, leeway=60)
        self._service = service

    def verify_claims(self, claims: Any) -> None:
        """authlib's checks (iss = sub, aud, exp, single-use jti), after ours: an assertion is
        a proof of possession for one request, so it may live minutes, not years (RFC 7523
        §3 lets the server bound `exp`). Checked first, so a refused one spends no `jti`."""
        limit = self._service.settings.max_assertion_lifetime_s
        exp, iat, now = claims.get("exp"), claims.get("iat"), time.time()
        if isinstance(exp, int | float) and not isinstance(exp, bool):
            if exp > now + limit + self.leeway:
                raise InvalidClientError(
                    description=f"the client assertion expires too late: at most {limit} s"
                )
            if isinstance(iat, int | float) and not isinstance(iat, bool) and exp - iat > limit:
                raise InvalidClientError(
                    description=f"the client assertion lives longer than {limit} s (exp - iat)"
                )
        super().verify_claims(claims)

    def authenticate_client(self, client: RegisteredClient) -> RegisteredClient:
        if client.client.disabled:  # the stand-in for an unknown or disabled client
            raise InvalidClientError(description="client authentication failed")
        result: RegisteredClient = super().authenticate_client(client)
        return result

    def get_audiences(self) -> list[str]:
        issuer = self._service.settings.issuer.rstrip("/")
        return [issuer + TOKEN_PATH, issuer]

    def validate_jti(self, claims: Mapping[str, Any], jti: str) -> bool:
        exp = claims.get("exp")
        expires = int(exp) if isinstance(exp, int | float) else int(time.time()) + 3600
        return self._service.revocations.first_use_of_assertion(str(claims["sub"]), jti, expires)

    def resolve_client_public_key(self, client: RegisteredClient) -> KeySet:
        jwks = (not client.client.disabled and client.client.jwks) or {"keys": []}
        return KeySet.import_key_set(jwks)  # type: ignore[arg-type]


class _Introspection(IntrospectionEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def __init__(self, server: OAuthServer) -> None:
        super().__init__(server)
        self._service = server.service

    def query_token(self, token_string: str, token_type_hint: str | None) -> AccessToken | None:
        return _lookup_token(self._service, token_string)

    def check_permission(
        self, token: AccessToken, client: RegisteredClient, request: FormRequest
    ) -> bool:
        return token.check_client(client)

    def introspect_token(self, token: AccessToken) -> dict[str, Any]:
        c = token.claims
        out = {
            "active": True,
            "token_type": "Bearer",
            "scope": c.get("scope", ""),
            "client_id": c.get("client_id"),
            "sub": c.get("sub"),
            "aud": c.get("aud"),
            "iss": c.get("iss"),
            "exp": c.get("exp"),
            "iat": c.get("iat"),
            "jti": c.get("jti"),
            "role": c.get("role"),
            "agency": c.get("agency"),
        }
        for extra in ("sources", "fields", "nbf", "cnf"):
            if extra in c:
                out[extra] = c[extra]
        return out


class _Revocation(RevocationEndpoint):  # type: ignore[misc]
    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def __init__(self, server: OAuthServer) -> None:
        super().__init__(server)
        self._service = server.service

    def query_token(self, token_string: str, token_type_hint: str | None) -> AccessToken | None:
        return _lookup_token(self._service, token_string)

    def revoke_token(self, token: AccessToken, request: FormRequest) -> None:
        self._service.revocations.revoke(
            str(token.claims["jti"]), token.claims.get("client_id"), int(token.claims["exp"])
        )


class OAuthServer(AuthorizationServer):  # type: ignore[misc]
    def __init__(self, service: AuthService) -> None:
        super().__init__(scopes_supported=sorted(service.policy.known_scopes()))
        self.service = service
        self.register_client_auth_method(AUTH_PRIVATE_KEY_JWT, _PrivateKeyJwt(service))
        self.register_grant(_ClientCredentials)
        self.register_endpoint(_Introspection(self))
        self.register_endpoint(_Revocation(self))

    # authlib hooks ---------------------------------------------------------------------------

    def query_client(self, client_id: str) -> RegisteredClient | None:
        """An unknown or disabled client gets a stand-in that fails authentication the same
        way, after the same scrypt work, as a wrong secret: neither the error text nor the
        response time says which client ids exist."""
        if not isinstance(client_id, str) or not client_id or len(client_id) > 200:
            return None
        client = self.service.clients.get(client_id)
        if client is None or client.disabled:
            client = Client(
                client_id=client_id,
                agency="-",
                role=Role.PARTNER,
                scopes=frozenset(),
                sources=frozenset(),
                fields=frozenset(),
                has_secret=True,
                jwks=None,
                disabled=True,
                created_at="",
            )
        return RegisteredClient(client, self.service)

    def save_token(self, token: dict[str, Any], request: FormRequest) -> None:
        """Nothing to store: access tokens are self-contained JWTs; revocation is by jti."""

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal bus here; authlib calls this after authentication and revocation."""

    def create_oauth2_request(self, request: FormRequest) -> FormRequest:
        return request

    def create_json_request(self, request: FormRequest) -> FormRequest:
        return request

    def handle_response(self, status: int, body: Any, headers: list[tuple[str, str]]) -> Response:
        return status, dict(body) if isinstance(body, Mapping) else {}, list(headers)

    # the web layer's entry points ----------------------------------------------------------

    def token_response(self, request: FormRequest) -> Response:
        return self._checked(request) or _unechoed(lambda: self.create_token_response(request))

    def introspection_response(self, request: FormRequest) -> Response:
        return self._checked(request) or _unechoed(
            lambda: self.create_endpoint_response("introspection", request)
        )

    def revocation_response(self, request: FormRequest) -> Response:
        return self._checked(request) or _unechoed(
            lambda: self.create_endpoint_response("revocation", request)
        )

    @staticmethod
    def _checked(request: FormRequest) -> Response | None:
        """What authlib must not be handed: unreadable Basic credentials (`invalid_client`)."""
        try:
            basic_credentials(request.headers)
        except MalformedCredentials as exc:
            return invalid_client(str(exc))
        return None

    def metadata(self) -> dict[str, Any]:
        """RFC 8414 authorization server metadata."""
        issuer = self.service.settings.issuer.rstrip("/")
        return {
            "issuer": self.service.settings.issuer,
            "token_endpoint": issuer + TOKEN_PATH,
            "jwks_uri": issuer + JWKS_PATH,
            "introspection_endpoint": issuer + INTROSPECT_PATH,
            "revocation_endpoint": issuer + REVOKE_PATH,
            "grant_types_supported": ["client_credentials"],
            # No authorization endpoint: "none" (OAuth 2.0 Multiple Response Type Encoding
            # Practices) says no response type is issued from one.
            "response_types_supported": ["none"],
            "scopes_supported": sorted(self.service.policy.known_scopes()),
            "token_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
            "token_endpoint_auth_signing_alg_values_supported": list(EXTERNAL_ALGORITHMS),
            "introspection_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
            "introspection_endpoint_auth_signing_alg_values_supported": list(EXTERNAL_ALGORITHMS),
            "revocation_endpoint_auth_methods_supported": CLIENT_AUTH_METHODS,
            "revocation_endpoint_auth_signing_alg_values_supported": list(EXTERNAL_ALGORITHMS),
            "service_documentation": issuer + "/docs",
            "tls_client_certificate_bound_access_tokens": True,
        }

    def request_uri(self, path: str) -> str:
        """The URI authlib checks for HTTPS: built from the configured issuer, so a server
        behind a TLS-terminating proxy is judged by its public address."""
        return self.service.settings.issuer.rstrip("/") + path

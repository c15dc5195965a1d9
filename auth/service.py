"""`AuthService`: everything authentication needs, built once from `config.AuthSettings`.

The app factory builds one and stores it as `app.state.auth` (and its `audit` log as
`app.state.audit`); `api.security.require_scope` reads it from there. It holds the key ring, the
client registry, the revocation store, the policy, the audit log, the officer-token verifier and
the OAuth2 access-token issuer, and answers one question per request:

    caller = auth.authenticate(request.headers.get("Authorization"))

which returns a `Caller` or raises `Unauthenticated` (401, with `WWW-Authenticate`). A token bound
to a TLS certificate (RFC 8705 `cnf.x5t#S256`, partner or officer alike) is accepted only with the
thumbprint of the certificate the request came with (`cert_thumbprint=`). Scope checks are
`auth.require(caller, scope)` (raises `Forbidden`, 403).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from auth.clients import ClientRegistry
from auth.errors import AuthConfigError, Forbidden, Unauthenticated
from auth.keys import InvalidSignature, KeyRing, peek_header, peek_payload
from auth.officers import (
    DemoIssuer,
    OfficerTokenError,
    OfficerVerifier,
    RemoteJwks,
    RingKeys,
    TrustedIssuer,
)
from auth.policy import Policy
from auth.principal import Caller, Role
from auth.throttle import FAILURE_WINDOW_S
from auth.tokens import (
    ACCESS_TOKEN_TYP,
    AccessTokenIssuer,
    ClaimError,
    bound_thumbprint,
    check_registered_claims,
)
from config.settings import AuthSettings
from state.audit import AuditLog
from state.databases import StateDatabases
from state.lockouts import SharedFailures
from state.revocations import RevocationStore

_MAX_TOKEN_CHARS = 8192  # far above any token we issue; stops a 10 MB header being parsed


def demo_issuer_url(settings: AuthSettings) -> str:
    return settings.issuer.rstrip("/") + "/idp"


@dataclass
class AuthService:
    settings: AuthSettings
    keys: KeyRing
    clients: ClientRegistry
    revocations: RevocationStore
    policy: Policy
    audit: AuditLog
    failures: SharedFailures  # token-endpoint failures and lock-outs, shared by every node
    officers: OfficerVerifier
    issuer: AccessTokenIssuer
    demo: DemoIssuer | None
    # what the policy gives each role, built once per policy (it is immutable) rather than on
    # every officer's request
    _scopes_of: tuple[Policy, dict[Role, frozenset[str]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    @classmethod
    def from_settings(
        cls, settings: AuthSettings, state: StateDatabases | None = None
    ) -> AuthService:
        """`state`: where the registry, revocations, lock-outs and audit log live; None: the
        SQLite files `settings` names."""
        keys = KeyRing.open(settings.keys_dir)
        policy = Policy.load(settings.policy_path)
        if settings.officer_jwks_url:
            if not settings.officer_issuers:
                raise AuthConfigError(
                    "auth.officer_jwks_url is set but auth.officer_issuers is empty"
                )
            remote = RemoteJwks(settings.officer_jwks_url)
            trusted = [TrustedIssuer(iss, remote) for iss in settings.officer_issuers]
            demo = None
        else:
            demo = DemoIssuer(keys, issuer=demo_issuer_url(settings), audience=settings.audience)
            trusted = [TrustedIssuer(demo.issuer, RingKeys(keys))]
        auth_db = state.auth if state else settings.db_path
        migrate = state.migrate if state else True
        return cls(
            settings=settings,
            keys=keys,
            clients=ClientRegistry(auth_db, migrate=migrate),
            revocations=RevocationStore(auth_db, migrate=migrate),
            policy=policy,
            audit=AuditLog(state.audit if state else settings.audit_path, migrate=migrate),
            failures=SharedFailures(auth_db, window_s=FAILURE_WINDOW_S, migrate=migrate),
            officers=OfficerVerifier(trusted, settings.audience),
            issuer=AccessTokenIssuer(
                keys,
                issuer=settings.issuer,
                audience=settings.audience,
                ttl_s=settings.token_ttl_s,
            ),
            demo=demo,
        )

    def close(self) -> None:
        self.clients.close()
        self.revocations.close()
        self.failures.close()
        self.audit.close()

    # -- per request ---------------------------------------------------------------------------

    def authenticate(self, authorization: str | None, cert_thumbprint: str | None = None) -> Caller:
        """The `Caller` a bearer token proves, or `Unauthenticated`. `cert_thumbprint`: the
        x5t#S256 of the client certificate the request came with, if any."""
        token = _bearer(authorization)
        try:
            header = peek_header(token)
            claims = peek_payload(token)
        except InvalidSignature as exc:
            raise Unauthenticated(str(exc)) from None
        if claims.get("iss") == self.settings.issuer:
            if str(header.get("typ", "")).lower() != ACCESS_TOKEN_TYP:
                raise Unauthenticated("the token is not an access token (typ must be at+jwt)")
            caller = self._client_caller(token)
        elif self.officers.trusts(claims.get("iss")):
            try:
                caller = self.officers.verify(token, self._role_scopes())
            except (InvalidSignature, OfficerTokenError) as exc:
                raise Unauthenticated(str(exc)) from None
        else:
            raise Unauthenticated("the token's issuer is not trusted by this service")
        try:
            bound = bound_thumbprint(claims)
        except ClaimError as exc:
            raise Unauthenticated(str(exc)) from None
        if bound is not None and bound != cert_thumbprint:
            raise Unauthenticated(
                "this token is bound to a client certificate (RFC 8705): send it over a "
                "connection made with that certificate"
            )
        if caller.token_id and self.revocations.is_revoked(caller.token_id):
            raise Unauthenticated("the token has been revoked")
        return caller

    def require(self, caller: Caller, scope: str) -> None:
        decision = self.policy.allows(caller, scope)
        if not decision:
            raise Forbidden(
                f"{decision.reason}; this route needs scope {scope}", missing_scope=scope
            )

    def _role_scopes(self) -> dict[Role, frozenset[str]]:
        known = self._scopes_of
        if known is None or known[0] is not self.policy:
            known = (self.policy, {role: self.policy.role_scopes(role) for role in Role})
            self._scopes_of = known
        return known[1]

    def _client_caller(self, token: str) -> Caller:
        try:
            verified = self.keys.verify(token, typ=ACCESS_TOKEN_TYP)
            claims = verified.payload
            check_registered_claims(
                claims, issuer=self.settings.issuer, audience=self.settings.audience
            )
        except (InvalidSignature, ClaimError) as exc:
            raise Unauthenticated(str(exc)) from None
        client_id = claims.get("client_id")
        client = self.clients.get(client_id) if isinstance(client_id, str) else None
        if client is None or client.disabled:
            raise Unauthenticated("the client this token was issued to is disabled or unknown")
        if (client.cert_bound or client.cert_thumbprint) and "cnf" not in claims:
            raise Unauthenticated(
                "this client's tokens must be bound to its certificate: get a new token over "
                "mutual TLS"
            )
        token_scopes = frozenset(str(claims.get("scope", "")).split())
        # The registration as it is now, not as it was at issue: narrowing a client narrows its
        # live tokens too.
        scopes = token_scopes & client.scopes & self.policy.role_scopes(client.role)
        return Caller(
            subject=client.client_id,
            role=client.role,
            scopes=scopes,
            agency=client.agency,
            client_id=client.client_id,
            sources=client.sources,
            fields=client.fields,
            hit_flag=client.hit_flag,
            clearances=client.clearances,
            token_id=claims.get("jti") if isinstance(claims.get("jti"), str) else None,
            issuer=self.settings.issuer,
        )


def _bearer(authorization: str | None) -> str:
    if not authorization:
        raise Unauthenticated(
            "this route needs a bearer token: send 'Authorization: Bearer <token>'", error=None
        )
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated(
            "use the Bearer scheme: 'Authorization: Bearer <token>'", error="invalid_request"
        )
    token = token.strip()
    if len(token) > _MAX_TOKEN_CHARS:
        raise Unauthenticated("the token is too long to be one of ours")
    return token


__all__ = ["AuthService", "demo_issuer_url"]

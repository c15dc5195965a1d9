"""The security dependency: who is calling, and may they call this route?

Usage in a router::

    from api.security import require_scope

    @router.post("/v1/persons/search", name="persons.search")
    def search(body: PersonQuery, caller: Caller = Depends(require_scope("persons:search"))): ...

or, to take the scope from the policy file by route name (so operators can re-map scopes)::

    caller: Caller = Depends(require_route_scope("persons.search"))

The app factory must set, before serving:

    app.state.auth = AuthService.from_settings(settings.auth)   # auth.service.AuthService
    app.state.audit = app.state.auth.audit                      # state.audit.AuditLog

and install `api.audit_middleware.AuditMiddleware` (it reads `app.state.audit`) and the error
handlers for `auth.errors.ProblemError`.

The dependency stores the verified caller on `request.state.caller` (the audit middleware
reads it); on failure it records `request.state.auth_denied` with the reason, then raises
`Unauthenticated` (401, `WWW-Authenticate: Bearer …`) for missing, malformed, expired, forged,
`alg=none`, wrong-audience, untrusted-issuer or revoked tokens, or `Forbidden` (403) when the
token lacks the scope or the role may not hold it.

Route handlers attach audit details with `audit_context(request, purpose=..., record_ids=...)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Request

from auth.errors import Forbidden, ProblemError, Unauthenticated
from auth.principal import Caller
from auth.service import AuthService

from .proxies import Peer

__all__ = [
    "Forbidden",
    "ProblemError",
    "Unauthenticated",
    "audit_context",
    "auth_service",
    "authenticate",
    "require_route_scope",
    "require_scope",
]


def auth_service(request: Request) -> AuthService:
    service = getattr(request.app.state, "auth", None)
    if not isinstance(service, AuthService):
        # A wiring bug, not the caller's fault: fail closed.
        raise ProblemError(503, "Service Unavailable", "authentication is not configured")
    return service


def authenticate(request: Request) -> Caller:
    """The verified caller (no scope check). Stores it on `request.state.caller`."""
    service = auth_service(request)
    peer = getattr(request.state, "peer", None)
    try:
        caller = service.authenticate(
            request.headers.get("authorization"),
            cert_thumbprint=peer.cert_thumbprint if isinstance(peer, Peer) else None,
        )
    except ProblemError as exc:
        request.state.auth_denied = exc.detail
        raise
    request.state.caller = caller
    return caller


def require_scope(scope: str) -> Callable[[Request], Caller]:
    """A FastAPI dependency returning the `Caller` if their token carries `scope` and their
    role's policy allows it."""

    def dependency(request: Request) -> Caller:
        caller = authenticate(request)
        try:
            auth_service(request).require(caller, scope)
        except ProblemError as exc:
            request.state.auth_denied = exc.detail
            raise
        return caller

    dependency.__name__ = f"require_scope_{scope.replace(':', '_')}"
    return dependency


def require_route_scope(route_name: str) -> Callable[[Request], Caller]:
    """Like `require_scope`, with the scope looked up in the policy by route name."""

    def dependency(request: Request) -> Caller:
        scope = auth_service(request).policy.required_scope(route_name)
        return require_scope(scope)(request)

    dependency.__name__ = f"require_route_{route_name.replace('.', '_')}"
    return dependency


def audit_context(
    request: Request,
    *,
    purpose: str | None = None,
    record_ids: Iterable[str] | None = None,
    query: Any = None,
) -> None:
    """Attach what the audit entry for this request should say beyond the HTTP facts: the
    stated purpose, the record ids returned, and the (validated) query. The audit log strips
    anything credential-like from `query`."""
    if purpose is not None:
        request.state.audit_purpose = purpose
    if record_ids is not None:
        existing = list(getattr(request.state, "audit_record_ids", []) or [])
        request.state.audit_record_ids = existing + [str(r) for r in record_ids]
    if query is not None:
        request.state.audit_query = query

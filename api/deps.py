"""Per-route dependencies: authenticate, check the scope, then the caller's rate limit.

The order matters: the per-caller bucket is keyed by a *verified* identity (partner client id or
officer subject), so a forged token cannot drain someone else's allowance; failures before that
point are held by the per-address limit in `api.middleware`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from starlette.convertors import Convertor, register_url_convertor

from api.security import require_route_scope
from auth.principal import Caller

from .errors import TooManyRequests
from .metrics import Metrics
from .ratelimit import TokenBucket


@dataclass(frozen=True)
class Limits:
    per_caller: TokenBucket


def caller_key(caller: Caller) -> tuple[str, str]:
    """The bucket a caller draws from, and how to name it in a 429."""
    if caller.client_id:
        return f"client:{caller.client_id}", f"client {caller.client_id}"
    return f"officer:{caller.issuer or ''}:{caller.subject}", f"officer {caller.subject}"


def guarded(route_name: str) -> Callable[[Request], Caller]:
    """Dependency for a route named `route_name` in the policy's `[routes]` table."""
    check_scope = require_route_scope(route_name)

    def dependency(request: Request) -> Caller:
        caller = check_scope(request)
        take_allowance(request, caller)
        return caller

    dependency.__name__ = f"guarded_{route_name.replace('.', '_')}"
    return dependency


def take_allowance(request: Request, caller: Caller) -> None:
    """Draw one request from a verified caller's bucket, or raise `TooManyRequests` (429)."""
    limits: Limits = request.app.state.limits
    key, who = caller_key(caller)
    wait = limits.per_caller.take(key)
    if wait > 0:
        metrics: Metrics = request.app.state.metrics
        metrics.rate_limited.labels("caller").inc()
        request.state.auth_denied = f"rate limit for {who} exceeded"
        raise TooManyRequests(wait, who)


def path_convertor(name: str, pattern: str) -> None:
    """Register a path convertor `{param:name}` that matches only `pattern`, so that a path a
    route cannot mean falls through to the next route (and to a 405 where the path exists for
    another method) instead of being read as a malformed id (a 422). Starlette keeps convertors
    in one registry; registering the same name again replaces it with the same pattern."""

    class _Matching(Convertor[str]):
        regex = pattern.removeprefix("^").removesuffix("$")

        def convert(self, value: str) -> str:
            return value

        def to_string(self, value: str) -> str:
            return value

    register_url_convertor(name, _Matching())

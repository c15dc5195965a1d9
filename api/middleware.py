"""Request context: ids, the client's address and certificate, security headers, access logs,
metrics; and the per-address limit.

Pure-ASGI middlewares (no per-request task switch as with `BaseHTTPMiddleware`).

- `RequestContextMiddleware`, outermost, so that every response, errors included, carries
  `X-Request-ID` and the security headers and is counted:
  - `X-Request-ID`: a well-formed incoming id (a proxy's or the client's) is kept, so one id
    follows a request across systems; otherwise a new one is made. It is on `request.state`, in
    every log line of the request (structlog context variables) and in the audit entries.
  - the peer (`api.proxies.Peer`: address and client certificate) on `request.state.peer`,
    believing a proxy's headers only from `api.trusted_proxies`;
  - security headers (`SecurityHeaders`) on every response.
- `GuardMiddleware`, inside the audit middleware so that refusals are audited too: a coarse
  per-address token bucket against floods of unauthenticated or failing requests, which never
  reach the per-caller limit (that one needs a verified caller).
- `CollectorMiddleware`, only in an `icjs serve` worker (`api.app.app_from_environment`): settles
  the garbage collector once a response has been sent (`config.runtime.QuietCollector`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import structlog
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.runtime import QuietCollector

from .audit_middleware import request_id_for
from .errors import RATE_LIMIT_TYPE, problem_response
from .metrics import Metrics
from .proxies import Peer, TrustedProxies
from .ratelimit import TokenBucket

# Paths that must answer even under a flood (probes, scrapes).
_UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics"})
# The interactive documentation and the pages (`web/`) set their own CSP (their scripts and
# styles come from this server); everything else this API answers is data, for which nothing
# may be loaded or framed.
_DATA_CSP = b"default-src 'none'; frame-ancestors 'none'"

log = structlog.get_logger("icjs.api")


@dataclass(frozen=True)
class SecurityHeaders:
    """Headers on every response. `Cache-Control: no-store` keeps personal data out of
    browser and proxy caches (a response that sets its own caching, like the public JWKS,
    keeps it); HSTS only when `hsts_max_age_s` is set, which is right only behind HTTPS."""

    hsts_max_age_s: int = 0

    def apply(self, path: str, headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
        present = {k.lower() for k, _ in headers}
        extra: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-resource-policy", b"same-origin"),
        ]
        extra.append((b"content-security-policy", _DATA_CSP))
        if b"cache-control" not in present:
            extra.append((b"cache-control", b"no-store"))
        if self.hsts_max_age_s > 0:
            extra.append(
                (b"strict-transport-security", f"max-age={self.hsts_max_age_s}".encode("ascii"))
            )
        return headers + [(k, v) for k, v in extra if k not in present]


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Outermost: request id, peer, security headers, access log, metrics for every response."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        access_log: bool = True,
        proxies: TrustedProxies | None = None,
        security_headers: SecurityHeaders | None = None,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log
        self.proxies = proxies or TrustedProxies()
        self.security_headers = security_headers or SecurityHeaders()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = request_id_for(incoming)
        peer: Peer = self.proxies.peer(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        state["peer"] = peer
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        header = (b"x-request-id", request_id.encode("latin-1"))
        path = str(scope.get("path", ""))

        async def send_with_context(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-request-id" for k, _ in headers):
                    headers.append(header)
                message = {**message, "headers": self.security_headers.apply(path, headers)}
            await send(message)

        try:
            await self.app(scope, receive, send_with_context)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            if self.access_log:
                fields: dict[str, Any] = {
                    "method": method,
                    "path": path[:300],
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                    "client": peer.address,
                }
                log.info("request", **fields)
            structlog.contextvars.clear_contextvars()


class GuardMiddleware:
    """Per-address token bucket, inside the audit middleware so that refusals are audited.
    (The body cap is the audit middleware's: it reads every body first.)"""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, per_address: TokenBucket) -> None:
        self.app = app
        self.metrics = metrics
        self.per_address = per_address

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "") in _UNLIMITED:
            await self.app(scope, receive, send)
            return
        address = peer_address(scope)
        wait = self.per_address.take(f"addr:{address}")
        if wait > 0:
            self.metrics.rate_limited.labels("address").inc()
            seconds = max(1, int(wait + 0.999))
            scope.setdefault("state", {})["auth_denied"] = f"rate limit for address {address}"
            response = problem_response(
                Request(scope),
                429,
                "Too Many Requests",
                f"too many requests from {address}: retry after {seconds} s",
                type_uri=RATE_LIMIT_TYPE,
                headers={"Retry-After": str(seconds)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def peer_address(scope: Scope) -> str:
    """The client address `RequestContextMiddleware` settled on (or the socket's)."""
    peer = scope.get("state", {}).get("peer")
    if isinstance(peer, Peer):
        return peer.address
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class CollectorMiddleware:
    """Outermost in a worker: `QuietCollector.finished()` runs once the inner app has returned,
    that is once the response's last message was sent, so the settling's collection is not in
    any response's latency (it can delay a request that overlaps, as an automatic collection
    would). Every request counts, lifespan and websocket scopes do not."""

    def __init__(self, app: ASGIApp, *, collector: QuietCollector) -> None:
        self.app = app
        self.collector = collector

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.collector.started()
        try:
            await self.app(scope, receive, send)
        finally:
            self.collector.finished()

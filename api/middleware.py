"""Request context: request ids, structured access logs, metrics, and the per-address limit.

One pure-ASGI middleware (no per-request task switch as with `BaseHTTPMiddleware`), outermost
in the stack so that every response, errors included, carries `X-Request-ID` and is counted.

- `X-Request-ID`: a well-formed incoming id (a proxy's or the client's) is kept, so one id
  follows a request across systems; otherwise a new one is made. It is on `request.state`, in
  every log line of the request (structlog context variables) and in the audit entry.
- Per-address limit (`GuardMiddleware`): a coarse guard against floods of unauthenticated or
  failing requests, which never reach the per-caller limit (that one needs a verified caller);
  and a cap on request bodies.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from fastapi import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import RATE_LIMIT_TYPE, problem_response
from .metrics import Metrics
from .ratelimit import TokenBucket

# The same rule as `api.audit_middleware`, so both layers agree on which ids are kept.
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# Paths that must answer even under a flood (probes, scrapes).
_UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics"})
MAX_BODY_BYTES = 64 * 1024

log = structlog.get_logger("icjs.api")


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else "unmatched"


class RequestContextMiddleware:
    """Outermost: request id, access log, metrics for every response."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics, access_log: bool = True) -> None:
        self.app = app
        self.metrics = metrics
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        request_id = incoming if _GOOD_ID.match(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500
        header = (b"x-request-id", request_id.encode("latin-1"))

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-request-id" for k, _ in headers):
                    headers.append(header)
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            method = scope.get("method", "")
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            if self.access_log:
                client = scope.get("client")
                fields: dict[str, Any] = {
                    "method": method,
                    "path": scope.get("path", ""),
                    "status": status,
                    "ms": round(elapsed * 1000, 2),
                    "client": client[0] if client else None,
                }
                log.info("request", **fields)
            structlog.contextvars.clear_contextvars()


class GuardMiddleware:
    """Per-address token bucket and a request body cap, inside the audit middleware so that
    refusals are audited too. The cap bounds what one request can make the server parse: the
    largest valid request (a person search) is well under a kilobyte."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics,
        per_address: TokenBucket,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.per_address = per_address
        self.max_body = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "") in _UNLIMITED:
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = self.per_address.take(f"addr:{address}")
        if wait > 0:
            self.metrics.rate_limited.labels("address").inc()
            seconds = max(1, int(wait + 0.999))
            scope.setdefault("state", {})["auth_denied"] = f"rate limit for address {address}"
            await self._refuse(
                scope,
                receive,
                send,
                429,
                "Too Many Requests",
                f"too many requests from {address}: retry after {seconds} s",
                {"Retry-After": str(seconds)},
                RATE_LIMIT_TYPE,
            )
            return
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await self._refuse(
                scope,
                receive,
                send,
                413,
                "Content Too Large",
                f"the request body is {declared} bytes; the limit is {self.max_body}",
            )
            return
        received = 0

        async def bounded() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    # FastAPI passes HTTPException from body reading through to the handlers.
                    raise HTTPException(
                        413, f"the request body is over the limit of {self.max_body} bytes"
                    )
            return message

        await self.app(scope, bounded, send)

    @staticmethod
    async def _refuse(
        scope: Scope,
        receive: Receive,
        send: Send,
        status: int,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
        type_uri: str = "about:blank",
    ) -> None:
        response = problem_response(
            Request(scope), status, title, detail, type_uri=type_uri, headers=headers
        )
        await response(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None

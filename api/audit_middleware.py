"""Audit every HTTP request — allowed, denied, invalid or failed — before any handler runs, and
again before its answer leaves.

A pure ASGI middleware (no `BaseHTTPMiddleware`, which buffers and breaks streaming). For each
request it:

1. reads the body (at most `api.bodies.MAX_BODY_BYTES`; more is a `413`) and checks that it can
   be read at all (`api.bodies.check_body`): bytes that are not UTF-8, unpaired surrogates,
   JSON nested past any real request are refused with a `400` that says what to fix;
2. writes a `received` entry (method, route, client address, user agent, the body as read) —
   before any handler runs. If it cannot be written, the request is refused with `503` and
   nothing else happens (fail closed);
3. runs the app with the body replayed (unless step 1 refused it), and when the answer starts,
   writes the answer's entry (status, decision, caller, purpose, record ids), *then* lets the
   answer start; if that entry cannot be written the caller gets `503` instead (fail closed);
4. catches whatever escapes the app: a `500` problem naming the request id, the error logged
   with its traceback formatted in a worker thread, never in the answer. Nothing is re-raised,
   so no server logs a traceback on the event loop either.

Audit writes run in worker threads (a SQLite transaction must not hold the event loop).

What an answer's entry says comes from the request and from `request.state`:

- `caller` (`auth.principal.Caller`) — set by `api.security.require_scope`;
- `auth_denied` — the reason a 401/403/429 was given;
- `audit_purpose`, `audit_record_ids`, `audit_query` — set by route handlers through
  `api.security.audit_context(...)`; without `audit_query` the query string and the body as
  read are recorded (credentials stripped by `state.audit.sanitise`);
- `audit_actor`, `audit_client` — set by the OAuth endpoints for a client not (yet)
  authenticated;
- `request_id`, `peer` — set by `api.middleware.RequestContextMiddleware`.

Install it inside the request context and outside everything else (rate limits included), so
that refused requests are audited too: `app.add_middleware(AuditMiddleware)` after the inner
ones. It reads the log from `app.state.audit`, or takes `audit=` explicitly.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import anyio
import structlog
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.principal import Caller
from state.audit import RECEIVED, AuditEvent, AuditLog

from .bodies import MAX_BODY_BYTES, BodyProblem, CheckedBody, check_body
from .logs import log_error
from .proxies import Peer

log = structlog.get_logger("icjs.audit")

_DENY_STATUSES = frozenset({401, 403, 429})
_GOOD_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_PROBLEM_JSON = b"application/problem+json"


def request_id_for(incoming: str) -> str:
    """A well-formed incoming `X-Request-ID` (a proxy's or the client's), so one id follows a
    request across systems; otherwise a new one."""
    return incoming if _GOOD_ID.match(incoming) else uuid.uuid4().hex


def decision_for(status: int) -> str:
    """`allow` for a served request, `deny` for 401/403/429, `error` for other failures."""
    if status < 400:
        return "allow"
    return "deny" if status in _DENY_STATUSES else "error"


class AuditMiddleware:
    def __init__(
        self, app: ASGIApp, audit: AuditLog | None = None, max_body_bytes: int = MAX_BODY_BYTES
    ) -> None:
        self.app = app
        self._audit = audit
        self.max_body = max_body_bytes

    def _log(self, scope: Scope) -> AuditLog:
        if self._audit is not None:
            return self._audit
        app = scope.get("app")
        audit = getattr(getattr(app, "state", None), "audit", None)
        if not isinstance(audit, AuditLog):
            raise RuntimeError("app.state.audit is not an AuditLog")
        return audit

    async def _append(self, scope: Scope, event: AuditEvent) -> bool:
        """Write one entry in a worker thread; False (and the reason logged) if it failed."""
        try:
            await anyio.to_thread.run_sync(self._log(scope).append, event)
        except Exception as exc:
            await log_error(log, "audit entry could not be written; refusing the answer", exc)
            return False
        return True

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = state.get("request_id") or request_id_for(headers.get("x-request-id", ""))
        state["request_id"] = request_id
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        route = _route_of(scope)

        body, too_large = await _read_body(receive, _content_length(headers), self.max_body)
        checked = (
            CheckedBody(
                {"bytes_over_limit": True},
                BodyProblem(
                    413,
                    f"the request body is over the limit of {self.max_body} bytes; no request "
                    "of this API needs that much",
                ),
            )
            if too_large
            else check_body(body, content_type)
        )
        context = _Context(scope, state, headers, route, request_id, started, checked.parsed)
        if not await self._append(scope, context.event(0, RECEIVED)):
            await _send_problem(send, scope, 503, _UNAUDITABLE)
            return
        if checked.problem is not None:
            status, detail = checked.problem.status, checked.problem.detail
            state["auth_denied"] = detail
            if await self._append(scope, context.event(status)):
                await _send_problem(send, scope, status, detail)
            else:
                await _send_problem(send, scope, 503, _UNAUDITABLE)
            return

        replayed = False

        async def replay() -> Message:
            # The body as read, then the server's own receive (which waits for a disconnect).
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        answered = False
        replaced = False

        async def send_audited(message: Message) -> None:
            nonlocal answered, replaced
            if replaced:
                return
            if message["type"] == "http.response.start" and not answered:
                answered = True
                if not await self._append(scope, context.event(int(message["status"]))):
                    replaced = True
                    await _send_problem(send, scope, 503, _UNAUDITABLE)
                    return
                raw_headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-request-id" for k, _ in raw_headers):
                    raw_headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": raw_headers}
            await send(message)

        try:
            await self.app(scope, replay, send_audited)
        except Exception as exc:
            await log_error(log, "unhandled error", exc, path=scope.get("path", ""))
            if answered:
                return  # the answer had started: the connection is all that can be closed
            answered = True
            if await self._append(scope, context.event(500)):
                await _send_problem(send, scope, 500, _internal_detail(request_id))
            else:
                await _send_problem(send, scope, 503, _UNAUDITABLE)


_UNAUDITABLE = "the audit log cannot be written, so no answer is given; try again later"


def _internal_detail(request_id: str) -> str:
    return (
        "an internal error occurred; nothing was changed. Quote the request id to support: "
        + request_id
    )


async def _read_body(receive: Receive, declared: int | None, limit: int) -> tuple[bytes, bool]:
    """The body, and whether it is over `limit` (then it is not read further)."""
    if declared is not None and declared > limit:
        return b"", True
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return bytes(chunks), False
        chunks.extend(message.get("body", b""))
        if len(chunks) > limit:
            return b"", True
        if not message.get("more_body", False):
            return bytes(chunks), False


def _content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None


async def _send_problem(send: Send, scope: Scope, status: int, detail: str) -> None:
    """An RFC 9457 problem sent by the middleware itself (no handler ran, or one failed). On the
    OAuth endpoints it also carries RFC 6749's `error`, which OAuth clients read."""
    path = str(scope.get("path", ""))
    request_id = str(scope["state"]["request_id"])
    problem: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "request_id": request_id,
    }
    if path.startswith("/oauth/") and status < 500:
        problem["error"] = "invalid_request"
        problem["error_description"] = detail
    body = json.dumps(problem).encode()
    headers = [
        (b"content-type", _PROBLEM_JSON),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode("latin-1")),
    ]
    if status == 503:
        headers.append((b"retry-after", b"5"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _routes(routes: Iterable[Any]) -> Iterator[Any]:
    """Every route, with FastAPI's included routers opened up."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def _route_of(scope: Scope) -> str:
    """The route template the request will reach (matched now, before any handler runs), or
    the path as sent when no route matches."""
    app = scope.get("app")
    for route in _routes(getattr(getattr(app, "router", None), "routes", ())):
        try:
            match, _ = route.matches(scope)
        except Exception:  # a route that cannot judge this scope does not match it
            continue
        if match is Match.FULL:
            path = _template(route)
            if path is not None:
                return path
    return str(scope.get("path", ""))[:300]


def _template(route: Any) -> str | None:
    """A route's path as documented (`/v1/persons/{profile_id}`: without convertor names)."""
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    return path if isinstance(path, str) else None


def _routed(scope: Scope, fallback: str) -> str:
    """The template the router settled on (after routing), else what was matched before."""
    return _template(scope.get("route")) or fallback


class _Context:
    """What every entry of one request shares, and how to write one."""

    def __init__(
        self,
        scope: Scope,
        state: Mapping[str, Any],
        headers: Mapping[str, str],
        route: str,
        request_id: str,
        started: float,
        body: Any,
    ) -> None:
        self.scope = scope
        self.state = state
        self.route = route
        self.request_id = request_id
        self.started = started
        self.body = body
        peer = state.get("peer")
        client = scope.get("client")
        self.address = (
            peer.address if isinstance(peer, Peer) else (str(client[0]) if client else None)
        )
        self.user_agent = headers.get("user-agent") or None

    def event(self, status: int, decision: str | None = None) -> AuditEvent:
        state = self.state
        query: Any = state.get("audit_query")
        if query is None:
            query = {}
            qs = self.scope.get("query_string", b"").decode("latin-1")
            if qs:
                query["params"] = dict(parse_qsl(qs, keep_blank_values=True))
            if self.body is not None:
                query["body"] = self.body
        purpose = state.get("audit_purpose")
        if purpose is None and isinstance(self.body, dict):
            stated = self.body.get("purpose")
            purpose = stated[:500] if isinstance(stated, str) else None
        caller = state.get("caller")
        common: dict[str, Any] = {
            "route": _routed(self.scope, self.route),
            "method": str(self.scope.get("method", "")),
            "status": status,
            "decision": decision or decision_for(status),
            "query": query or None,
            "purpose": purpose,
            "record_ids": tuple(state.get("audit_record_ids") or ()),
            "latency_ms": (time.perf_counter() - self.started) * 1000.0,
            "request_id": self.request_id,
            "reason": state.get("auth_denied"),
            "client_address": self.address,
            "user_agent": self.user_agent,
        }
        if isinstance(caller, Caller):
            return AuditEvent(
                actor=caller.subject,
                agency=caller.agency,
                client=caller.client_id,
                role=caller.role.value,
                actor_state=caller.state,
                actor_district=caller.district,
                **common,
            )
        return AuditEvent(
            actor=str(state.get("audit_actor") or "anonymous"),
            client=state.get("audit_client"),
            **common,
        )

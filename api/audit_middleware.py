"""Audit every HTTP request — allowed, denied, invalid or failed — before its answer leaves.

A pure ASGI middleware (no `BaseHTTPMiddleware`, which buffers and breaks streaming). When the
application starts its response, the middleware writes the audit entry, *then* lets the response
start; if the entry cannot be written the caller gets `503` instead of the answer (fail closed:
nothing leaves unaudited). An exception that escapes the app is audited as a 500 and re-raised
for the error handler.

What an entry says comes from the request itself and from `request.state`:

- `caller` (`auth.principal.Caller`) — set by `api.security.require_scope`;
- `auth_denied` — the reason a 401/403 was raised;
- `audit_purpose`, `audit_record_ids`, `audit_query` — set by route handlers through
  `api.security.audit_context(...)`; without `audit_query` the query string and the JSON or
  form body (first 16 KiB, credentials stripped by `auth.audit.sanitise`) are recorded;
- `audit_actor`, `audit_client` — set by the OAuth endpoints for a client that is not (yet)
  authenticated.

It also gives each request an id: an incoming `X-Request-ID` (if sane) or a fresh one, on
`request.state.request_id` and echoed in the `X-Request-ID` response header.

Install it outermost (add it last) so that rate-limited and rejected requests are audited too:
`app.add_middleware(AuditMiddleware)` — it reads the log from `app.state.audit`, or takes
`audit=` explicitly.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.audit import AuditEvent, AuditLog
from auth.principal import Caller

log = logging.getLogger("icjs.audit")

_BODY_CAPTURE_LIMIT = 16 * 1024
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_DENY_STATUSES = frozenset({401, 403, 429})


def decision_for(status: int) -> str:
    """`allow` for a served request, `deny` for 401/403/429, `error` for other failures."""
    if status < 400:
        return "allow"
    return "deny" if status in _DENY_STATUSES else "error"


class AuditMiddleware:
    def __init__(self, app: ASGIApp, audit: AuditLog | None = None) -> None:
        self.app = app
        self._audit = audit

    def _log(self, scope: Scope) -> AuditLog:
        if self._audit is not None:
            return self._audit
        app = scope.get("app")
        audit = getattr(getattr(app, "state", None), "audit", None)
        if not isinstance(audit, AuditLog):
            raise RuntimeError("app.state.audit is not an AuditLog")
        return audit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        incoming = headers.get("x-request-id", "")
        request_id = state.get("request_id") or (
            incoming if _REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        )
        state["request_id"] = request_id
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        capture = content_type in ("application/json", "application/x-www-form-urlencoded")
        body = bytearray()

        async def receive_wrapper() -> Message:
            message = await receive()
            if capture and message["type"] == "http.request" and len(body) < _BODY_CAPTURE_LIMIT:
                body.extend(message.get("body", b"")[: _BODY_CAPTURE_LIMIT - len(body)])
            return message

        audited = False
        replaced = False

        def write(status: int) -> bool:
            nonlocal audited
            audited = True
            try:
                self._log(scope).append(
                    _event(scope, state, status, started, bytes(body), content_type, request_id)
                )
                return True
            except Exception:
                log.exception("audit entry could not be written; refusing the response")
                return False

        async def send_wrapper(message: Message) -> None:
            nonlocal replaced
            if replaced:
                return
            if message["type"] == "http.response.start" and not audited:
                if not write(int(message["status"])):
                    replaced = True
                    await _send_unavailable(send, request_id)
                    return
                raw_headers = list(message.get("headers", []))
                if not any(k.lower() == b"x-request-id" for k, _ in raw_headers):
                    raw_headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": raw_headers}
            await send(message)

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except Exception:
            if not audited:
                write(500)
            raise


async def _send_unavailable(send: Send, request_id: str) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Service Unavailable",
            "status": 503,
            "detail": "the audit log cannot be written, so no answer is given; try again later",
            "request_id": request_id,
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 503,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"x-request-id", request_id.encode("latin-1")),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _route_of(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if isinstance(path, str) else str(scope.get("path", ""))


def _parse_body(body: bytes, content_type: str) -> Any:
    if not body:
        return None
    try:
        if content_type == "application/json":
            return json.loads(body)
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except (ValueError, UnicodeDecodeError):
        return {"unparsed_bytes": len(body)}


def _event(
    scope: Scope,
    state: Mapping[str, Any],
    status: int,
    started: float,
    body: bytes,
    content_type: str,
    request_id: str,
) -> AuditEvent:
    caller = state.get("caller")
    query: Any = state.get("audit_query")
    parsed = _parse_body(body, content_type)
    if query is None:
        query = {}
        qs = scope.get("query_string", b"").decode("latin-1")
        if qs:
            query["params"] = dict(parse_qsl(qs, keep_blank_values=True))
        if parsed is not None:
            query["body"] = parsed
    purpose = state.get("audit_purpose")
    if purpose is None and isinstance(parsed, dict) and isinstance(parsed.get("purpose"), str):
        purpose = parsed["purpose"][:500]
    common: dict[str, Any] = {
        "route": _route_of(scope),
        "method": str(scope.get("method", "")),
        "status": status,
        "decision": decision_for(status),
        "query": query or None,
        "purpose": purpose,
        "record_ids": tuple(state.get("audit_record_ids") or ()),
        "latency_ms": (time.perf_counter() - started) * 1000.0,
        "request_id": request_id,
        "reason": state.get("auth_denied"),
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

"""RFC 9457 problem details for every error the API returns.

Four sources of errors, one shape (`application/problem+json`):
- `records.errors.IcjsError`, the root of every error type of the project, each carrying its
  status once: `ProblemError` (the security layer's and the subclasses below), `BackendError`
  (the search index unreachable or damaged: 503 with `Retry-After`), …;
- Starlette/FastAPI `HTTPException` (404 for an unknown path, 405 for a wrong method, …),
- request validation (`RequestValidationError`): rewritten to say which field is wrong and what
  to send instead, without echoing the value sent,
- anything unexpected: a 500 that names the request id to quote, and nothing of the internals
  (normally answered by `api.audit_middleware`, which catches what escapes the app; the handler
  here is the last resort for a failure outside it). Tracebacks are formatted off the event
  loop (`api.logs.log_error`) and never reach a response.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from auth.errors import ProblemError
from records.errors import IcjsError

from . import rules
from .logs import log_error

PROBLEM_JSON = "application/problem+json"
VALIDATION_TYPE = "urn:icjs:problem:validation"
RATE_LIMIT_TYPE = "urn:icjs:problem:rate-limited"

log = structlog.get_logger("icjs.api")


class NotFound(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(404, "Not Found", detail)


HIT_FLAG_TYPE = "urn:icjs:problem:hit-flag"


class HitFlagged(ProblemError):
    """A 403 for a profile id whose records the caller is answered only as hit-flags: that they
    exist, where, whom to ask and how (`hits`, `request_access`), never what they hold."""

    def __init__(self, detail: str, extra: Mapping[str, Any]) -> None:
        super().__init__(403, "Hit-flag only", detail, type_uri=HIT_FLAG_TYPE)
        self.extra = dict(extra)


class BadRequest(ProblemError):
    """A 422 found past validation, naming the field like validation does."""

    def __init__(self, detail: str, field: str = "request") -> None:
        super().__init__(422, "Unprocessable Content", detail, type_uri=VALIDATION_TYPE)
        self.errors = [{"field": field, "message": detail}]


class Conflict(ProblemError):
    """A well-formed request that does not fit the resource as it is now (a decision naming
    records the profile no longer holds): read it again and decide on what it is."""

    def __init__(self, detail: str) -> None:
        super().__init__(409, "Conflict", detail)


class TooManyRequests(ProblemError):
    def __init__(self, retry_after_s: float, who: str) -> None:
        seconds = max(1, int(retry_after_s + 0.999))
        super().__init__(
            429,
            "Too Many Requests",
            f"rate limit for {who} exceeded: retry after {seconds} s",
            headers={"Retry-After": str(seconds)},
            type_uri=RATE_LIMIT_TYPE,
        )


class Unavailable(ProblemError):
    def __init__(self, detail: str, retry_after_s: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after_s)} if retry_after_s else None
        super().__init__(503, "Service Unavailable", detail, headers=headers)


def request_id_of(request: Request) -> str | None:
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    type_uri: str = "about:blank",
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": type_uri,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    rid = request_id_of(request)
    if rid:
        body["request_id"] = rid
    if extra:
        body.update(extra)
    if request.url.path.startswith("/oauth/") and status < 500:
        # OAuth clients read RFC 6749's members, whatever layer refused the request
        body.setdefault("error", "invalid_request")
        body.setdefault("error_description", detail)
    return JSONResponse(
        body, status_code=status, headers=dict(headers or {}), media_type=PROBLEM_JSON
    )


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie"):
        where, rest = parts[0], parts[1:]
        return ".".join(rest) if rest else where
    return ".".join(parts) or "request"


def _fix(error: Mapping[str, Any]) -> str:
    """One line that says what to send instead (pydantic's message, reworded where vague)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind == "extra_forbidden":
        return "is not a known field: remove it (see the OpenAPI document for the fields)"
    if kind == "json_invalid":
        return f"the body is not valid JSON ({ctx.get('error', 'syntax error')})"
    if kind in ("model_attributes_type", "dict_type") and not error.get("loc", ())[1:]:
        return "the body must be a JSON object"
    if kind == "string_pattern_mismatch" and ctx.get("pattern") in rules.MESSAGES:
        return rules.MESSAGES[str(ctx["pattern"])]
    return str(error.get("msg", "is invalid")).replace("Value error, ", "")


def validation_problem(request: Request, errors: Sequence[Mapping[str, Any]]) -> JSONResponse:
    items = [{"field": _field(e.get("loc", ())), "message": _fix(e)} for e in errors]
    detail = "; ".join(f"{i['field']}: {i['message']}" for i in items[:5])
    if len(items) > 5:
        detail += f"; and {len(items) - 5} more"
    return problem_response(
        request,
        422,
        "Unprocessable Content",
        f"the request is invalid: {detail}",
        type_uri=VALIDATION_TYPE,
        extra={"errors": items},
    )


async def _on_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, IcjsError)
    errors = getattr(exc, "errors", None)
    extra: dict[str, Any] = dict(getattr(exc, "extra", None) or {})
    if errors:
        extra["errors"] = errors
    return problem_response(
        request,
        exc.status,
        exc.reason,
        exc.detail,
        type_uri=exc.type_uri,
        headers=exc.headers,
        extra=extra or None,
    )


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
    detail = exc.detail if isinstance(exc.detail, str) else title
    if status == 404 and detail == "Not Found":
        detail = f"no resource at {request.url.path}: see /docs for the API's paths"
    elif status == 405:
        headers = dict(exc.headers or {})
        headers["Allow"] = allowed = _allowed(request) or headers.get("Allow", "")
        exc = StarletteHTTPException(405, exc.detail, headers=headers)
        detail = f"{request.method} is not allowed on {request.url.path}" + (
            f": use {allowed}" if allowed else ""
        )
    return problem_response(request, status, title, detail, headers=exc.headers)


def _allowed(request: Request) -> str:
    """Every method some route serves at this path: Starlette names only the first route's, and
    a path can have several (`GET` and `DELETE /v1/watches/{id}`)."""
    from starlette.routing import Match

    methods: set[str] = set()
    scope = {**request.scope, "method": "\x00"}
    for top in getattr(request.app, "routes", []):
        included = getattr(top, "original_router", None)  # FastAPI's included routers
        for route in included.routes if included is not None else [top]:
            match, _ = route.matches(scope)
            if match is Match.PARTIAL and getattr(route, "methods", None):
                methods |= set(route.methods)
    return ", ".join(sorted(methods))


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return validation_problem(request, list(exc.errors()))


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    await log_error(log, "unhandled error", exc, path=request.url.path)
    rid = request_id_of(request)
    detail = "an internal error occurred; nothing was changed. Quote the request id to support"
    if rid:
        detail += f": {rid}"
    # This response bypasses the middleware stack (Starlette's outermost error middleware sends
    # it), so it carries its own request id header.
    headers = {"X-Request-ID": rid} if rid else None
    return problem_response(request, 500, "Internal Server Error", detail, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(IcjsError, _on_error)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Exception, _on_unexpected)

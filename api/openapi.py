"""The OpenAPI document, exact enough for a partner to generate a client from it.

FastAPI derives paths, parameters and bodies from the routes; this module completes the
document with what the routes alone cannot say, in one place:

- security: OAuth2 client credentials for partner systems (token URL, every scope described),
  officer bearer tokens, HTTP Basic on the OAuth endpoints (`private_key_jwt` goes in the body),
  and the scope each operation needs, taken from the policy (so an operator's re-mapping shows);
- every status an operation can answer, each with its schema and media type: errors are
  `application/problem+json` `Problem`s (422 with a per-field `errors[]`), OAuth errors are
  RFC 6749 `application/json`. Statuses come from what the layers do: the audit middleware
  reads every body (400, 413) and fails closed (503), the per-address guard limits every route
  but the probes (429), authentication (401, 403), validation (422), path ids (404), and any
  bug is a 500 naming the request id;
- headers: `X-Request-ID` on every response, `Retry-After` on 429 and 503, `WWW-Authenticate` on
  401, `Location` on 201;
- `operationId`s a generated client can use as method names, examples of every success answer
  (`api.examples`), and links (a search's profile id opens the profile, a NOC's id re-checks it).

Unknown methods are 405 with `Allow` (Starlette), unknown paths 404.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel

from auth.oauth import INTROSPECT_PATH, REVOKE_PATH, TOKEN_PATH
from auth.policy import Policy
from auth.principal import Role

from . import examples
from .schemas import FieldError, Problem, ValidationProblem
from .schemas_oauth import OAuthError, TokenRequest, TokenRequestByToken

SCOPES: dict[str, str] = {
    "persons:search": "Search persons across the sources your role or registration may see.",
    "persons:read": "Open a person profile by its id.",
    "persons:decide": "Confirm a profile or split records off it (supervisors).",
    "vehicles:search": "Search a vehicle: registration, owners, theft reports, NOCs issued.",
    "noc:issue": "Issue a signed vehicle NOC (the NOC service).",
    "noc:read": "Re-check an issued NOC.",
    "audit:read": "Read the audit log (auditors; supervisors for their district).",
    "sync:read": "Read each source's sync status (operators).",
    "admin": "Administer partner clients (operators).",
    "alerts:read": "Read your desk's alerts feed; watch plates and profiles.",
    "alerts:acknowledge": "Acknowledge an alert sent to your desk.",
    "broadcasts:send": "Send Cri-MAC broadcasts to police stations; read their status.",
    "network:read": "Link analysis: the network around a profile or an identifier; paths.",
    "ndso:read": "Read the sexual-offender register (NDSO role only; every read audited).",
    "access:request": "Ask for the records behind a hit-flag; read your requests' status.",
    "access:decide": "Approve or refuse your agency's access requests (supervisors).",
}
# Roles whose tokens come from our OAuth2 server (registered clients); the others' tokens come
# from the officers' identity provider.
CLIENT_ROLES = frozenset({Role.PARTNER, Role.NOC_SERVICE})
OAUTH2 = "partnerOAuth2"
OFFICER = "officerBearer"
CLIENT_BASIC = "clientSecretBasic"

OPERATION_IDS = {
    "persons.search": "searchPersons",
    "persons.get": "getProfile",
    "persons.decide": "decideProfile",
    "dockets.get": "getDocket",
    "ndso.register": "getNdsoRegister",
    "proclaimed.list": "listProclaimedOffenders",
    "vehicles.search": "searchVehicles",
    "noc.issue": "issueNoc",
    "noc.get": "getNoc",
    "sync.status": "getSyncStatus",
    "audit.list": "listAuditEntries",
    "alerts.list": "listAlerts",
    "alerts.stream": "streamAlerts",
    "alerts.acknowledge": "acknowledgeAlert",
    "alerts.watch": "createWatch",
    "alerts.watch_get": "getWatch",
    "alerts.unwatch": "deleteWatch",
    "broadcasts.send": "sendBroadcast",
    "broadcasts.get": "getBroadcast",
    "access.request": "requestAccess",
    "access.mine": "listMyAccessRequests",
    "access.get": "getAccessRequest",
    "access.pending": "listPendingAccessRequests",
    "access.decide": "decideAccessRequest",
    "oauth.token": "getToken",
    "oauth.introspect": "introspectToken",
    "oauth.revoke": "revokeToken",
    "oauth.jwks": "getJwks",
    "oauth.metadata": "getAuthorizationServerMetadata",
    "health.live": "getLiveness",
    "health.ready": "getReadiness",
    "metrics": "getMetrics",
}
_OAUTH_PATHS = frozenset({TOKEN_PATH, INTROSPECT_PATH, REVOKE_PATH})
_UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics"})  # api.middleware: never rate-limited
# operations on a resource whose state a valid request may not fit (`api.errors.Conflict`)
_CONFLICTS = frozenset(
    {
        "/v1/persons/{profile_id}/decisions",
        "/v1/access/requests",  # a handle whose records are no longer hit-flags to the caller
        "/v1/access/requests/{request_id}/decision",  # decided already
    }
)
PROBLEM_JSON = "application/problem+json"
_REF = "#/components/{}/{}"


def operation_id(route: APIRoute) -> str:
    """A method name for generated clients: ours where named, else the route name in camelCase
    (`persons.confirm` → `personsConfirm`)."""
    if route.name in OPERATION_IDS:
        return OPERATION_IDS[route.name]
    head, *rest = route.name.replace("_", ".").split(".")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _header(description: str, schema: dict[str, Any], required: bool = True) -> dict[str, Any]:
    return {"description": description, "required": required, "schema": schema}


HEADERS: dict[str, dict[str, Any]] = {
    "XRequestID": _header(
        "This request's id (yours, if you sent a well-formed `X-Request-ID`): quote it to support.",
        {"type": "string", "pattern": r"^[A-Za-z0-9._-]{8,64}$"},
    ),
    "RetryAfter": _header(
        "Seconds to wait before trying again.", {"type": "integer", "minimum": 1}
    ),
    "RetryAfterIfKnown": _header(
        "Seconds to wait, when the dependency says (the search index does).",
        {"type": "integer", "minimum": 1},
        required=False,
    ),
    "WWWAuthenticate": _header(
        "The scheme to authenticate with and why the credentials failed (RFC 6750 §3).",
        {"type": "string"},
    ),
    "WWWAuthenticateScope": _header(
        'On a missing scope: `error="insufficient_scope"` and the scope needed.',
        {"type": "string"},
        required=False,
    ),
    "Location": _header(
        "Where the created resource is.", {"type": "string", "format": "uri-reference"}
    ),
}


def _problem(description: str, *headers: str, schema: str = "Problem") -> dict[str, Any]:
    return {
        "description": description,
        "headers": {
            name: {"$ref": _REF.format("headers", ref)}
            for name, ref in (("X-Request-ID", "XRequestID"), *headers_pairs(headers))
        },
        "content": {PROBLEM_JSON: {"schema": {"$ref": _REF.format("schemas", schema)}}},
    }


def headers_pairs(refs: Iterable[str]) -> list[tuple[str, str]]:
    names = {
        "RetryAfter": "Retry-After",
        "RetryAfterIfKnown": "Retry-After",
        "WWWAuthenticate": "WWW-Authenticate",
        "WWWAuthenticateScope": "WWW-Authenticate",
        "Location": "Location",
    }
    return [(names[r], r) for r in refs]


RESPONSES: dict[str, dict[str, Any]] = {
    "BadRequest": _problem(
        "The body cannot be read: not UTF-8, an unpaired surrogate escape, JSON nested deeper "
        "than 32, a number no parser reads, or a form that is not URL-encoded UTF-8."
    ),
    "Unauthorized": _problem(
        "No token, or a token that is expired, revoked, forged, for another audience, or from "
        "an issuer this server does not trust.",
        "WWWAuthenticate",
    ),
    "Forbidden": _problem(
        "The token lacks the scope, or the policy refuses this caller.", "WWWAuthenticateScope"
    ),
    "NotFound": _problem("Nothing visible to you under this id."),
    "Conflict": _problem(
        "The request does not fit the resource as it is now (a split naming records the "
        "profile does not hold, a confirmation of a one-record profile): read it again."
    ),
    "PayloadTooLarge": _problem("The body is over 64 KiB; no request of this API needs that."),
    "ValidationFailed": _problem(
        "The request does not validate: `errors` names each field and what to send instead.",
        schema="ValidationProblem",
    ),
    "TooManyRequests": _problem("Rate limit exceeded: wait `Retry-After` seconds.", "RetryAfter"),
    "InternalError": _problem("A fault of this server: nothing was changed. Quote `request_id`."),
    "Unavailable": _problem(
        "A dependency is unavailable (the search index, the audit log, which fails closed): "
        "try again later.",
        "RetryAfterIfKnown",
    ),
}


def _oauth_error(description: str, *headers: str) -> dict[str, Any]:
    """RFC 6749 errors as `application/json`; the checks every route shares (an unreadable
    body, the per-address limit) answer `application/problem+json` with the same members."""
    out = _problem(description, *headers)
    schema = {"schema": {"$ref": _REF.format("schemas", "OAuthError")}}
    out["content"] = {"application/json": schema, PROBLEM_JSON: copy.deepcopy(schema)}
    return out


def _responses_for(operation: dict[str, Any], path: str, secured: bool) -> dict[str, Any]:
    """Every status this operation can answer, by reference to the shared responses."""
    has_input = bool(operation.get("parameters")) or "requestBody" in operation
    has_id = any(p.get("in") == "path" for p in operation.get("parameters", []))
    statuses = {"400": "BadRequest", "413": "PayloadTooLarge", "500": "InternalError"}
    statuses["503"] = "Unavailable"
    if path not in _UNLIMITED:
        statuses["429"] = "TooManyRequests"
    if secured:
        statuses |= {"401": "Unauthorized", "403": "Forbidden"}
    if has_input and path not in _OAUTH_PATHS:
        statuses["422"] = "ValidationFailed"
    if has_id or "404" in operation.get("responses", {}):  # or a body names what may be gone
        statuses["404"] = "NotFound"
    if path in _CONFLICTS:
        statuses["409"] = "Conflict"
    responses = {
        code: value
        for code, value in operation.get("responses", {}).items()
        if code.startswith(("2", "3"))
    }
    for code, name in sorted(statuses.items()):
        responses[code] = {"$ref": _REF.format("responses", name)}
    if path in _OAUTH_PATHS:
        responses["400"] = _oauth_error(
            "Invalid request, grant, scope or token type (RFC 6749 §5.2), or an unreadable body."
        )
        responses["401"] = _oauth_error("Client authentication failed.", "WWWAuthenticate")
        responses["429"] = _oauth_error(
            "Too many attempts from this client or address, or locked out after failures.",
            "RetryAfter",
        )
    return dict(sorted(responses.items()))


def _schema_of(models: Sequence[type[BaseModel]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(
            ref_template="#/components/schemas/{model}", mode="serialization"
        )
        out.update(schema.pop("$defs", {}))
        out[model.__name__] = schema
    return out


def _security(policy: Policy, scope: str) -> list[dict[str, list[str]]]:
    roles = [r for r in Role if scope in policy.role_scopes(r)]
    out: list[dict[str, list[str]]] = []
    if any(r in CLIENT_ROLES for r in roles):
        out.append({OAUTH2: [scope]})
    if any(r not in CLIENT_ROLES for r in roles) or not roles:
        out.append({OFFICER: [scope]})
    return out


def _security_schemes(token_url: str) -> dict[str, Any]:
    return {
        OAUTH2: {
            "type": "oauth2",
            "description": (
                "Partner systems (CBI, NIA, RPF) and the NOC service: a registered client gets "
                "an access token (a JWT, RFC 9068) from the token endpoint with the client "
                "credentials grant, authenticating with HTTP Basic (`client_secret_basic`) or a "
                "signed assertion (`private_key_jwt`, RFC 7523), and sends it as "
                "`Authorization: Bearer`. A client that connects with a TLS certificate gets a "
                "token bound to it (RFC 8705), usable only with that certificate. Metadata: "
                "`/.well-known/oauth-authorization-server`."
            ),
            "flows": {"clientCredentials": {"tokenUrl": token_url, "scopes": dict(SCOPES)}},
        },
        OFFICER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": (
                "Officers, supervisors, auditors and operators: a token from the trusted identity "
                "provider, carrying the role, state, district and scopes (the demo issues one "
                "with `icjs token officer`)."
            ),
        },
        CLIENT_BASIC: {
            "type": "http",
            "scheme": "basic",
            "description": (
                "`client_secret_basic` at the OAuth endpoints: client id and secret, each "
                "form-urlencoded, then base64 of `id:secret` (RFC 6749 §2.3.1). A client "
                "registered with a key authenticates instead with `client_assertion_type` and "
                "`client_assertion` in the body (`private_key_jwt`); then no Basic header."
            ),
        },
    }


def _examples(path: str, method: str, operation: dict[str, Any]) -> None:
    for code, response in operation.get("responses", {}).items():
        example = examples.RESPONSES.get((method, path, code))
        content = response.get("content", {}) if "$ref" not in response else {}
        if example is not None:
            for media in content.values():
                media.setdefault("example", example)  # a route's own (GraphML) example stays
        if "$ref" not in response:
            headers = response.setdefault("headers", {})
            headers["X-Request-ID"] = {"$ref": _REF.format("headers", "XRequestID")}
            if code == "201":
                headers["Location"] = {"$ref": _REF.format("headers", "Location")}
    body = examples.REQUESTS.get((method, path))
    if body is not None:
        for media in operation.get("requestBody", {}).get("content", {}).values():
            media["example"] = body


def _links(paths: dict[str, Any]) -> None:
    def link(op: str, param: str, expression: str, description: str) -> dict[str, Any]:
        return {
            "operationId": op,
            "parameters": {param: expression},
            "description": description,
        }

    wiring = {
        ("/v1/persons/search", "post", "200"): {
            "GetProfile": link(
                "getProfile",
                "profile_id",
                "$response.body#/profiles/0/profile_id",
                "Open the best profile in full.",
            )
        },
        ("/v1/vehicles/search", "post", "200"): {
            "GetOwnerProfile": link(
                "getProfile",
                "profile_id",
                "$response.body#/vehicles/0/owners/0/profile_id",
                "Open the current owner's person profile.",
            ),
            "GetIssuedNoc": link(
                "getNoc",
                "noc_id",
                "$response.body#/vehicles/0/nocs/0/noc_id",
                "Re-check the newest NOC issued for the vehicle.",
            ),
        },
        ("/v1/noc/vehicle", "post", "201"): {
            "GetNoc": link("getNoc", "noc_id", "$response.body#/noc_id", "Re-check this NOC later.")
        },
    }
    for (path, method, code), links in wiring.items():
        response = paths.get(path, {}).get(method, {}).get("responses", {}).get(code)
        if response is not None:
            response["links"] = links


def _birth_year_bound(schemas: dict[str, Any], today: date) -> None:
    """The person search refuses a birth year after this one: say which, this year."""
    prop = schemas.get("PersonSearchRequest", {}).get("properties", {}).get("birth_year", {})
    for variant in prop.get("anyOf", [prop]):
        if variant.get("type") == "integer":
            variant["maximum"] = today.year


def build_document(
    app: FastAPI, policy: Policy, routers: Sequence[Any], today: Callable[[], date] = date.today
) -> Callable[[], dict[str, Any]]:
    """`app.openapi`: the document, built once per calendar year (the birth-year bound)."""
    cache: dict[int, dict[str, Any]] = {}

    def build() -> dict[str, Any]:
        now = today()
        if now.year in cache:
            return cache[now.year]
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        components = doc.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        schemas.update(
            _schema_of(
                [
                    Problem,
                    ValidationProblem,
                    FieldError,
                    OAuthError,
                    TokenRequest,
                    TokenRequestByToken,
                ]
            )
        )
        _birth_year_bound(schemas, now)
        components["securitySchemes"] = _security_schemes(TOKEN_PATH)
        components["responses"] = copy.deepcopy(RESPONSES)
        components["headers"] = copy.deepcopy(HEADERS)
        named = {
            route.path_format: route
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute)
        }
        paths: dict[str, Any] = doc.get("paths", {})
        for path, operations in paths.items():
            route = named.get(path)
            for method, operation in operations.items():
                if not isinstance(operation, dict) or "responses" not in operation:
                    continue
                scope = policy.required_scope(route.name) if route else "deny:"
                secured = not scope.startswith("deny:")
                if secured:
                    operation["security"] = _security(policy, scope)
                    operation["description"] = (
                        operation.get("description", "") + f"\n\nRequired scope: `{scope}`."
                    ).strip()
                elif path in _OAUTH_PATHS:
                    # Basic, or `private_key_jwt` in the body (no HTTP-level credential)
                    operation["security"] = [{CLIENT_BASIC: []}, {}]
                else:
                    operation["security"] = []
                operation["responses"] = _responses_for(operation, path, secured)
                _examples(path, method, operation)
        _links(paths)
        cache.clear()
        cache[now.year] = doc
        return doc

    return build


def generate_unique_id(route: APIRoute) -> str:
    return operation_id(route)


__all__ = ["OPERATION_IDS", "SCOPES", "build_document", "generate_unique_id", "operation_id"]

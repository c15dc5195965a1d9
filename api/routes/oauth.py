"""OAuth2 endpoints for partner clients, and the public keys that verify what we sign.

- `POST /oauth/token` — client-credentials grant (`client_secret_basic` or `private_key_jwt`)
- `POST /oauth/introspect` — RFC 7662, for the client's own tokens
- `POST /oauth/revoke` — RFC 7009, for the client's own tokens
- `GET /.well-known/jwks.json` — the key ring's public keys (access tokens, NOC certificates)
- `GET /.well-known/oauth-authorization-server` — RFC 8414 metadata

Errors follow RFC 6749 §5.2 (`error`, `error_description`) because OAuth clients parse that
shape; the same body also carries the RFC 9457 members (`type`, `title`, `status`, `detail`),
so it reads as a problem document too.

`build_oauth_router()` needs `app.state.auth` (an `AuthService`); the `OAuthServer` is built once
per app and kept on `app.state.oauth`.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.security import auth_service
from auth.oauth import (
    INTROSPECT_PATH,
    JWKS_PATH,
    METADATA_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    FormRequest,
    OAuthServer,
    Response,
)

_MAX_FORM_FIELDS = 20
_FORM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "invalid request, grant, scope or client (RFC 6749 §5.2)"},
    401: {"description": "client authentication failed"},
}
_FORM_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "grant_type": {"type": "string", "enum": ["client_credentials"]},
                        "scope": {"type": "string"},
                        "token": {"type": "string"},
                        "token_type_hint": {"type": "string"},
                        "client_assertion_type": {"type": "string"},
                        "client_assertion": {"type": "string"},
                    },
                }
            }
        },
    }
}


def _server(request: Request) -> OAuthServer:
    server = getattr(request.app.state, "oauth", None)
    if not isinstance(server, OAuthServer):
        server = OAuthServer(auth_service(request))
        request.app.state.oauth = server
    return server


async def _form_request(request: Request, server: OAuthServer, path: str) -> FormRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    form: dict[str, str] = {}
    if content_type == "application/x-www-form-urlencoded":
        async with request.form(max_fields=_MAX_FORM_FIELDS, max_files=0) as data:
            form = {k: v for k, v in data.items() if isinstance(v, str)}
    return FormRequest(request.method, server.request_uri(path), request.headers, form)


def _respond(request: Request, form: FormRequest, result: Response) -> JSONResponse:
    status, body, headers = result
    client = getattr(form, "client", None)
    client_id = getattr(client, "client_id", None) or form.form.get("client_id")
    if client_id:
        request.state.audit_actor = str(client_id)[:200]
        request.state.audit_client = str(client_id)[:200]
    request.state.audit_query = {
        k: form.form[k] for k in ("grant_type", "scope", "token_type_hint") if k in form.form
    }
    if status >= 400:
        description = str(body.get("error_description") or body.get("error") or "")
        request.state.auth_denied = description
        title = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"
        body = {
            **body,
            "type": f"urn:ietf:params:oauth:error:{body.get('error', 'error')}",
            "title": title,
            "status": status,
            "detail": description or title,
        }
    return JSONResponse(body, status_code=status, headers=dict(headers))


def build_oauth_router() -> APIRouter:
    router = APIRouter(tags=["oauth2"])

    @router.post(
        TOKEN_PATH,
        name="oauth.token",
        summary="Get an access token (client credentials)",
        description=(
            "Authenticate with HTTP Basic (`client_secret_basic`) or a signed JWT assertion "
            "(`private_key_jwt`, RFC 7523) and receive a JWT access token (RFC 9068). Ask for "
            "a subset of your registered scopes with `scope`, or omit it for all of them."
        ),
        responses=_FORM_RESPONSES,
        openapi_extra=_FORM_BODY,
    )
    async def token(request: Request) -> JSONResponse:
        server = _server(request)
        form = await _form_request(request, server, TOKEN_PATH)
        return _respond(request, form, await run_in_threadpool(server.token_response, form))

    @router.post(
        INTROSPECT_PATH,
        name="oauth.introspect",
        summary="Introspect one of your access tokens (RFC 7662)",
        responses=_FORM_RESPONSES,
        openapi_extra=_FORM_BODY,
    )
    async def introspect(request: Request) -> JSONResponse:
        server = _server(request)
        form = await _form_request(request, server, INTROSPECT_PATH)
        result = await run_in_threadpool(server.introspection_response, form)
        return _respond(request, form, result)

    @router.post(
        REVOKE_PATH,
        name="oauth.revoke",
        summary="Revoke one of your access tokens (RFC 7009)",
        responses=_FORM_RESPONSES,
        openapi_extra=_FORM_BODY,
    )
    async def revoke(request: Request) -> JSONResponse:
        server = _server(request)
        form = await _form_request(request, server, REVOKE_PATH)
        result = await run_in_threadpool(server.revocation_response, form)
        return _respond(request, form, result)

    @router.get(
        JWKS_PATH,
        name="oauth.jwks",
        summary="Public signing keys (JWK Set)",
        description="Verify access tokens and NOC certificates offline against these keys.",
    )
    def jwks(request: Request) -> JSONResponse:
        return JSONResponse(
            auth_service(request).keys.jwks(),
            headers={"Cache-Control": "public, max-age=300"},
        )

    @router.get(
        METADATA_PATH,
        name="oauth.metadata",
        summary="Authorization server metadata (RFC 8414)",
    )
    def metadata(request: Request) -> JSONResponse:
        return JSONResponse(_server(request).metadata())

    return router


router = build_oauth_router()

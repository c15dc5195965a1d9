"""OAuth2 endpoints for partner clients, and the public keys that verify what we sign.

- `POST /oauth/token` — client-credentials grant (`client_secret_basic` or `private_key_jwt`)
- `POST /oauth/introspect` — RFC 7662, for the client's own tokens
- `POST /oauth/revoke` — RFC 7009, for the client's own tokens
- `GET /.well-known/jwks.json` — the key ring's public keys (access tokens, NOC certificates)
- `GET /.well-known/oauth-authorization-server` — RFC 8414 metadata

Errors follow RFC 6749 §5.2 (`error`, `error_description`) because OAuth clients parse that
shape; the same body also carries the RFC 9457 members (`type`, `title`, `status`, `detail`),
so it reads as a problem document too.

Client authentication is throttled per claimed client and per address, and locked out after
repeated failures (`auth.throttle.LoginThrottle`, on `app.state.login_throttle`): `429` with
`Retry-After`, before any secret is hashed. Every attempt is audited, failed ones with the
client id they claimed and why they failed.

`build_oauth_router()` needs `app.state.auth` (an `AuthService`); the `OAuthServer` is built once
per app and kept on `app.state.oauth`.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from authlib.oauth2 import OAuth2Error
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from api.middleware import peer_address
from api.proxies import Peer
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
    claimed_client_id,
)
from auth.throttle import LoginThrottle

from ..schemas_oauth import (
    AuthorizationServerMetadata,
    IntrospectionResponse,
    JsonWebKeySet,
    RevocationResponse,
    TokenRequest,
    TokenRequestByToken,
    TokenResponse,
)

_MAX_FORM_FIELDS = 20


def _form(model: type[BaseModel]) -> dict[str, Any]:
    """The form body of an OAuth endpoint (`model` is in the document's schemas)."""
    ref = {"$ref": f"#/components/schemas/{model.__name__}"}
    content = {"application/x-www-form-urlencoded": {"schema": ref}}
    return {"requestBody": {"required": True, "content": content}}


def _answers(model: type[BaseModel], description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": description}}


def _server(request: Request) -> OAuthServer:
    server = getattr(request.app.state, "oauth", None)
    if not isinstance(server, OAuthServer):
        server = OAuthServer(auth_service(request))
        request.app.state.oauth = server
    return server


def _throttle(request: Request) -> LoginThrottle:
    throttle = getattr(request.app.state, "login_throttle", None)
    if not isinstance(throttle, LoginThrottle):
        service = auth_service(request)
        settings = service.settings
        throttle = LoginThrottle(
            rate_per_minute=settings.token_rate_per_minute,
            max_failures=settings.lockout_failures,
            lockout_s=settings.lockout_s,
            failures=service.failures,  # shared by every worker and machine
        )
        request.app.state.login_throttle = throttle
    return throttle


class _BadRequest(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.result: Response = (
            400,
            {"error": error, "error_description": description},
            [("Cache-Control", "no-store")],
        )


async def _form_request(request: Request, server: OAuthServer, path: str) -> FormRequest:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise _BadRequest(
            "invalid_request",
            "send the parameters as application/x-www-form-urlencoded (RFC 6749 §4.4.2)",
        )
    async with request.form(max_fields=_MAX_FORM_FIELDS, max_files=0) as data:
        form = {k: v for k, v in data.items() if isinstance(v, str)}
    peer = getattr(request.state, "peer", None)
    try:
        return FormRequest(
            request.method,
            server.request_uri(path),
            request.headers,
            form,
            cert_thumbprint=peer.cert_thumbprint if isinstance(peer, Peer) else None,
        )
    except OAuth2Error as exc:  # InsecureTransportError: the issuer is not https or loopback
        raise _BadRequest(
            "invalid_request",
            f"{exc.description} Configure auth.issuer as the server's https:// address.",
        ) from None


async def _handle(
    request: Request, path: str, call: Callable[[OAuthServer, FormRequest], Response]
) -> JSONResponse:
    server = _server(request)
    try:
        form = await _form_request(request, server, path)
    except _BadRequest as exc:
        return _respond(request, {}, None, exc.result)
    claimed = claimed_client_id(form)
    address = peer_address(request.scope)
    throttle = _throttle(request)
    # the failure counts live in the state database: off the event loop
    refused = await run_in_threadpool(throttle.check, claimed, address)
    if refused is not None:
        seconds = max(1, int(refused.retry_after_s + 0.999))
        result: Response = (
            429,
            {
                "error": "invalid_request",
                "error_description": f"{refused.reason}: retry after {seconds} s",
            },
            [("Retry-After", str(seconds)), ("Cache-Control", "no-store")],
        )
        return _respond(request, form.form, claimed, result)
    result = await run_in_threadpool(call, server, form)
    if result[1].get("error") == "invalid_client":
        if await run_in_threadpool(throttle.failed, claimed, address):
            request.state.audit_lockout = True
    elif result[0] < 400:
        await run_in_threadpool(throttle.succeeded, claimed, address)
    client_id = getattr(getattr(form, "client", None), "client_id", None)
    return _respond(request, form.form, client_id or claimed, result)


def _respond(
    request: Request, form: dict[str, str], client_id: str | None, result: Response
) -> JSONResponse:
    status, body, headers = result
    if body.get("error") == "invalid_client":
        # authlib answers 400 when no Authorization header was tried; one status for a failed
        # client authentication (RFC 6749 §5.2 allows 401 always)
        status = 401
    elif body.get("error") == "unsupported_token_type":
        status = 400  # RFC 7009 §2.2.1 (authlib sends it as a 401)
    if status == 401 and not any(k.lower() == "www-authenticate" for k, _ in headers):
        headers = [*headers, ("WWW-Authenticate", 'Basic realm="icjs"')]
    client_id = client_id or form.get("client_id")
    # One answer for unknown, disabled and wrong-secret clients (no client id enumeration).
    if body.get("error") == "invalid_client" and "does not exist" in str(
        body.get("error_description", "")
    ):
        body = {**body, "error_description": "client authentication failed"}
    if client_id:
        request.state.audit_actor = str(client_id)[:200]
        request.state.audit_client = str(client_id)[:200]
    request.state.audit_query = {
        k: form[k] for k in ("grant_type", "scope", "token_type_hint") if k in form
    }
    if status >= 400:
        description = str(body.get("error_description") or body.get("error") or "")
        request.state.auth_denied = description + (
            "; further attempts are locked out"
            if getattr(request.state, "audit_lockout", False)
            else ""
        )
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
        response_model=None,
        responses=_answers(TokenResponse, "The access token."),
        openapi_extra=_form(TokenRequest),
    )
    async def token(request: Request) -> JSONResponse:
        return await _handle(request, TOKEN_PATH, OAuthServer.token_response)

    @router.post(
        INTROSPECT_PATH,
        name="oauth.introspect",
        summary="Introspect one of your access tokens (RFC 7662)",
        description="Whether one of your tokens is active, and its claims.",
        response_model=None,
        responses=_answers(IntrospectionResponse, "The token's state."),
        openapi_extra=_form(TokenRequestByToken),
    )
    async def introspect(request: Request) -> JSONResponse:
        return await _handle(request, INTROSPECT_PATH, OAuthServer.introspection_response)

    @router.post(
        REVOKE_PATH,
        name="oauth.revoke",
        summary="Revoke one of your access tokens (RFC 7009)",
        description="Revokes the token at once on every node; the answer is the same whether "
        "or not the token was known.",
        response_model=None,
        responses=_answers(RevocationResponse, "Done (or nothing to do)."),
        openapi_extra=_form(TokenRequestByToken),
    )
    async def revoke(request: Request) -> JSONResponse:
        return await _handle(request, REVOKE_PATH, OAuthServer.revocation_response)

    @router.get(
        JWKS_PATH,
        name="oauth.jwks",
        summary="Public signing keys (JWK Set)",
        description="Verify access tokens and NOC certificates offline against these keys.",
        response_model=None,
        responses=_answers(JsonWebKeySet, "The public keys (RFC 7517)."),
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
        description="Where the endpoints are, and the grants, scopes and client authentication "
        "methods they accept.",
        response_model=None,
        responses=_answers(AuthorizationServerMetadata, "The metadata."),
    )
    def metadata(request: Request) -> JSONResponse:
        return JSONResponse(_server(request).metadata())

    return router


router = build_oauth_router()

"""Signing in to the console: the authorisation-code grant with PKCE against our own issuer.

- `GET /console/login`: the console (a public first-party client, `icjs-console`) makes a code
  verifier and a `state`, keeps them in a short signed cookie, and sends the browser to
  `/oauth/authorize` with the S256 challenge.
- `GET /oauth/authorize`: the issuer checks the client and its registered redirect URI (exact
  match; S256 only) and asks for the officer's id and password.
- `POST /oauth/authorize`: the password is checked (`auth.accounts`, scrypt; failures throttled
  per address); a one-time code bound to the challenge goes back to the redirect URI.
- `GET /console/callback`: the console checks `state`, redeems the code with the verifier
  (in-process: the issuer lives in the same application) and the officer's identity token from
  the built-in issuer starts the session cookie (`web.session`).
- `POST /console/logout`: the token is revoked and the cookie cleared.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.middleware import peer_address
from api.ratelimit import TokenBucket
from auth.accounts import OfficerAccounts
from auth.authorization_codes import AuthorizationCodes
from auth.keys import peek_payload
from auth.service import AuthService

from .console.access import sessions
from .session import PENDING_COOKIE, SESSION_COOKIE, SESSION_MAX_S, clear_cookie, set_cookie
from .templating import render

router = APIRouter(include_in_schema=False)

CONSOLE_CLIENT = "icjs-console"
CONSOLE_REDIRECT = "/console/callback"
# the first-party clients allowed at the authorisation endpoint, and their redirect URIs
REDIRECTS = {CONSOLE_CLIENT: CONSOLE_REDIRECT}
PENDING_TTL_S = 600


def _accounts(request: Request) -> OfficerAccounts:
    found: OfficerAccounts = request.app.state.officer_accounts
    return found


def _codes(request: Request) -> AuthorizationCodes:
    found: AuthorizationCodes = request.app.state.authorization_codes
    return found


@router.get("/console/login")
async def start(request: Request) -> Response:
    verifier = secrets.token_urlsafe(48)
    state = secrets.token_urlsafe(16)
    query = urlencode(
        {
            "response_type": "code",
            "client_id": CONSOLE_CLIENT,
            "redirect_uri": CONSOLE_REDIRECT,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
            "state": state,
            "locked": request.query_params.get("locked", ""),
        }
    )
    response = RedirectResponse(f"/oauth/authorize?{query}", status_code=303)
    pending = sessions(request).sign({"v": verifier, "st": state})
    set_cookie(response, PENDING_COOKIE, pending, max_age=PENDING_TTL_S)
    return response


def _authorize_params(values: Any) -> tuple[dict[str, str], str | None]:
    """The request's parameters and what is wrong with them (None when nothing)."""
    params = {
        k: str(values.get(k, ""))[:200]
        for k in (
            "response_type",
            "client_id",
            "redirect_uri",
            "code_challenge",
            "code_challenge_method",
            "state",
        )
    }
    if REDIRECTS.get(params["client_id"]) is None:
        return params, "unknown client"
    if params["redirect_uri"] != REDIRECTS[params["client_id"]]:
        return params, "the redirect URI is not the one registered for this client"
    if params["response_type"] != "code":
        return params, "response_type must be code"
    if params["code_challenge_method"] != "S256" or not 43 <= len(params["code_challenge"]) <= 128:
        return params, "a PKCE code challenge with method S256 is required"
    return params, None


@router.get("/oauth/authorize")
async def authorize_form(request: Request) -> Response:
    params, problem = _authorize_params(request.query_params)
    if problem:
        return render(
            request, "message.html", {"title_key": "signin.refused", "detail": problem}, status=400
        )
    locked = request.query_params.get("locked") == "1"
    return render(request, "signin.html", {"params": params, "locked": locked, "error": None})


@router.post("/oauth/authorize")
async def authorize(request: Request) -> Response:
    form = await request.form()
    params, problem = _authorize_params(form)
    if problem:
        return render(
            request, "message.html", {"title_key": "signin.refused", "detail": problem}, status=400
        )
    officer_id = str(form.get("officer_id", ""))[:100]
    request.state.audit_actor = officer_id or None
    limit: TokenBucket = request.app.state.signin_limit
    if limit.take(f"signin:{peer_address(request.scope)}") > 0:
        request.state.auth_denied = "sign-in attempts from this address exceeded"
        return render(
            request,
            "signin.html",
            {"params": params, "locked": False, "error": "signin.throttled"},
            status=429,
        )
    auth: AuthService = request.app.state.auth
    account = None
    if auth.demo is not None:  # with an external IdP, officers sign in there
        account = _accounts(request).authenticate(officer_id, str(form.get("password", "")))
    if account is None:
        request.state.auth_denied = "console sign-in: wrong officer id or password"
        return render(
            request,
            "signin.html",
            {"params": params, "locked": False, "error": "signin.wrong"},
            status=401,
        )
    code = _codes(request).issue(
        subject=account.officer_id,
        client_id=params["client_id"],
        redirect_uri=params["redirect_uri"],
        challenge=params["code_challenge"],
    )
    target = params["redirect_uri"] + "?" + urlencode({"code": code, "state": params["state"]})
    return RedirectResponse(target, status_code=303)


@router.get("/console/callback")
async def callback(request: Request) -> Response:
    store = sessions(request)
    pending = store.unsign(request.cookies.get(PENDING_COOKIE))
    code = request.query_params.get("code", "")
    state = request.query_params.get("state", "")
    subject = None
    if pending and secrets.compare_digest(str(pending.get("st", "")), state):
        subject = _codes(request).redeem(
            code,
            client_id=CONSOLE_CLIENT,
            redirect_uri=CONSOLE_REDIRECT,
            verifier=str(pending.get("v", "")),
        )
    account = _accounts(request).get(subject) if subject else None
    auth: AuthService = request.app.state.auth
    if account is None or auth.demo is None:
        request.state.auth_denied = "console sign-in: the code or state did not verify"
        return render(
            request,
            "message.html",
            {"title_key": "signin.refused", "detail": "signin.retry"},
            status=400,
        )
    token = auth.demo.mint(
        role=account.role,
        state=account.state,
        district=account.district,
        police_station=account.police_station,
        clearances=account.clearances,
        subject=account.officer_id,
        ttl_s=SESSION_MAX_S,
    )
    response = RedirectResponse("/console", status_code=303)
    clear_cookie(response, PENDING_COOKIE)
    store.write(response, store.new(token, account.name))
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    store = sessions(request)
    session, _ = store.read(request.cookies.get(SESSION_COOKIE))
    form = await request.form()
    if session is not None and store.check_csrf(session, str(form.get("csrf", ""))):
        auth: AuthService = request.app.state.auth
        claims = peek_payload(session.token)
        auth.revocations.revoke(str(claims.get("jti", "")), None, int(claims.get("exp", 0)))
    response = RedirectResponse("/console/login", status_code=303)
    clear_cookie(response, SESSION_COOKIE)
    return response

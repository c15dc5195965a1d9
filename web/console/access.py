"""Who is at the console: the session cookie turned into a verified `Caller`, or a redirect to
sign in.

The identity token in the session goes through `AuthService.authenticate`, as a `Bearer` token
would (signature, issuer, expiry, revocation), then the policy's scope for the API route the
page stands for (`auth.require`: deny by default), then the caller's rate limit. The verified
caller is left on `request.state.caller`, so the audit entry names the officer.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.deps import take_allowance
from api.proxies import Peer
from auth.errors import ProblemError
from auth.principal import Caller
from auth.service import AuthService

from ..session import SESSION_COOKIE, Session, Sessions
from ..templating import render


@dataclass(frozen=True)
class Officer:
    caller: Caller
    session: Session


def sessions(request: Request) -> Sessions:
    found: Sessions = request.app.state.web_sessions
    return found


def sign_in_redirect(*, locked: bool = False) -> Response:
    return RedirectResponse("/console/login" + ("?locked=1" if locked else ""), status_code=303)


def officer(request: Request, route_name: str | None) -> Officer | Response:
    """The signed-in officer allowed to use `route_name`'s scope, or the response to send
    instead (a redirect to sign in, a page saying what the role may not do; a 429 is raised
    as `ProblemError`)."""
    store = sessions(request)
    session, locked = store.read(request.cookies.get(SESSION_COOKIE))
    if session is None:
        request.state.auth_denied = "console: idle lock" if locked else "console: not signed in"
        return sign_in_redirect(locked=locked)
    auth: AuthService = request.app.state.auth
    peer = getattr(request.state, "peer", None)
    try:
        caller = auth.authenticate(
            f"Bearer {session.token}",
            cert_thumbprint=peer.cert_thumbprint if isinstance(peer, Peer) else None,
        )
    except ProblemError as exc:
        request.state.auth_denied = f"console: {exc.detail}"
        return sign_in_redirect()
    request.state.caller = caller
    try:
        if route_name is not None:  # None: only who it is (the landing redirect)
            auth.require(caller, auth.policy.required_scope(route_name))
    except ProblemError as exc:  # deny by default: the page says so, nothing is read
        request.state.auth_denied = exc.detail
        return render(
            request,
            "message.html",
            {"title_key": "errors.forbidden", "detail": exc.detail},
            status=403,
        )
    take_allowance(request, caller)
    return Officer(caller, store.touch(session))


def may(request: Request, who: Officer, route_name: str) -> bool:
    """Whether the officer's role and token allow another page's work (to offer it or not)."""
    auth: AuthService = request.app.state.auth
    return bool(auth.policy.allows(who.caller, auth.policy.required_scope(route_name)))


def keep_alive(request: Request, response: Response, who: Officer) -> Response:
    """Re-issue the session cookie with the new activity time."""
    sessions(request).write(response, who.session)
    return response

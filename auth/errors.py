"""Typed authentication and authorisation errors, ready to be rendered as RFC 9457 problems.

Every error is a `records.errors.IcjsError`: an HTTP status, a short `title`, a `detail` that
tells a human what to fix, and the headers the status requires (`WWW-Authenticate` on 401 and
on a 403 for missing scope, per RFC 6750 §3). The API's error handler renders them as
`application/problem+json`; nothing here depends on FastAPI, so the CLI and the policy can
raise the same types.

Messages never contain a token, a secret or record contents.
"""

from __future__ import annotations

from collections.abc import Mapping

from records.errors import IcjsError


class ProblemError(IcjsError):
    """An error that becomes an RFC 9457 problem document, with its status given positionally
    (`ProblemError(503, "Service Unavailable", "…")`): the API's own errors and the security
    layer's. `type_uri` defaults to `about:blank`, in which case the title should be the HTTP
    reason."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        type_uri: str = "about:blank",
    ) -> None:
        super().__init__(detail, status=status, title=title, headers=headers, type_uri=type_uri)


def _quote(value: str) -> str:
    # RFC 6750 §3: auth-param values are quoted strings; keep them free of quotes and backslashes.
    return value.replace("\\", "").replace('"', "'")


class Unauthenticated(ProblemError):
    """401: no credentials, or credentials that do not prove who the caller is."""

    def __init__(self, detail: str, *, error: str | None = "invalid_token") -> None:
        challenge = 'Bearer realm="icjs"'
        if error:
            challenge += f', error="{error}", error_description="{_quote(detail)}"'
        super().__init__(401, "Unauthorized", detail, headers={"WWW-Authenticate": challenge})


class Forbidden(ProblemError):
    """403: the caller is known but may not do this."""

    def __init__(self, detail: str, *, missing_scope: str | None = None) -> None:
        headers: dict[str, str] = {}
        if missing_scope:
            headers["WWW-Authenticate"] = (
                'Bearer realm="icjs", error="insufficient_scope", '
                f'scope="{_quote(missing_scope)}", '
                f'error_description="{_quote(detail)}"'
            )
        super().__init__(403, "Forbidden", detail, headers=headers)
        self.missing_scope = missing_scope


class AuthConfigError(IcjsError):
    """The auth configuration cannot work (bad policy file, unreadable key directory)."""

    status = 500

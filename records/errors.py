"""The root of the project's error types: each failure says once what it means to a caller.

Every error a caller can meet derives from `IcjsError` and carries the HTTP status it stands for,
a short title, a detail that tells a human what to do, and the headers the status needs
(`Retry-After` on 503 and 429, `WWW-Authenticate` on 401). The API maps `IcjsError` to an
RFC 9457 problem in one handler (`api.errors`), so a new error type needs no new mapping; the
CLI prints `detail` on one line. Anything that is not an `IcjsError` is a bug, answered as a
500 that names the request id and nothing of the internals.

It lives in `records` because every package may import it (imports point down to `records`).
Details never hold a token, a secret or record contents.
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus


class IcjsError(Exception):
    """A failure with its meaning for a caller. Subclasses set `status` (and `title`,
    `retry_after_s`) as class attributes, or pass them to the constructor."""

    status: int = 500
    title: str | None = None  # None: the HTTP reason phrase of `status`
    retry_after_s: int | None = None  # None or 0: no Retry-After
    type_uri: str = "about:blank"

    def __init__(
        self,
        detail: str,
        *,
        status: int | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        retry_after_s: int | None = None,
        type_uri: str | None = None,
    ) -> None:
        super().__init__(detail)
        if status is not None:
            self.status = status
        if title is not None:
            self.title = title
        if retry_after_s is not None:
            self.retry_after_s = retry_after_s
        if type_uri is not None:
            self.type_uri = type_uri
        self.detail = detail
        self.headers: dict[str, str] = dict(headers or {})
        if self.retry_after_s and "Retry-After" not in self.headers:
            self.headers["Retry-After"] = str(int(self.retry_after_s))

    @property
    def reason(self) -> str:
        """The title, or the HTTP reason phrase of the status."""
        if self.title:
            return self.title
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Error"

    def to_problem(self, instance: str | None = None) -> dict[str, object]:
        """The RFC 9457 problem document body (§3.1)."""
        body: dict[str, object] = {
            "type": self.type_uri,
            "title": self.reason,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        return body


class Unavailable(IcjsError):
    """A dependency cannot answer now (the search index, the audit log): try again later."""

    status = 503
    retry_after_s = 5

"""Error types of the connectors. Each carries a message fit for an operator: no secrets, no
payloads (payloads go to the quarantine, not into exception text)."""

from __future__ import annotations


class MappingError(Exception):
    """A source row that cannot become a canonical record. Never fatal: the row is quarantined
    with this reason."""

    def __init__(self, reason: str, *, issue: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        # the same without the value (`unparseable date`): what a record's `data_issues` says
        # when the field is withheld instead of the row being refused
        self.issue = issue or "unreadable"


class SourceError(Exception):
    """A source run cannot go on (after retries, or on a response that retrying cannot fix).
    The run stops, its checkpoint stays where the last committed page left it."""

    def __init__(self, source: str, message: str, *, status: int | None = None) -> None:
        super().__init__(f"{source}: {message}")
        self.source = source
        self.status = status


class RetryableError(SourceError):
    """A failed attempt worth another try: 408, 429, 5xx, dropped connections, garbled bodies."""

    def __init__(
        self,
        source: str,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        counts_for_breaker: bool = True,
    ) -> None:
        super().__init__(source, message, status=status)
        self.retry_after = retry_after
        self.counts_for_breaker = counts_for_breaker


class AuthExpired(SourceError):
    """401 on a bearer token: renew the token once, then try again."""


class PageExpired(SourceError):
    """410 on a page token: the walk restarts from its last committed position."""


class CircuitOpen(SourceError):
    """The source failed too often in a row; calls fail fast until the breaker half-opens."""


class SourceNotFound(SourceError):
    """404 on a point look-up."""

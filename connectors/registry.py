"""Source name → connector class, and building a connector with its authenticated client."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import httpx

from config import SourceSettings
from connectors.alis import AlisConnector
from connectors.base import Connector
from connectors.cctns import CctnsConnector
from connectors.eprisons import EprisonsConnector
from connectors.errors import SourceError
from connectors.http import (
    ApiKeyAuth,
    Auth,
    BasicAuth,
    ClientCredentials,
    NoAuth,
    SourceClient,
)
from connectors.ivfrt import IvfrtConnector
from connectors.khoyapaya import KhoyapayaConnector
from connectors.ncrp import NcrpConnector
from connectors.retry import CircuitBreaker, RetryPolicy
from connectors.sarathi import SarathiConnector
from connectors.vahan import VahanConnector

CONNECTORS: dict[str, type[Connector]] = {
    "cctns": CctnsConnector,
    "eprisons": EprisonsConnector,
    "vahan": VahanConnector,
    "sarathi": SarathiConnector,
    "alis": AlisConnector,
    "ncrp": NcrpConnector,
    "ivfrt": IvfrtConnector,
    "khoyapaya": KhoyapayaConnector,
}
_OAUTH = {"eprisons", "ncrp"}
_BASIC = {"alis"}


def build_auth(name: str, settings: SourceSettings) -> Auth:
    """The source's authentication from its settings; a missing credential is named, never
    shown."""
    if name in _OAUTH:
        if not settings.client_id or settings.client_secret is None:
            raise SourceError(name, "needs client_id and client_secret")
        return ClientCredentials(
            "/oauth/token", settings.client_id, settings.client_secret.get_secret_value()
        )
    if name in _BASIC:
        if not settings.username or settings.password is None:
            raise SourceError(name, "needs username and password")
        return BasicAuth(settings.username, settings.password.get_secret_value())
    if settings.api_key is None:
        raise SourceError(name, "needs api_key")
    return ApiKeyAuth(settings.api_key.get_secret_value())


def open_connector(
    name: str,
    settings: SourceSettings,
    *,
    policy: RetryPolicy | None = None,
    breaker: CircuitBreaker | None = None,
    work_dir: Path | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    on_retry: Callable[[str, BaseException], None] | None = None,
) -> Connector:
    """A ready connector. Close it with `await connector.client.aclose()`.

    The API uses this for point look-ups (`VahanConnector.lookup_registration`, …)."""
    if name not in CONNECTORS:
        raise SourceError(name, f"unknown source; known: {', '.join(CONNECTORS)}")
    if not settings.url:
        raise SourceError(name, "has no url configured")
    policy = policy or RetryPolicy()
    client = SourceClient(
        name,
        settings.url,
        build_auth(name, settings),
        policy,
        breaker or CircuitBreaker(name, failures=5, reset_s=60.0),
        timeout_s=settings.timeout_s,
        transport=transport,
        on_retry=on_retry,
    )
    return CONNECTORS[name](client, settings, work_dir=work_dir)


def mapping_connector(name: str) -> Connector:
    """A connector used only for `map_row` (quarantine replay): it never sends a request."""
    client = SourceClient(
        name, "http://127.0.0.1:9/", NoAuth(), RetryPolicy(), CircuitBreaker(name, 1, 1.0)
    )
    return CONNECTORS[name](client, SourceSettings())

"""Every source's descriptor, by name, and building a connector with its authenticated client.

`SOURCES` is the one list of sources: a new source is its folder (`connectors/sources/<name>/`)
and one line here (or, for a source defined outside the tree, one `register` call).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx

from config import SourceSettings
from connectors.base import Connector
from connectors.descriptor import SourceDescriptor
from connectors.errors import SourceError
from connectors.http import (
    ApiKeyAuth,
    Auth,
    BasicAuth,
    ClientCredentials,
    NoAuth,
    SourceClient,
)
from connectors.retry import CircuitBreaker, RetryPolicy
from connectors.sources import alis, cctns, eprisons, ivfrt, khoyapaya, ncrp, sarathi, vahan
from records import register_source

SOURCES: dict[str, SourceDescriptor] = {
    d.name: d
    for d in (
        cctns.SOURCE,
        eprisons.SOURCE,
        vahan.SOURCE,
        sarathi.SOURCE,
        alis.SOURCE,
        ncrp.SOURCE,
        ivfrt.SOURCE,
        khoyapaya.SOURCE,
    )
}


class _Connectors(Mapping[str, type[Connector]]):
    """Source name → connector class, read from `SOURCES` (so a registered source is in it)."""

    def __getitem__(self, name: str) -> type[Connector]:
        return SOURCES[name].connector

    def __iter__(self) -> Iterator[str]:
        return iter(SOURCES)

    def __len__(self) -> int:
        return len(SOURCES)


CONNECTORS: Mapping[str, type[Connector]] = _Connectors()


def register(descriptor: SourceDescriptor) -> None:
    """Add a source: its name becomes a `records.Source` and the settings accept it."""
    register_source(descriptor.name)
    SOURCES[descriptor.name] = descriptor


def build_auth(name: str, settings: SourceSettings) -> Auth:
    """The source's authentication from its settings; a missing credential is named, never
    shown."""
    auth = SOURCES[name].auth if name in SOURCES else "api_key"
    if auth == "oauth":
        if not settings.client_id or settings.client_secret is None:
            raise SourceError(name, "needs client_id and client_secret")
        return ClientCredentials(
            "/oauth/token", settings.client_id, settings.client_secret.get_secret_value()
        )
    if auth == "basic":
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

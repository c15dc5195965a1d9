"""Prometheus counters of the sync, per source. The API exposes the default registry; tests pass
their own `CollectorRegistry` so that counts do not leak between them."""

from __future__ import annotations

from functools import lru_cache

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge


class SyncMetrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        reg = registry if registry is not None else REGISTRY

        def counter(name: str, doc: str) -> Counter:
            return Counter(f"icjs_sync_{name}", doc, ["source"], registry=reg)

        self.fetched = counter("fetched", "Rows fetched from the source")
        self.indexed = counter("indexed", "Records written to the index (new or changed)")
        self.deleted = counter("deleted", "Records deleted from the index")
        self.quarantined = counter("quarantined", "Rows and files put in quarantine")
        self.retries = counter("retries", "Retried requests")
        self.redacted = counter("redacted", "Aadhaar numbers removed from payloads")
        self.last_success = Gauge(
            "icjs_sync_last_success_timestamp_seconds",
            "When the last complete sync of the source ended",
            ["source"],
            registry=reg,
        )


@lru_cache(maxsize=1)
def default_metrics() -> SyncMetrics:
    """The process-wide counters on the default registry (created once: Prometheus refuses a
    second registration of the same name)."""
    return SyncMetrics()

"""Prometheus metrics, one registry per app (no module-level state, so two apps in one process,
as in tests, do not share counters). `/metrics` also exposes the process-wide default registry,
where other packages (the sync engine) register their counters."""

from __future__ import annotations

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

import matching

# Latency buckets around the goals (p95 ≤ 50 ms): fine below 100 ms, coarse above.
_LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "icjs_http_requests_total",
            "HTTP requests by route template, method and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "icjs_http_request_duration_seconds",
            "HTTP request latency by route template.",
            ("method", "route"),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.rate_limited = Counter(
            "icjs_rate_limited_total",
            "Requests refused with 429, by limit (caller or address).",
            ("limit",),
            registry=self.registry,
        )
        self.candidates = Histogram(
            "icjs_search_candidates",
            "Candidates the backend returned per search.",
            ("kind",),
            buckets=(0, 1, 5, 10, 25, 50, 100, 200, 300, 500, 1000),
            registry=self.registry,
        )
        self.live_lookups = Counter(
            "icjs_vahan_live_lookups_total",
            "Live Vahan look-ups for plates not yet synced, by outcome.",
            ("outcome",),
            registry=self.registry,
        )
        self.nocs = Counter(
            "icjs_noc_issued_total",
            "NOCs issued, by decision.",
            ("decision",),
            registry=self.registry,
        )
        self.matcher_compiled = Gauge(
            "icjs_matcher_compiled",
            "1 when the name matcher runs compiled (mypyc), 0 when it runs as plain Python "
            "(the same answers at about half the speed: see scripts/compile_matching.py).",
            registry=self.registry,
        )
        self.matcher_compiled.set(1 if matching.compiled() else 0)

    def exposition(self) -> bytes:
        return generate_latest(self.registry) + generate_latest(REGISTRY)

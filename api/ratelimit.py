"""Token-bucket rate limits in memory, per caller (partner client or officer) and per address.

In memory on purpose: one API node enforces its own share, and a cluster of N nodes behind a
balancer admits up to N times the rate, which is the accepted trade for having no shared store
on the hot path. Buckets are bounded in number (least recently used evicted), so a flood of new
keys cannot grow memory without bound.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucket:
    """`rate_per_minute` sustained, bursts up to `burst`. `take(key)` returns 0.0 when the
    request may go, else the seconds until one token is back (the `Retry-After`)."""

    def __init__(
        self,
        rate_per_minute: int,
        *,
        burst: int | None = None,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_per_minute < 1:
            raise ValueError("rate_per_minute must be at least 1")
        self.rate = rate_per_minute / 60.0
        # A burst of a tenth of a minute's allowance (at least 5) lets a client fire a page of
        # parallel requests without being throttled, while a loop is held to the rate.
        self.burst = float(burst if burst is not None else max(5, rate_per_minute // 10))
        self._max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now)
                if len(self._buckets) > self._max_keys:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
                bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
                bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate

"""Retry timing and the per-source circuit breaker.

Rules (sources/README.md): 408, 429 and 5xx are retried with exponential backoff and full jitter;
`Retry-After` (seconds or an HTTP date) replaces the backoff when the server sends it; every wait
is capped; other 4xx are not retried (401 renews a bearer token once; 410 restarts a page walk).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from config import SyncSettings
from connectors.errors import CircuitOpen


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Tests shrink the timings; production uses `SyncSettings`."""

    max_attempts: int = 8
    initial_s: float = 0.5
    max_s: float = 60.0
    # Retry-After beyond this is cut to it: a server asking for an hour would stall the run;
    # the next scheduled sync picks up from the checkpoint instead.
    retry_after_cap_s: float = 300.0

    @classmethod
    def from_settings(cls, settings: SyncSettings) -> RetryPolicy:
        return cls(
            max_attempts=settings.max_attempts,
            initial_s=settings.backoff_initial_s,
            max_s=settings.backoff_max_s,
            retry_after_cap_s=max(settings.backoff_max_s, 300.0),
        )

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Full jitter: uniform in [0, min(max, initial·2^(attempt-1))]. Jitter keeps many
        connectors from hammering a source that has just come back, all at the same instant."""
        ceiling = min(self.max_s, self.initial_s * math.pow(2, max(0, attempt - 1)))
        return (rng or random).uniform(0, ceiling)

    def honour(self, retry_after: float) -> float:
        return max(0.0, min(retry_after, self.retry_after_cap_s))


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header in either form; None when absent or garbled."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class CircuitBreaker:
    """Closed → open after `failures` unguided failures in a row → half-open after `reset_s`
    (one trial call) → closed on success, open again on failure.

    "Unguided" failures are the ones the server gave no advice about (5xx without Retry-After,
    dropped connections, garbled bodies). A 429 or a maintenance 503 with Retry-After says the
    source is alive and when to come back, so those do not count."""

    def __init__(
        self,
        source: str,
        failures: int,
        reset_s: float,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self.failures = failures
        self.reset_s = reset_s
        self._clock = clock
        self._consecutive = 0
        self._opened_at: float | None = None
        self.trips = 0

    @property
    def state(self) -> str:
        if self._opened_at is None:
            return "closed"
        return "half-open" if self._clock() - self._opened_at >= self.reset_s else "open"

    def check(self) -> None:
        if self.state == "open":
            raise CircuitOpen(
                self.source,
                f"circuit open after {self._consecutive} failures in a row; "
                f"next trial in {self.reset_s - (self._clock() - (self._opened_at or 0)):.0f}s",
            )

    def record_success(self) -> None:
        self._consecutive = 0
        self._opened_at = None

    def record_failure(self) -> None:
        self._consecutive += 1
        half_open = self.state == "half-open"
        if half_open or self._consecutive >= self.failures:
            self._opened_at = self._clock()
            self.trips += 1

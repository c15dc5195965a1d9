"""Faults on demand: what a source does wrong, how often, seeded.

Transient faults (429, 5xx, slow pages, dropped connections, duplicates within a page, expired
tokens, offset shifts, corrupt downloads) are decided per request from a seeded generator, so a
run is reproducible given the same sequence of requests. Malformed records are not decided here:
they are part of the generated world (`bad_rate`), so the ground truth can name them.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Literal

Profile = Literal["none", "default", "harsh"]


@dataclass(frozen=True)
class FaultSpec:
    """Per-request probabilities and the sizes of what goes wrong."""

    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_502: float = 0.0  # often an HTML page from the gateway
    rate_503: float = 0.0  # maintenance: Retry-After in seconds
    rate_504: float = 0.0  # gateway timeout, HTML
    rate_slow: float = 0.0
    slow_s: tuple[float, float] = (0.5, 2.0)  # the contracts allow up to 10 s
    rate_drop: float = 0.0  # connection closed part-way through the body
    rate_dup: float = 0.0  # a page repeats one id (an older version) — per page
    rate_token_expiry: float = 0.0  # OAuth: a valid token is refused as expired
    rate_page_token_expiry: float = 0.0  # CCTNS: a page token answered with 410
    rate_offset_shift: float = 0.0  # e-Prisons: late rows inserted while a client pages
    rate_corrupt_file: float = 0.0  # ALIS: a download whose bytes do not match the SHA-256
    retry_after_s: tuple[int, int] = (1, 3)
    # A maintenance 503 opens a window: every request (token endpoints too) gets 503 until the
    # Retry-After it announced has passed. Off in the profiles: it exists to test breakers.
    maintenance_windows: bool = False
    bad_rate: float = 0.0  # share of extra malformed records generated into the world


PROFILES: dict[str, FaultSpec] = {
    "none": FaultSpec(),
    "default": FaultSpec(
        rate_429=0.02,
        rate_500=0.005,
        rate_502=0.005,
        rate_503=0.005,
        rate_504=0.002,
        rate_slow=0.01,
        slow_s=(0.2, 1.0),
        rate_drop=0.005,
        rate_dup=0.02,
        rate_token_expiry=0.01,
        rate_page_token_expiry=0.01,
        rate_offset_shift=0.05,
        rate_corrupt_file=0.05,
        bad_rate=0.005,
    ),
    "harsh": FaultSpec(
        rate_429=0.06,
        rate_500=0.02,
        rate_502=0.02,
        rate_503=0.02,
        rate_504=0.01,
        rate_slow=0.03,
        slow_s=(0.2, 2.0),
        rate_drop=0.02,
        rate_dup=0.08,
        rate_token_expiry=0.05,
        rate_page_token_expiry=0.04,
        rate_offset_shift=0.2,
        rate_corrupt_file=0.25,
        bad_rate=0.02,
    ),
}


def profile(name: str, **overrides: object) -> FaultSpec:
    if name not in PROFILES:
        raise ValueError(f"unknown fault profile {name!r}; known: {', '.join(PROFILES)}")
    return replace(PROFILES[name], **overrides)  # type: ignore[arg-type]


ErrorFault = Literal["429", "500", "502", "503", "504"]


@dataclass
class FaultState:
    """One source's faults: the spec, a seeded generator, and a tally of what was injected."""

    spec: FaultSpec
    seed: str
    injected: Counter[str] = field(default_factory=Counter)
    _rng: random.Random = field(init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def set_spec(self, spec: FaultSpec) -> None:
        with self._lock:
            self.spec = spec
            self.maintenance_until = 0.0

    maintenance_until: float = field(default=0.0, init=False)  # time.monotonic()

    def open_maintenance(self, seconds: int) -> None:
        if self.spec.maintenance_windows:
            with self._lock:
                self.maintenance_until = max(self.maintenance_until, time.monotonic() + seconds)

    def in_maintenance(self) -> int | None:
        """Seconds left in an open maintenance window (at least 1), or None."""
        left = self.maintenance_until - time.monotonic()
        return max(1, math.ceil(left)) if left > 0 else None

    def chance(self, rate: float, name: str) -> bool:
        if rate <= 0:
            return False
        with self._lock:
            hit = self._rng.random() < rate
        if hit:
            self.injected[name] += 1
        return hit

    def uniform(self, low: float, high: float) -> float:
        with self._lock:
            return self._rng.uniform(low, high)

    def randint(self, low: int, high: int) -> int:
        with self._lock:
            return self._rng.randint(low, high)

    def error(self, *, rate_limited: bool = True) -> ErrorFault | None:
        """Which error status, if any, this request gets instead of an answer."""
        s = self.spec
        table: list[tuple[ErrorFault, float]] = [
            ("500", s.rate_500),
            ("502", s.rate_502),
            ("503", s.rate_503),
            ("504", s.rate_504),
        ]
        if rate_limited:
            table.insert(0, ("429", s.rate_429))
        total = sum(rate for _, rate in table)
        if total <= 0:
            return None
        with self._lock:
            roll = self._rng.random()
        for name, rate in table:
            if roll < rate:
                self.injected[name] += 1
                return name
            roll -= rate
        return None

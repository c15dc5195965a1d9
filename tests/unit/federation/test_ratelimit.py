"""The token bucket behind per-caller and per-address limits."""

from __future__ import annotations

import pytest

from api.ratelimit import TokenBucket


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_rate() -> None:
    clock = Clock()
    bucket = TokenBucket(60, burst=3, clock=clock)
    assert [bucket.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take("a") == pytest.approx(1.0)  # one token a second
    clock.now = 1.0
    assert bucket.take("a") == 0.0
    assert bucket.take("b") == 0.0, "keys are independent"


def test_idle_time_refills_only_to_the_burst() -> None:
    clock = Clock()
    bucket = TokenBucket(600, burst=2, clock=clock)
    bucket.take("a")
    clock.now = 3600
    assert [bucket.take("a") for _ in range(3)][2] > 0


def test_key_count_is_bounded() -> None:
    bucket = TokenBucket(60, burst=1, max_keys=2, clock=Clock())
    for key in ("a", "b", "c"):
        bucket.take(key)
    assert bucket.take("a") == 0.0, "the oldest key was evicted, so it starts fresh"


def test_rate_must_be_positive() -> None:
    with pytest.raises(ValueError):
        TokenBucket(0)

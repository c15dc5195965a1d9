"""A value built from the whole index and kept for a while (the proclaimed-offenders list, the
offender registers): rebuilt on first use after `refresh_s` seconds, or after `refresh()`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Refreshed(Generic[T]):
    def __init__(
        self,
        build: Callable[[], T],
        *,
        refresh_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._build = build
        self._refresh_s = refresh_s
        self._clock = clock
        self._lock = threading.Lock()
        self._held: tuple[float, T] | None = None  # when built, and what

    def refresh(self) -> None:
        """Build again at the next use (after a sync, or in tests)."""
        with self._lock:
            self._held = None

    def current(self) -> T:
        with self._lock:  # one rebuild at a time; others wait for it rather than repeat it
            now = self._clock()
            if self._held is None or now - self._held[0] > self._refresh_s:
                self._held = (now, self._build())
            return self._held[1]

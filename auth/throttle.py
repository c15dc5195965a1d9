"""Throttling and lock-out at the OAuth endpoints, where clients prove who they are.

Every client authentication spends an scrypt hash (~50 ms of CPU) or a signature check, so an
endpoint anyone can reach must be held to a rate, and repeated failures must stop being tried:

- **throttle**: a token bucket per claimed client id and one per address (`rate_per_minute`
  each), whether the attempts succeed or not;
- **lock-out**: after `max_failures` failed authentications within `window_s`, further attempts
  are refused unheard for `lockout_s`, for the pair (client id, address) — the usual guessing
  of one client's secret from one place — and for the address alone at four times that count
  (spraying many client ids from one place). A client id is never locked for every address:
  client ids are not secret (they are in every token), and anyone could then lock a partner
  agency out of the service. Secrets are 256 bits (`auth.clients`), so guessing from many
  addresses gets nowhere either; the per-client bucket bounds what it costs us.

The buckets are in memory, per API node (like `api.ratelimit`): N nodes allow N times the rate.
The failures and lock-outs are shared when a store is handed in (`state.lockouts`, the one the
app uses): every worker and machine counts the same failures, and a lock-out outlives a restart;
without one (a throttle on its own) they are in memory too. Refusals and failures are audited by
the API like any request (status, claimed client, reason).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

ADDRESS_FAILURE_FACTOR = 4
# Failures count towards a lock-out for this long after they happen.
FAILURE_WINDOW_S = 900.0


class FailureCounts(Protocol):
    """Where failures and lock-outs are counted: in memory (`_Failures`) or shared
    (`state.lockouts.SharedFailures`)."""

    def locked(self, key: str, now: float) -> float: ...

    def add(self, key: str, now: float, limit: int, lockout_s: float) -> bool: ...

    def clear(self, key: str) -> None: ...


@dataclass(frozen=True)
class Throttled:
    """Why an attempt is refused before it is heard, and for how long."""

    retry_after_s: float
    reason: str
    locked: bool  # lock-out (failures), rather than throttle (rate)


class _Failures:
    """Failure times per key within a window, bounded in keys (oldest evicted)."""

    def __init__(self, window_s: float, max_keys: int) -> None:
        self.window_s = window_s
        self.max_keys = max_keys
        self._times: OrderedDict[str, deque[float]] = OrderedDict()
        self._locked_until: dict[str, float] = {}

    def locked(self, key: str, now: float) -> float:
        until = self._locked_until.get(key)
        if until is None:
            return 0.0
        if until <= now:
            del self._locked_until[key]
            self._times.pop(key, None)
            return 0.0
        return until - now

    def add(self, key: str, now: float, limit: int, lockout_s: float) -> bool:
        """Count one failure; True when it locks the key."""
        times = self._times.get(key)
        if times is None:
            times = self._times[key] = deque()
            if len(self._times) > self.max_keys:
                old, _ = self._times.popitem(last=False)
                self._locked_until.pop(old, None)
        else:
            self._times.move_to_end(key)
        times.append(now)
        while times and times[0] <= now - self.window_s:
            times.popleft()
        if len(times) >= limit:
            self._locked_until[key] = now + lockout_s
            return True
        return False

    def clear(self, key: str) -> None:
        self._times.pop(key, None)
        self._locked_until.pop(key, None)


class _Buckets:
    def __init__(self, rate_per_minute: int, burst: int, max_keys: int) -> None:
        self.rate = rate_per_minute / 60.0
        self.burst = float(burst)
        self.max_keys = max_keys
        self._state: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def take(self, key: str, now: float) -> float:
        tokens, updated = self._state.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - updated) * self.rate)
        self._state[key] = (tokens, now)
        self._state.move_to_end(key)
        if len(self._state) > self.max_keys:
            self._state.popitem(last=False)
        if tokens >= 1.0:
            self._state[key] = (tokens - 1.0, now)
            return 0.0
        return (1.0 - tokens) / self.rate


class LoginThrottle:
    def __init__(
        self,
        *,
        rate_per_minute: int = 60,
        max_failures: int = 5,
        window_s: float = FAILURE_WINDOW_S,
        lockout_s: float = 900.0,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.time,
        failures: FailureCounts | None = None,
    ) -> None:
        """`failures`: a shared store of failures and lock-outs, counted with `window_s` of its
        own; None: in memory. `clock`: wall-clock seconds (shared counts are compared across
        machines)."""
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets = _Buckets(rate_per_minute, max(5, rate_per_minute // 6), max_keys)
        self._failures: FailureCounts = failures or _Failures(window_s, max_keys)

    def check(self, client_id: str | None, address: str) -> Throttled | None:
        """None if this attempt may be heard; else why not and for how long."""
        now = self._clock()
        with self._lock:
            pair = _pair(client_id, address)
            for key, what in ((f"addr:{address}", f"address {address}"), (pair, None)):
                wait = self._failures.locked(key, now)
                if wait > 0:
                    who = what or f"client {client_id} from {address}"
                    return Throttled(wait, f"too many failed authentications for {who}", True)
            wait = self._buckets.take(f"addr:{address}", now)
            if wait > 0:
                return Throttled(wait, f"too many token requests from {address}", False)
            if client_id:
                wait = self._buckets.take(f"client:{client_id}", now)
                if wait > 0:
                    return Throttled(wait, f"too many token requests for client {client_id}", False)
        return None

    def failed(self, client_id: str | None, address: str) -> bool:
        """Count a failed authentication; True when it locked the pair or the address."""
        now = self._clock()
        with self._lock:
            locked = self._failures.add(
                _pair(client_id, address), now, self.max_failures, self.lockout_s
            )
            return (
                self._failures.add(
                    f"addr:{address}",
                    now,
                    self.max_failures * ADDRESS_FAILURE_FACTOR,
                    self.lockout_s,
                )
                or locked
            )

    def succeeded(self, client_id: str | None, address: str) -> None:
        with self._lock:
            self._failures.clear(_pair(client_id, address))


def _pair(client_id: str | None, address: str) -> str:
    return f"pair:{client_id or '-'}@{address}"

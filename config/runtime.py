"""How icjs's own processes run Python: the garbage collector's settings.

A search or an index batch allocates tens of thousands of short-lived objects (parsed records,
name forms, match results) while the process keeps hundreds of thousands of long-lived ones
(matching's caches, modules, settings). With Python's default thresholds a young collection runs
every 700 allocations and a full one often enough that, at 100,000 indexed records, a ~90 ms
full collection landed in one search in ten: most of the API's p95 (`python -m
bench.api.gcpauses`). Reference counting frees nearly all of these objects anyway (they form no
cycles), so icjs collects young objects every 10,000 allocations, full collections seldom, and
freezes what exists at start-up (modules, settings) so that no collection walks it again.

Measured in-process: p95 of a person search 138 → 61 ms at 100,000 records and 184 → 122 ms at
1,000,000, peak memory unchanged; building index documents ~40% faster. Applied by the `icjs`
console script and by each API worker, never on import (a test process keeps Python's defaults).

What a request leaves (`QuietCollector`). Start-up is not the only time the process grows: each
search leaves ~2,000 tracked objects alive in caches (readings, comparisons, name analyses), and
a search's own working set is walked by the young collections that run in the middle of it (~5
ms of a search's CPU at the 5,000-person world, more in the slowest tenth). An API worker
therefore collects at a quiet point instead, after a response has been sent
(`api.middleware.CollectorMiddleware`): it raises the young threshold to `WORKER_THRESHOLDS`
(50,000: a search then runs without any collection), and after the request collects the young
generations, which hold everything not frozen (what was allocated since the last settling: ~0.6
ms, which frees the request's garbage cycles), and freezes the survivors, so that nothing a
search keeps is walked again by the next searches. Freezing is process-wide and O(1); requests
overlap in one event loop, so the policy settles when the last request in flight has finished,
or after `MAX_DEFERRED` finished requests if the worker is never idle (a freeze then also takes
in-flight requests' objects).

What a freeze can leak: a cycle that was alive when frozen (an in-flight request's objects, a
cache entry evicted later) and becomes garbage afterwards is not collected while frozen (objects
without cycles are still freed by reference counting). So the frozen generation is bounded: when
the objects frozen since the last full collection exceed `GROWTH` of what was alive after it (and
`FLOOR`), the policy unfreezes, collects everything and freezes again; with `GROWTH` 1.0 the
tracked objects stay within twice what is alive (plus `FLOOR` and a settling's survivors), the
bound Go's collector keeps by default (GOGC=100). Counted frozen objects may since have been
freed (evicted cache entries without cycles), so the true count (`gc.get_freeze_count`, a walk
of the list: ~15 ms at 500,000 objects) is checked before collecting. A full collection costs
~1 µs an object here (~0.3 s at 300,000), after a response; while caches grow, 2,000 objects a
search, that is ~2 µs a kept object with `GROWTH` 1.0 against ~5 with 0.25.

Measured (docs/decisions.md, "The collector after the response"; 5,000-person world, each
search's CPU in a fresh process, the settling after it given apart): against `tune_gc` alone,
search CPU p95 0.81–0.93×, p99 0.46–0.58×, mean 0.88×; the settling ~2.1 ms a search with its
full collections (a process whose caches still grow), so the worker's CPU a search, search and
settling, is lower too (31.7 + 2.1 against 36.2 ms). It helps the tree before #16 as much (p95
0.72–0.77×): it does not close #16 item 8's gap, it lowers both sides.
"""

from __future__ import annotations

import gc
from dataclasses import dataclass

GC_THRESHOLDS = (10_000, 50, 1_000)
# an API worker that settles after each response: a request allocates fewer than 50,000 objects
# that outlive it, so it runs without a collection and the settling does it after the response
WORKER_THRESHOLDS = (50_000, 50, 1_000)


def tune_gc() -> None:
    """Apply icjs's collector settings to this process (idempotent)."""
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


@dataclass
class QuietCollector:
    """Settles the collector after requests (see the module docstring): `install()` once, then
    `started()` and `finished()` around each request, from one thread (an API worker's event
    loop), or `settle()` directly where there is one request at a time (a benchmark's loop)."""

    # frozen objects may grow by this share of those alive after the last full collection ...
    GROWTH = 1.0
    # ... and by at least this many (a small process would otherwise collect fully very often)
    FLOOR = 100_000
    # a worker that is never idle still settles after this many finished requests
    MAX_DEFERRED = 16

    in_flight: int = 0
    deferred: int = 0
    frozen_base: int = 0  # frozen and alive after the last full collection
    frozen_since: int = 0  # frozen by settling since then (some may have been freed)
    settlings: int = 0
    full_collections: int = 0

    def __post_init__(self) -> None:
        self.frozen_base = gc.get_freeze_count()

    def install(self) -> None:
        """The worker's thresholds: a request runs without a collection (see the module)."""
        gc.set_threshold(*WORKER_THRESHOLDS)

    def started(self) -> None:
        self.in_flight += 1

    def finished(self) -> None:
        self.in_flight -= 1
        self.deferred += 1
        if self.in_flight == 0 or self.deferred >= self.MAX_DEFERRED:
            self.settle()

    def settle(self) -> None:
        """Collect what is not frozen, freeze the survivors; collect fully when frozen objects
        grew past the bound."""
        self.deferred = 0
        self.settlings += 1
        # the young generations hold all that is not frozen (a request runs without promoting
        # anything further: `WORKER_THRESHOLDS`); a collection of the oldest one would also
        # clear the interpreter's free lists, ~1.6 ms more a request for nothing
        gc.collect(1)
        self.frozen_since += len(gc.get_objects(generation=2))
        gc.freeze()
        if self.frozen_since <= max(self.GROWTH * self.frozen_base, self.FLOOR):
            return
        self.frozen_since = gc.get_freeze_count() - self.frozen_base
        if self.frozen_since <= max(self.GROWTH * self.frozen_base, self.FLOOR):
            return  # the counted growth was mostly freed since (evicted cache entries)
        self.full_collections += 1
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        self.frozen_base = gc.get_freeze_count()
        self.frozen_since = 0

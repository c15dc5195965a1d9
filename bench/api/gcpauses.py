"""How much of a person search's tail is the garbage collector? In-process, with GC callbacks.

    .venv/bin/python -m bench.api.gcpauses [--records 100000] [--queries 150]
                                           [--threshold 10000,50,1000] [--freeze]

Runs the benchmark's person searches (`bench.api.run`'s cached index and queries) through
`PersonSearchService`, times each, and times every collection the interpreter makes meanwhile
(`gc.callbacks`), with the interpreter's default thresholds or the ones given. Prints the
collections per generation and their mean pause, the search latencies and the peak RSS. Run it
twice (default, then `--threshold ...`) to see what a setting would change; the process-wide
setting itself belongs to the API's start-up, not to this benchmark.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from auth.service import AuthService
from bench.api.run import built_index, officer_token, pct, person_searches, queries, settings_for
from bench.service import person_search_service
from indexer import open_backend


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threshold", default="", help="gc.set_threshold, e.g. 10000,50,1000")
    parser.add_argument("--freeze", action="store_true", help="gc.freeze() after the warm-up")
    args = parser.parse_args(argv)
    index = built_index(args.records, args.seed)
    if index is None:
        return 2
    with tempfile.TemporaryDirectory(prefix="icjs-bench-gc-") as tmp:
        settings = settings_for(Path(tmp), index)
        auth = AuthService.from_settings(settings.auth)
        caller = auth.authenticate(f"Bearer {officer_token(auth)}")
        backend = open_backend(settings.search)
        service = person_search_service(backend, auth.policy, max_candidates=300)
        searches = person_searches(queries(args.records, args.queries, args.seed))
        for search in searches[:10]:  # warm the matcher's caches and SQLite's pages
            service.search(caller, search)
        if args.freeze:
            gc.collect()
            gc.freeze()
        if args.threshold:
            gc.set_threshold(*(int(x) for x in args.threshold.split(",")))
        pauses: dict[int, list[float]] = {0: [], 1: [], 2: []}
        started = [0.0]

        def timed(phase: str, info: dict[str, Any]) -> None:
            if phase == "start":
                started[0] = time.perf_counter()
            else:
                pauses[info["generation"]].append((time.perf_counter() - started[0]) * 1000)

        gc.callbacks.append(timed)
        latencies: list[float] = []
        try:
            for search in searches:
                t = time.perf_counter()
                service.search(caller, search)
                latencies.append((time.perf_counter() - t) * 1000)
        finally:
            gc.callbacks.remove(timed)
            backend.close()
            auth.close()
    collections = ", ".join(
        f"gen{g} {len(p)} × {sum(p) / len(p):.1f} ms" if p else f"gen{g} 0"
        for g, p in pauses.items()
    )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(
        f"{len(latencies)} searches at {args.records:,} records, thresholds {gc.get_threshold()}"
        f"{' (frozen after warm-up)' if args.freeze else ''}: p50 {pct(latencies, 50):.1f} ms, "
        f"p95 {pct(latencies, 95):.1f} ms, mean {sum(latencies) / len(latencies):.1f} ms; "
        f"{collections}; peak RSS {rss} MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What the matcher's caches cost and buy, under person searches on a served-size index.

    .venv/bin/python -m bench.names.caches [--records 100000] [--searches 4000]

Runs varied person searches (`bench.api.memory`'s: a new misspelling of someone in the index
each time) in-process against the embedded index `bench.api.run` builds, and every 500 searches
reports each matcher cache's entries, the process's anonymous memory, and search latency. Then,
with every cache cleared before each search (all misses), the latency again: what the caches buy.
The bytes per entry come from the growth of anonymous memory against the growth of entries.
Writes bench/results/caches.md.
"""

from __future__ import annotations

import argparse
import functools
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from auth.service import AuthService
from bench.api.memory import body, people
from bench.api.run import build_index, index_path, officer_token, settings_for
from bench.service import person_search_service
from federation import PersonSearch
from indexer import open_backend
from matching import keys, parse, phonetic, rescore, scripts, similarity

RESULTS = Path(__file__).resolve().parents[1] / "results"


def caches() -> dict[str, Any]:
    """Every cache of the matcher, by module and function name."""
    out: dict[str, Any] = {}
    seen: set[int] = set()
    for module in (parse, keys, phonetic, scripts, similarity):  # defining modules first
        for name, value in vars(module).items():
            if isinstance(value, functools._lru_cache_wrapper) and id(value) not in seen:
                seen.add(id(value))
                out[f"{module.__name__.split('.')[-1]}.{name}"] = value
    return out


def hit_ratios() -> dict[str, str]:
    out = {}
    for name, fn in caches().items():
        info = fn.cache_info()
        if info.hits + info.misses:
            out[name] = (
                f"{info.hits / (info.hits + info.misses):.0%} of {info.hits + info.misses:,}"
            )
    return out


def sizes() -> dict[str, int]:
    out = {name: fn.cache_info().currsize for name, fn in caches().items()}
    out["rescore._RECORD_NAMES"] = len(rescore._RECORD_NAMES)
    return out


def clear() -> None:
    for fn in caches().values():
        fn.cache_clear()
    rescore._RECORD_NAMES.clear()


def anon_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=4_000)
    parser.add_argument("--cold", type=int, default=300, help="searches with cleared caches")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    index = index_path(args.records, args.seed)
    index.parent.mkdir(parents=True, exist_ok=True)
    build_index(index, args.records, args.seed)
    pool = people(args.records, args.seed)
    rng = random.Random(args.seed + 5)
    lines = [
        "| searches | entries (all caches) | anonymous MB | p50 ms | p95 ms |",
        "|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        settings = settings_for(Path(tmp), index)
        auth = AuthService.from_settings(settings.auth)
        caller = auth.authenticate(f"Bearer {officer_token(auth)}")
        backend = open_backend(settings.search)
        service = person_search_service(backend, auth.policy, max_candidates=300)

        def search() -> float:
            b = body(rng, pool)
            started = time.perf_counter()
            service.search(
                caller,
                PersonSearch(
                    name=b["name"],
                    relative_name=b.get("father_name"),
                    birth_year=b.get("birth_year"),
                    limit=b["limit"],
                ),
            )
            return (time.perf_counter() - started) * 1000

        clear()
        start_mb, start_entries = anon_mb(), sum(sizes().values())
        latencies: list[float] = []
        points: list[tuple[int, float]] = []
        for i in range(1, args.searches + 1):
            latencies.append(search())
            if i % 500 == 0:
                entries = sum(sizes().values())
                points.append((entries, anon_mb()))
                window = sorted(latencies[-500:])
                lines.append(
                    f"| {i:,} | {entries:,} | {anon_mb():.0f} | {window[249]:.1f} "
                    f"| {window[474]:.1f} |"
                )
                print(lines[-1], flush=True)
        warm = sorted(latencies[-500:])
        by_cache = sizes()
        ratios = hit_ratios()
        cold: list[float] = []
        for _ in range(args.cold):
            clear()
            cold.append(search())
        cold.sort()
        backend.close()
        auth.close()
    (e0, m0), (e1, m1) = points[0], points[-1]
    per_entry = (m1 - m0) * 1024 * 1024 / max(1, e1 - e0)
    text = "\n".join(
        [
            f"# Matcher caches under {args.searches:,} varied searches, {args.records:,} records",
            "",
            *lines,
            "",
            f"Anonymous memory at start {start_mb:.0f} MB ({start_entries} entries).",
            f"About {per_entry:,.0f} bytes per cache entry (growth of anonymous memory over growth "
            "of entries, from the first reading to the last).",
            f"Latency with warm caches p50 {warm[len(warm) // 2]:.1f} ms; with every cache "
            f"cleared before each search p50 {cold[len(cold) // 2]:.1f} ms "
            f"(p95 {warm[int(len(warm) * 0.95)]:.1f} vs {cold[int(len(cold) * 0.95)]:.1f}).",
            "",
            "Entries per cache at the end: "
            + ", ".join(f"{k} {v:,}" for k, v in sorted(by_cache.items(), key=lambda kv: -kv[1])),
            f"(mean search latency over the run {statistics.mean(latencies):.1f} ms)",
            "",
            "Hits over the whole run: " + ", ".join(f"{k} {v}" for k, v in ratios.items()),
        ]
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "caches.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()

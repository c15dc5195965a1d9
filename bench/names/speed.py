"""Speed of the matcher against the issue's targets: keys for ≥ 50,000 names/s on one core, and
rescoring 500 candidates in ≤ 5 ms.

`python -m bench.names.speed` prints and writes `bench/results/names-speed.md`:

- keys/s on the benchmark gallery's distinct written names, twice: with the per-name caches
  cleared but the per-token caches warm (an indexer meeting new records whose tokens it has seen:
  the common case), and with every cache cleared (a fresh process);
- milliseconds to rescore 500 candidates with `score` after `analyse` (record names parsed, as on a
  serving node; the per-query cache starts empty, as it does for every search), p50 and best.

Each figure is CPU time of this process (`time.process_time`, what one core costs; on a shared
machine wall time says more about the neighbours), measured with Python's default garbage
collector settings and then with icjs's (`config.runtime`), which every `icjs` process runs with.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import matching
from bench.names.dataset import Dataset, build
from config.runtime import tune_gc
from matching import keys, parse, phonetic, scripts, similarity
from matching.api import PersonQuery, analyse, name_keys, score
from records import Person

RESULTS = Path(__file__).resolve().parents[1] / "results" / "names-speed.md"


def _clear_names() -> None:
    name_keys.cache_clear()
    parse.parse_name.cache_clear()


def _clear_all() -> None:
    _clear_names()
    for fn in (
        parse._token,
        parse._word_tokens,
        parse.is_initials,
        parse._is_title,
        parse._is_trailing_title,
        scripts.transliterate_word,
        phonetic.canonical,
        phonetic.coarse,
        keys._compound_key,
        similarity.token_similarity,
        similarity._compound_similarity,
    ):
        fn.cache_clear()


def _keys_rate(names: list[str], clear: Callable[[], None], repeats: int) -> tuple[float, float]:
    """Best names/s over `repeats` runs, as (CPU, wall)."""
    best_cpu = best_wall = 0.0
    for _ in range(repeats):
        clear()
        cpu, wall = time.process_time(), time.perf_counter()
        for n in names:
            name_keys(n)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        best_cpu = max(best_cpu, len(names) / cpu if cpu else 0.0)
        best_wall = max(best_wall, len(names) / wall)
    return best_cpu, best_wall


def measure(data: Dataset, queries: int = 100, repeats: int = 5) -> dict[str, float]:
    names = list(dict.fromkeys(n for g in data.gallery for n in (g.name, g.name_local) if n))
    for n in names:
        name_keys(n)
    warm_cpu, warm_wall = _keys_rate(names, _clear_names, repeats)
    cold_cpu, cold_wall = _keys_rate(names, _clear_all, repeats)
    for n in names:  # parse cache warm again for rescoring
        parse.parse_name(n)
    persons = [Person(name=g.name, name_local=g.name_local) for g in data.gallery[:500]]
    cpu_ms: list[float] = []
    wall_ms: list[float] = []
    for q in data.queries[:queries]:
        a = analyse(PersonQuery(name=q.text))
        cpu, wall = time.process_time(), time.perf_counter()
        for p in persons:
            score(a, p)
        cpu_ms.append((time.process_time() - cpu) * 1000)
        wall_ms.append((time.perf_counter() - wall) * 1000)
    return {
        "distinct_names": len(names),
        "keys_per_s_token_caches_warm_cpu": round(warm_cpu),
        "keys_per_s_token_caches_warm_wall": round(warm_wall),
        "keys_per_s_all_caches_cold_cpu": round(cold_cpu),
        "keys_per_s_all_caches_cold_wall": round(cold_wall),
        "rescore_500_ms_p50_cpu": round(statistics.median(cpu_ms), 2),
        "rescore_500_ms_p50_wall": round(statistics.median(wall_ms), 2),
        "rescore_500_ms_best_cpu": round(min(cpu_ms), 2),
        "rescore_queries": len(cpu_ms),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def report(default: dict[str, float], tuned: dict[str, float]) -> str:
    def row(label: str, key: str, target: str, fmt: str = "{:,}") -> str:
        cells = [fmt.format(m[f"{key}_cpu"]) for m in (default, tuned)]
        return f"| {label} | {cells[0]} | {cells[1]} | {target} |"

    return "\n".join(
        [
            "# Name matching speed",
            "",
            f"`python -m bench.names.speed` · Python {platform.python_version()} · "
            f"{default['distinct_names']} distinct gallery names · load average "
            f"{default['load_average_1m']} / {tuned['load_average_1m']} (a shared machine: "
            "CPU time of this process, up to 2× apart run to run) · matcher "
            + ("compiled with mypyc" if matching.compiled() else
               "running as plain Python (not compiled: about half the speed)") + ".",
            "",
            "Median of rounds that alternate, in one process, Python's default garbage-collector "
            "settings and those every `icjs` process runs with (`config.runtime.tune_gc`).",
            "",
            "| measure (CPU time) | Python's default GC | icjs's GC settings | target |",
            "|---|---|---|---|",
            row("keys, names/s (name caches cold, token caches warm)",
                "keys_per_s_token_caches_warm", "≥ 50,000"),
            row("keys, names/s (every cache cold)", "keys_per_s_all_caches_cold", ""),
            row(f"rescore 500 candidates, ms p50 ({default['rescore_queries']} queries)",
                "rescore_500_ms_p50", "≤ 5", "{}"),
            row("rescore 500 candidates, ms best", "rescore_500_ms_best", "", "{}"),
            "",
        ]
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3, help="figures are the rounds' median")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    data = build()  # once: every round measures the same names and queries
    defaults, tuned = [], []
    python_default = gc.get_threshold()
    for _ in range(args.rounds):  # alternate, so that both see the same neighbours
        gc.unfreeze()
        gc.set_threshold(*python_default)
        defaults.append(measure(data, args.queries, args.repeats))
        tune_gc()
        tuned.append(measure(data, args.queries, args.repeats))
    text = report(_median(defaults), _median(tuned))
    print(text)
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

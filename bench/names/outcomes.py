"""Whole person-search outcomes of the names benchmark, to compare two revisions, and the CPU
time our process spends per search: a speed change must leave the outcomes identical.

    python -m bench.names.outcomes before.json    # on one revision; after.json on the other
    python -m bench.names.outcomes --engine opensearch x.json  # ICJS_TEST_OPENSEARCH_URL set
    python -m bench.names.outcomes --compare before.json after.json
    python -m bench.names.outcomes --against ../main --rounds 6   # paired CPU, two trees

`--against` runs the other tree's own `bench.names.outcomes --child` with this interpreter: the
other checkout needs this file (for a revision before it, a checkout of this file's first
commit, f3d0fa2, which changed nothing else) and the matcher compiled in place
(`scripts/compile_matching.py`), or it runs as plain Python and is slower for that alone.

Builds the names benchmark's data (seed 7, 5,000 people), indexes it into a fresh index of the
engine, and asks the first `--queries` queries through `federation.PersonSearchService.search` as
`bench.names.run` does (an officer, ten profiles, the default score floor). Writes, per query,
everything the API would show of each profile but its sealed id (which is a function of its
records): records in order with their match scores and reasons and redacted fields, confidence,
display name, names, identifiers, links with their evidence, refusals. `--compare` prints how
many queries differ (exit status 1 if any).

CPU: each search's process CPU time (`time.process_time`: our process only, on OpenSearch the
node's share is not in it), in a fresh process that only searches, with the garbage collector's
settings of an API worker (`config.runtime`: `tune_gc` and the `QuietCollector` settling after
each search, outside its time and written apart; with Python's defaults, and in the process that
built and indexed the dataset, a third of a search's CPU is full collections), after
`--warmup` searches that are not counted; printed as the mean and median per search, and
written to the file beside the outcomes.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

from auth.policy import Policy
from bench.names.dataset import build
from bench.names.product import indexed_at, person_search
from bench.names.queries import TODAY_YEAR
from bench.names.run import bench_caller
from bench.service import person_search_service
from config import SearchSettings
from config.runtime import QuietCollector, tune_gc
from federation import PersonSearch
from federation.views import ProfileView
from indexer import open_backend

TOP_K = 300


def plain(value: Any) -> Any:
    """A JSON-ready copy of an outcome: dataclasses as dicts, enums as values, tuples as
    lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, date):
        return value.isoformat()
    return value


def shown(profile: ProfileView) -> dict[str, Any]:
    out = plain(profile)
    out.pop("profile_id")
    return dict(out)


ROOT = Path(__file__).resolve().parents[2]


def run(
    engine: str, queries: int, warmup: int, against: Path | None = None, rounds: int = 1
) -> dict[str, Any]:
    """Index the dataset, then ask the queries in a fresh process that only searches, as an API
    worker does (this one holds the dataset and what indexing left in the matcher's caches:
    garbage collections there walk objects a server does not have). With `against` (another
    checkout of the project, run with this interpreter), that tree's search process and this
    one's alternate on the one index for `rounds` rounds: paired CPU, the same load for both."""
    data = build(7, 5000, 150)
    asked = [person_search(q) for q in data.queries[:queries]]
    trees = {"this": ROOT, **({"against": against.resolve()} if against else {})}
    means: dict[str, list[float]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory(prefix="icjs-outcomes-") as tmp:
        work = Path(tmp)
        (work / "queries.pickle").write_bytes(pickle.dumps(asked))
        with indexed_at(engine, data) as (_, settings):
            (work / "settings.json").write_text(settings.model_dump_json(), encoding="utf-8")
            command = ["-m", "bench.names.outcomes", "--child", str(work), "--warmup", str(warmup)]
            for n in range(rounds):
                order = list(trees.items())
                for name, tree in order if n % 2 else order[::-1]:
                    environment = {**os.environ, "PYTHONPATH": str(tree)}
                    subprocess.run(
                        [sys.executable, *command], check=True, cwd=tree, env=environment
                    )
                    result: dict[str, Any] = json.loads((work / "out.json").read_text("utf-8"))
                    means[name].append(result["cpu_ms_mean"])
                    print(f"  {name}: CPU per search {result['cpu_ms_mean']} ms", file=sys.stderr)
                    if name == "this":
                        kept = result
    kept["engine"] = engine
    kept["rounds"] = means
    return kept


def child(work: Path, warmup: int) -> None:
    """The searches, in a process that holds nothing else (`run`), with the collector settings
    an API worker runs with (`config.runtime.tune_gc`, and its `QuietCollector` settling after
    each response: here after each search, outside its CPU time, which is written apart)."""
    tune_gc()
    collector = QuietCollector()
    collector.install()
    asked: list[PersonSearch] = pickle.loads((work / "queries.pickle").read_bytes())
    settings = SearchSettings.model_validate_json((work / "settings.json").read_text("utf-8"))
    policy = Policy.load()
    caller = bench_caller(policy)
    outcomes: list[Any] = []
    cpu: list[float] = []
    settle: list[float] = []
    backend = open_backend(settings)
    try:
        service = person_search_service(
            backend, policy, max_candidates=TOP_K, today=lambda: date(TODAY_YEAR, 6, 30)
        )
        for search in asked[:warmup]:
            with contextlib.suppress(ValueError):
                service.search(caller, search)
            collector.settle()
        for search in asked:
            started = time.process_time()
            try:
                outcome = service.search(caller, search)
            except ValueError as exc:
                outcomes.append({"query": search.name, "error": str(exc)})
                continue
            finally:
                cpu.append(time.process_time() - started)
                settling = time.process_time()
                collector.settle()
                settle.append(time.process_time() - settling)
            outcomes.append(
                {
                    "query": search.name,
                    "candidates": outcome.candidates,
                    "profiles": [shown(p) for p in outcome.profiles],
                }
            )
    finally:
        backend.close()
    ms = [c * 1000 for c in cpu]
    result = {
        "queries": len(asked),
        "cpu_ms_mean": round(statistics.fmean(ms), 2),
        "cpu_ms_median": round(statistics.median(ms), 2),
        "settle_ms_mean": round(1000 * statistics.fmean(settle), 2),
        "outcomes": outcomes,
    }
    (work / "out.json").write_text(json.dumps(result), encoding="utf-8")


def compare(before: Path, after: Path) -> int:
    a = json.loads(before.read_text(encoding="utf-8"))["outcomes"]
    b = json.loads(after.read_text(encoding="utf-8"))["outcomes"]
    if len(a) != len(b):
        print(f"{len(a)} queries against {len(b)}")
        return 1
    differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    profiles = sum(len(x.get("profiles", [])) for x in a)
    print(f"{len(a)} queries, {profiles} profiles: {len(differ)} queries differ")
    for i in differ[:5]:
        print(f"  query {i}: {a[i]['query']!r}")
    return 1 if differ else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--engine", default="embedded", choices=["embedded", "opensearch"])
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    parser.add_argument("--against", type=Path, help="another checkout: paired CPU per search")
    parser.add_argument("--rounds", type=int, default=1, help="paired rounds (with --against)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child, args.warmup)
        return 0
    if args.compare:
        return compare(*args.compare)
    result = run(args.engine, args.queries, args.warmup, args.against, args.rounds)
    print(
        f"{result['engine']}: {result['queries']} searches, CPU per search "
        f"mean {result['cpu_ms_mean']} ms, median {result['cpu_ms_median']} ms; the worker's "
        f"settling after each, mean {result['settle_ms_mean']} ms",
        file=sys.stderr,
    )
    if args.against:
        this, other = (statistics.fmean(result["rounds"][k]) for k in ("this", "against"))
        print(
            f"paired, {args.rounds} rounds: this tree {this:.2f} ms, {args.against} "
            f"{other:.2f} ms, this/against {this / other:.3f}",
            file=sys.stderr,
        )
    if args.out is not None:
        args.out.write_text(json.dumps(result, indent=1, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

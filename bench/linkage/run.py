"""Linkage benchmark: profiles against a world's ground truth, for the index-time links and for
the profiles the API returns, on every backend reachable here.

    .venv/bin/python -m bench.linkage.run                     # simulated world, seed 7, 20,000
    .venv/bin/python -m bench.linkage.run --persons 5000 --searches 500
    .venv/bin/python -m bench.linkage.run --manifest sources.json --truth truth.jsonl

Steps, as a deployment runs them:

1. a world: the simulators (seed, persons; no faults), or any implementation of the source
   contracts named by `--manifest`, with its ground truth (`--truth`, the JSON lines `icjs
   simulate --truth` writes);
2. a full sync of every source into a fresh index (embedded; OpenSearch as well when
   `ICJS_TEST_OPENSEARCH_URL` is set, as `make bench` does);
3. `icjs linkage estimate` on that index (EM, no ground truth), unless `--model packaged`;
4. index-time profiles (the links and their clusters) measured against the truth;
5. `--searches` person searches through `PersonSearchService` as an all-seeing supervisor: for a
   person drawn at random, the name as one of their records writes it; the profiles returned
   (up to 50) measured against the truth, and each search timed.

Prints the tables and writes bench/results/linkage.md and a timestamped JSON beside it. The
targets (issue 16): pairwise precision ≥ 0.995 and recall ≥ 0.95, under 0.5% of multi-record
profiles holding two people, under 5% of found persons split over several profiles.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auth.policy import Policy
from auth.principal import Caller, Role
from bench.engines import search_settings
from bench.linkage.metrics import BCubed, Pairwise, Profiles, Splits, Truth
from bench.linkage.truth import load_truth
from config import SourceSettings, SyncSettings
from config.runtime import tune_gc
from federation import PersonSearch, PersonSearchService
from federation.estimate import estimate
from federation.grouping import CORROBORATING
from federation.linkage import Model, load_model
from federation.planning import PERSON_KINDS
from federation.profile_ids import KEY_BYTES, ProfileIds
from indexer import open_backend
from indexer.backends.base import Backend
from indexer.comparison import Similarity, compare, conflicts
from indexer.links import clusters as index_clusters
from indexer.sides import Side, sides_of
from records import Record

RESULTS = Path(__file__).resolve().parents[1] / "results"
LIMIT = 50  # profiles per search: enough to see where a person's records went
TARGETS = {"precision": 0.995, "recall": 0.95, "mixed": 0.005, "split": 0.05}


@dataclass
class Measured:
    """One clustering's quality."""

    pairwise: Pairwise = field(default_factory=Pairwise)
    bcubed: BCubed = field(default_factory=BCubed)
    profiles: Profiles = field(default_factory=Profiles)
    splits: Splits = field(default_factory=Splits)

    def summary(self) -> dict[str, Any]:
        p = self.pairwise
        return {
            "pairwise_precision": p.precision(),
            "pairwise_recall": p.recall(),
            "pairwise_recall_corroborable": p.corroborable_recall(),
            "bcubed_precision": self.bcubed.precision,
            "bcubed_recall": self.bcubed.recall,
            "multi_record_profiles": self.profiles.multi_record,
            "mixed_profiles": self.profiles.mixed,
            "mixed_share": self.profiles.mixed_share,
            "found": self.splits.found,
            "split": self.splits.split,
            "split_share": self.splits.split_share,
            "split_name_only": self.splits.name_only,
            "corroborable_split_share": self.splits.corroborable_split_share,
            "split_by_pair": dict(self.splits.by_pair.most_common()),
            "by_pair": {
                k: {
                    "precision": p.precision(k),
                    "recall": p.recall(k),
                    "recall_corroborable": p.corroborable_recall(k),
                    "true_pairs": p.support(k),
                    "wrong_pairs": p.false_positive[k],
                }
                for k in p.pairs()
            },
            "mixed_examples": self.profiles.examples,
        }


# --- world and index --------------------------------------------------------------------------


def _sync(manifest: dict[str, Any], backend: Backend, work: Path) -> None:
    from connectors.engine import run_sync

    sources = {n: SourceSettings(**e) for n, e in manifest.items()}
    started = time.perf_counter()
    report = asyncio.run(
        run_sync(
            sources, backend, work / "sync.db", SyncSettings(state_path=work / "sync.db"), full=True
        )
    )
    failed = {n: r.error for n, r in report.sources.items() if r.status != "ok"}
    if failed:
        raise RuntimeError(f"sync failed: {failed}")
    backend.flush()
    indexed = sum(r.indexed + r.updated for r in report.sources.values())
    seconds = time.perf_counter() - started
    print(f"[bench linkage] synced {indexed:,} records in {seconds:.0f} s", file=sys.stderr)


# --- index-time links ---------------------------------------------------------------------------


def index_profiles(backend: Backend, records: dict[str, Record]) -> list[set[str]]:
    """The index profiles of every person record: the links the indexer made, clustered the
    way it clusters them (`indexer.links.clusters`)."""
    ids = sorted(records)
    links = []
    for start in range(0, len(ids), 2000):
        links.extend(backend.links(ids[start : start + 2000]))
    found = index_clusters(ids, set(links), lambda wanted: [records[r] for r in wanted])
    return [c & records.keys() for c in found if c & records.keys()]


# --- searches -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Search:
    person: str
    name: str
    record_id: str


def plan_searches(records: dict[str, Record], truth: Truth, count: int, seed: int) -> list[Search]:
    """A person drawn at random among those with a named record in the index, and the name as
    one of their records (drawn at random) writes it."""
    rng = random.Random(seed)
    written: dict[str, list[tuple[str, str]]] = {}
    for record_id, record in sorted(records.items()):
        people = [p for p in record.subjects() if p.names]
        if len(people) != 1 or record_id not in truth:  # whose name it is must be clear
            continue
        for pid in sorted(truth[record_id]):
            written.setdefault(pid, []).append((record_id, people[0].name or people[0].names[0]))
    persons = sorted(written)
    chosen = rng.sample(persons, min(count, len(persons)))
    out = []
    for pid in chosen:
        record_id, name = rng.choice(written[pid])
        out.append(Search(pid, name, record_id))
    return out


def supervisor() -> Caller:
    """Sees every record (sensitive cases included): linkage is measured on all of them."""
    return Caller(
        subject="bench-linkage",
        role=Role.SUPERVISOR,
        scopes=frozenset({"persons:search", "persons:read"}),
        state="MH",
        district="PUNE",
        clearances=frozenset({"sensitive"}),
    )


def corroboration(records: dict[str, Record], model: Model) -> Callable[[str, str], bool]:
    """Whether two records agree on something besides the name and the place (a relative, a
    stated birth year, an address, a phone, an account, a FIR) with nothing ruling them out:
    what a join can rest on. A person split between records that share nothing of the kind is
    split by the data, not by the grouping."""
    similar = Similarity()
    sides: dict[str, Side] = {}

    def side(record_id: str) -> Side | None:
        if record_id not in sides:
            found = sides_of(records[record_id]) if record_id in records else []
            if not found:
                return None
            sides[record_id] = found[0]
        return sides[record_id]

    def check(a: str, b: str) -> bool:
        x, y = side(a), side(b)
        if x is None or y is None or conflicts(x, y, similar):
            return False
        levels = compare(x, y, similar, address_weight=model.address_weight, names=False).levels
        return any(
            levels[f] is not None and levels[f] <= worst  # type: ignore[operator]
            for f, worst in CORROBORATING.items()
        )

    return check


def run_searches(
    service: PersonSearchService,
    searches: list[Search],
    truth: Truth,
    corroborable: Callable[[str, str], bool] | None = None,
) -> tuple[Measured, list[float]]:
    measured = Measured()
    caller = supervisor()
    times: list[float] = []
    for search in searches:
        started = time.perf_counter()
        outcome = service.search(caller, PersonSearch(name=search.name, limit=LIMIT))
        times.append(time.perf_counter() - started)
        found = [{r.record_id for r in p.records} for p in outcome.profiles]
        measured.pairwise.add(found, truth, corroborable)
        measured.bcubed.add(found, truth)
        measured.profiles.add(found, truth)
        measured.splits.add(search.person, found, truth, corroborable)
    return measured, times


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


# --- report -------------------------------------------------------------------------------------


def _f(value: float | None, digits: int = 4) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def by_pair_table(summary: dict[str, Any]) -> str:
    lines = [
        "| sources | pairwise precision | pairwise recall | recall on more than a name "
        "| true pairs | wrong pairs |",
        "|---|---|---|---|---|---|",
    ]
    for key, row in sorted(summary["by_pair"].items(), key=lambda kv: -kv[1]["true_pairs"]):
        lines.append(
            f"| {key} | {_f(row['precision'])} | {_f(row['recall'])} "
            f"| {_f(row['recall_corroborable'])} | {row['true_pairs']:,} "
            f"| {row['wrong_pairs']:,} |"
        )
    return "\n".join(lines)


def overall_table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        "| profiles | pairwise P | pairwise R | R on more than a name | B³ P | B³ R "
        "| multi-record | with two people | found persons split | … on more than a name |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, s in rows:
        split = "—" if s["found"] == 0 else f"{_share(s['split_share'])} of {s['found']:,}"
        corroborable = "—" if s["found"] == 0 else _share(s["corroborable_split_share"])
        lines.append(
            f"| {label} | {_f(s['pairwise_precision'])} | {_f(s['pairwise_recall'])} "
            f"| {_f(s['pairwise_recall_corroborable'])} "
            f"| {_f(s['bcubed_precision'])} | {_f(s['bcubed_recall'])} "
            f"| {s['multi_record_profiles']:,} | {_share(s['mixed_share'])} | {split} "
            f"| {corroborable} |"
        )
    return "\n".join(lines)


# --- main ---------------------------------------------------------------------------------------


def _log(message: str) -> None:
    print(f"[bench linkage] {message}", file=sys.stderr, flush=True)


def _model(choice: str, backend: Backend, work: Path) -> Model:
    if choice == "packaged":
        return load_model(None)
    started = time.perf_counter()
    model = estimate(
        backend.records(), log=lambda m: print(f"[bench linkage] {m}", file=sys.stderr)
    )
    print(
        f"[bench linkage] estimated in {time.perf_counter() - started:.0f} s; "
        f"prior {model.prior:.4f}, join at {model.threshold:.1f} bits",
        file=sys.stderr,
    )
    model.save(work / "linkage-model.json")
    return model


def measure_backend(
    engine: str, manifest: dict[str, Any], truth: Truth, args: argparse.Namespace, work: Path
) -> dict[str, Any]:
    backend = open_backend(search_settings(engine, work / "index.db", "bench-linkage"))
    try:
        _sync(manifest, backend, work)
        records = {
            r.record_id: r
            for r in backend.records()
            if r.kind in PERSON_KINDS and any(p.names for p in r.subjects())
        }
        model = _model(args.model, backend, work)
        indexed = Measured()
        clusters = index_profiles(backend, records)
        indexed.pairwise.add(clusters, truth)
        indexed.bcubed.add(clusters, truth)
        indexed.profiles.add(clusters, truth)
        service = PersonSearchService(
            backend,
            Policy.load(),
            ids=ProfileIds([os.urandom(KEY_BYTES)]),
            model=model,
        )
        searches = plan_searches(records, truth, args.searches, args.seed + 1)
        run_searches(service, searches[: min(20, len(searches))], truth)  # warm caches
        api, times = run_searches(service, searches, truth, corroboration(records, model))
        return {
            "backend": engine,
            "person_records": len(records),
            "searches": len(searches),
            "index": indexed.summary(),
            "api": api.summary(),
            "search_ms": {
                "p50": round(1000 * pct(times, 50), 1),
                "p95": round(1000 * pct(times, 95), 1),
                "p99": round(1000 * pct(times, 99), 1),
            },
            "model": {"prior": model.prior, "threshold": model.threshold, **model.fitted},
        }
    finally:
        backend.close()


def report(result: dict[str, Any]) -> str:
    out = [
        f"World: {result['world']}; {result['searches']:,} searches of a person drawn at random, "
        f"by the name one of their records writes; up to {LIMIT} profiles each.",
        "",
        overall_table(
            [(f"index-time ({r['backend']})", r["index"]) for r in result["backends"][:1]]
            + [(f"API ({r['backend']})", r["api"]) for r in result["backends"]]
        ),
        "",
        "Search latency (in-process, grouping included): "
        + "; ".join(
            f"{r['backend']} p50 {r['search_ms']['p50']} ms, p95 {r['search_ms']['p95']} ms"
            for r in result["backends"]
        ),
    ]
    first = result["backends"][0]
    out += ["", "API profiles per pair of sources:", "", by_pair_table(first["api"])]
    out += ["", "Index-time profiles per pair of sources:", "", by_pair_table(first["index"])]
    if first["api"]["split_by_pair"]:
        pairs = ", ".join(f"{k} {v}" for k, v in first["api"]["split_by_pair"].items())
        out += ["", f"Where found persons were split (source pairs kept apart): {pairs}"]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--searches", type=int, default=2_000)
    parser.add_argument("--manifest", type=Path, help="sources of another world (JSON)")
    parser.add_argument("--truth", type=Path, help="that world's ground truth (JSON lines)")
    parser.add_argument("--model", choices=("estimate", "packaged"), default="estimate")
    parser.add_argument("--backends", default=None, help="embedded,opensearch")
    args, _ = parser.parse_known_args(argv)  # `make bench` passes every benchmark's options
    tune_gc()
    engines = (
        args.backends.split(",")
        if args.backends
        else ["embedded"] + (["opensearch"] if os.environ.get("ICJS_TEST_OPENSEARCH_URL") else [])
    )
    if (args.manifest is None) != (args.truth is None):
        parser.error("--manifest and --truth go together")
    with tempfile.TemporaryDirectory(prefix="icjs-bench-linkage-") as tmp:
        work = Path(tmp)
        running = None
        if args.manifest is not None:
            manifest = json.loads(args.manifest.read_text())
            truth_path, world = args.truth, f"{args.manifest} ({args.truth})"
        else:
            from simulators.harness import start_simulators

            running = start_simulators(
                seed=args.seed, persons=args.persons, faults="none", data_dir=Path("var/worlds")
            )
            manifest = running.manifest
            truth_path = running.ground_truth.write_jsonl(work / "truth.jsonl")
            world = f"simulated, seed {args.seed}, {args.persons:,} persons"
        try:
            truth = load_truth(truth_path)
            backends = []
            for engine in engines:
                print(f"[bench linkage] {engine} …", file=sys.stderr, flush=True)
                engine_work = work / engine
                engine_work.mkdir()
                backends.append(measure_backend(engine, manifest, truth, args, engine_work))
        finally:
            if running is not None:
                running.stop()
    result = {
        "world": world,
        "searches": backends[0]["searches"],
        "model": args.model,
        "targets": TARGETS,
        "backends": backends,
        "commit": _commit(),
    }
    text = report(result)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"linkage-{stamp}.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "linkage.md").write_text(f"# Linkage benchmark ({stamp})\n\n{text}\n")
    return 0


def _commit() -> str:
    import subprocess

    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
        )
        return out.stdout.strip()
    except OSError:
        return ""


if __name__ == "__main__":
    sys.exit(main())

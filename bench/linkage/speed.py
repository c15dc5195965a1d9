"""Search latency of this tree's grouping against an earlier revision's, on the same world and
both backends: what joining with constraints costs (issue 16: at most 10% on search p95).

    .venv/bin/python -m bench.linkage.speed --rev main              # embedded (+ OpenSearch
    .venv/bin/python -m bench.linkage.speed --rev main --persons 5000    when its URL is set)
    .venv/bin/python -m bench.linkage.speed --rev A --after B        # two revisions, not this tree

One simulated world (no faults) is served once. For each tree — `--rev` exported with `git
archive`, and this working tree — a child process runs *that tree's* code (`speed_child.py`,
written against both APIs): a full sync of the world into a fresh index of its own, then the same
person searches (a name as one of a person's records writes it, drawn with a fixed seed) through
its `PersonSearchService`, as an all-seeing supervisor, a warm-up and then `--rounds` rounds. The
two trees run their rounds one after the other per round (old, new, old, new…), so both see the
same machine load. The name matcher is the same code in both (the export gets this tree's
compiled `matching/`), so what differs is grouping, profiles and what the indexer links.

Prints p50/p95/p99 per tree and backend, the p95 ratio, where the CPU went (inside grouping,
inside the garbage collector, and how many tracked objects each search left alive: what
collections walk again), and writes them to bench/results/speed-<UTC time>.md and .json, a pair
of files per run: bench/results/speed.md is the curated history (runs chosen, with their load
and what they showed), to which a run's row is added by hand: no run overwrites it.

`--settle after` (or `before`, `both`) runs that tree's searches as an API worker settles the
collector after each response (`config.runtime.QuietCollector`, this tree's, in either tree's
process): the settling's CPU is after the search, so not in its times, and is printed apart.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
CHILD = Path(__file__).with_name("speed_child.py")
# what each search process reports besides its times (`speed_child._Split`)
SPLIT = ("grouping_cpu", "collector_cpu", "kept", "full_collections")


def export(rev: str, into: Path) -> Path:
    tree = into / "tree"
    tree.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    shutil.rmtree(tree / "matching")
    shutil.copytree(ROOT / "matching", tree / "matching")  # compiled, as this tree's
    return tree


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] if ordered else 0.0


def child(tree: Path, *args: str) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(CHILD), "--tree", str(tree), *args],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{tree}: {done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rev", default="main")
    parser.add_argument("--after", default=None, help="a revision instead of this working tree")
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--backends", default=None, help="embedded,opensearch")
    parser.add_argument(
        "--settle",
        choices=("none", "before", "after", "both"),
        default="none",
        help="which trees' searches run with the worker's QuietCollector",
    )
    args, _ = parser.parse_known_args(argv)
    engines = (
        args.backends.split(",")
        if args.backends
        else ["embedded"] + (["opensearch"] if os.environ.get("ICJS_TEST_OPENSEARCH_URL") else [])
    )
    from simulators.harness import start_simulators

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="icjs-bench-speed-") as tmp:
        work = Path(tmp)
        old = export(args.rev, work / "before")
        new = export(args.after, work / "after") if args.after else ROOT
        running = start_simulators(
            seed=args.seed, persons=args.persons, faults="none", data_dir=ROOT / "var" / "worlds"
        )
        try:
            manifest = work / "manifest.json"
            manifest.write_text(json.dumps(running.manifest))
            for engine in engines:
                times: dict[str, list[float]] = {"old": [], "new": []}
                cpu: dict[str, list[float]] = {"old": [], "new": []}
                settle_cpu: dict[str, list[float]] = {"old": [], "new": []}
                settles = {
                    "old": args.settle in ("before", "both"),
                    "new": args.settle in ("after", "both"),
                }
                split: dict[str, dict[str, list[float]]] = {
                    label: {k: [] for k in SPLIT} for label in ("old", "new")
                }
                built: dict[str, Path] = {}
                for label, tree in (("old", old), ("new", new)):
                    print(f"[bench speed] {engine} {label}: sync …", file=sys.stderr, flush=True)
                    state = work / f"{engine}-{label}"
                    state.mkdir()
                    info = child(
                        tree, "sync", "--engine", engine, "--manifest", str(manifest),
                        "--work", str(state),
                    )  # fmt: skip
                    built[label] = Path(info["settings"])
                names = child(
                    ROOT, "names", "--engine", engine, "--settings", str(built["new"]),
                    "--count", str(args.searches), "--seed", str(args.seed + 1),
                )["names"]  # fmt: skip
                names_file = work / f"{engine}-names.json"
                names_file.write_text(json.dumps(names))
                for round_ in range(args.rounds):
                    for label, tree in (("old", old), ("new", new)):
                        out = child(
                            tree, "search", "--engine", engine, "--settings",
                            str(built[label]), "--names", str(names_file),
                            *(["--settle"] if settles[label] else []),
                        )  # fmt: skip
                        times[label].extend(out["times"])
                        cpu[label].extend(out.get("cpu", []))
                        settle_cpu[label].extend(out["settle_cpu"])
                        for k in SPLIT:
                            split[label][k].append(out[k])
                        print(
                            f"[bench speed] {engine} {label} round {round_ + 1}: "
                            f"p95 {1000 * _pct(out['times'], 95):.1f} ms",
                            file=sys.stderr,
                            flush=True,
                        )
                for label in ("old", "new"):
                    child(
                        new if label == "new" else old,
                        "drop", "--engine", engine, "--settings", str(built[label]),
                    )  # fmt: skip
                row: dict[str, Any] = {"backend": engine, "searches": len(names)}
                for label in ("old", "new"):
                    row[label] = {
                        p: round(1000 * _pct(times[label], q), 1)
                        for p, q in (("p50", 50), ("p95", 95), ("p99", 99))
                    }
                row["p95_ratio"] = round(row["new"]["p95"] / max(row["old"]["p95"], 1e-9), 3)
                # this process's CPU time per search: what the code costs, whatever else the
                # machine runs (on a shared machine the wall clock also counts waiting for a
                # core); on OpenSearch the node's work is not in it, so it is the client's share
                cpu_p95 = {label: _pct(cpu[label], 95) for label in ("old", "new")}
                row["cpu_p50_ms"] = {k: round(1000 * _pct(cpu[k], 50), 1) for k in ("old", "new")}
                row["cpu_p95_ms"] = {k: round(1000 * v, 1) for k, v in cpu_p95.items()}
                row["cpu_p95_ratio"] = round(cpu_p95["new"] / max(cpu_p95["old"], 1e-9), 3)
                row["cpu_p99_ms"] = {k: round(1000 * _pct(cpu[k], 99), 1) for k in ("old", "new")}
                row["settle_ms"] = {
                    k: {
                        "mean": round(1000 * sum(v) / len(v), 2) if v else 0.0,
                        "p99": round(1000 * _pct(v, 99), 2),
                        "max": round(1000 * max(v, default=0.0), 1),
                    }
                    for k, v in settle_cpu.items()
                }
                row["split"] = {
                    label: {k: sum(v) / len(v) for k, v in split[label].items()}
                    for label in ("old", "new")
                }
                rows.append(row)
        finally:
            running.stop()
    head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    after = f"`{args.after}`" if args.after else f"working tree at {head}"
    lines = [
        f"World: simulated, seed {args.seed}, {args.persons:,} persons; the same searches through "
        f"`PersonSearchService` on each tree's own index, {args.rounds} alternating rounds; "
        f"before = `{args.rev}`, after = {after}; load average at the end "
        f"{load} (1 / 5 / 15 min); the worker's collector policy after each search "
        f"(`--settle`): {args.settle}.",
        "",
        "| backend | searches | before p50 | p95 | p99 | after p50 | p95 | p99 "
        "| p95 after/before | CPU p50 before | after | CPU p95 before | after | after/before "
        "| CPU p99 before | after |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        o, n = r["old"], r["new"]
        lines.append(
            f"| {r['backend']} | {r['searches']:,} | {o['p50']} ms | {o['p95']} ms | {o['p99']} ms "
            f"| {n['p50']} ms | {n['p95']} ms | {n['p99']} ms | {r['p95_ratio']:.2f} "
            f"| {r['cpu_p50_ms']['old']} ms | {r['cpu_p50_ms']['new']} ms "
            f"| {r['cpu_p95_ms']['old']} ms | {r['cpu_p95_ms']['new']} ms "
            f"| {r['cpu_p95_ratio']:.2f} "
            f"| {r['cpu_p99_ms']['old']} ms | {r['cpu_p99_ms']['new']} ms |"
        )
    lines += [
        "",
        "Where a search's CPU goes, on average (each round's process: inside grouping, inside "
        "the garbage collector; objects the collector tracks that the searches left alive, per "
        "search):",
        "",
        "| backend | grouping before | after | collector before | after | objects kept before "
        "| after | settling after a search, mean / p99 / max, before | after "
        "| full collections a round, before | after |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        o, n = r["split"]["old"], r["split"]["new"]
        st = {k: "{mean} / {p99} / {max} ms".format(**v) for k, v in r["settle_ms"].items()}
        lines.append(
            f"| {r['backend']} | {1000 * o['grouping_cpu']:.1f} ms "
            f"| {1000 * n['grouping_cpu']:.1f} ms "
            f"| {1000 * o['collector_cpu']:.1f} ms | {1000 * n['collector_cpu']:.1f} ms "
            f"| {o['kept']:,.0f} | {n['kept']:,.0f} | {st['old']} | {st['new']} "
            f"| {o['full_collections']:.1f} | {n['full_collections']:.1f} |"
        )
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"speed-{stamp}.json").write_text(json.dumps(rows, indent=1) + "\n")
    (RESULTS / f"speed-{stamp}.md").write_text(
        f"# Search latency before and after (#16), run of {stamp}\n\n{text}\n"
    )
    print(f"written to {RESULTS / f'speed-{stamp}.md'} (and .json)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A cluster that loses a node: `make chaos` (not part of `make test`).

    make chaos [CHAOS_ARGS="--persons 5000 --down-s 20 --clients 4"]

1. Three OpenSearch nodes on loopback, one JVM each (`scripts/opensearch_cluster.py`, the jars
   the tests use), the records index with `--shards` shards and one replica; the product's
   client is given all three hosts (`search.url`), as a deployment configures it.
2. The simulated world (`--persons`, simulators over HTTP) synced by the product's sync
   (`connectors.run_sync`, in a child process, as `bench.load` does) into that cluster. When a
   third of the expected records are in, the node holding most primaries of the records index
   is killed with SIGKILL; `--down-s` later it is started again on its own data directory.
3. The index compared with the world's ground truth, source by source (every id expected, no
   other, no duplicate), and record by record with a sync of the same world, at the same clock,
   into the embedded index (content equal, `fetched_at` aside).
4. The API (`icjs serve`) on that configuration; `--clients` threads send person searches back
   to back (queries drawn from the index as `bench.load` draws them, misspelt). After
   `--before-s` the elected cluster manager is killed, and restarted `--down-s` later.
   Searches are counted and timed per phase: before, node down, rejoining, green again.

Throughout, a thread samples `_cluster/health` every 0.25 s: how long the cluster was red or
yellow, when the node rejoined, when it was green again. Prints the table and writes
bench/results/chaos.md with a timestamped JSON beside it. Exit status 1 when anything was lost
or a search phase had no answer at all.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bench.chaos.report import (
    Request,
    choose_victim,
    cluster_manager_port,
    failovers,
    id_diff,
    node_ports,
    phase_stats,
    primaries_by_port,
    render,
    seconds_in,
    worst_status,
)

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
WORK = ROOT / "var" / "bench" / "chaos"
sys.path.insert(0, str(ROOT / "scripts"))
from opensearch_cluster import LocalCluster  # noqa: E402  (a script: stdlib only, no package)

PREFIX = "icjs-chaos"
GREEN_TIMEOUT_S = 600


class ClientWarnings(logging.Handler):
    """opensearch-py's warnings (a connection failed, a host put on timeout), which it sends to
    a NullHandler otherwise: kept as one line each (no traceback), as evidence that requests
    did meet the dead node and were retried elsewhere."""

    def __init__(self, stream: Any = None) -> None:
        super().__init__(logging.WARNING)
        self.stream = stream
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = record.getMessage()
        self.lines.append(line)
        if self.stream is not None:
            print(f"[opensearch-py] {line}", file=self.stream, flush=True)


def watch_client() -> ClientWarnings:
    handler = ClientWarnings(sys.stderr)
    logging.getLogger("opensearch").addHandler(handler)
    return handler


def log(message: str) -> None:
    print(f"[chaos] {message}", flush=True)


def write_config(root: Path, urls: str, shards: int, replicas: int, api_port: int) -> Path:
    config = root / "icjs.toml"
    config.write_text(
        "\n".join(
            [
                f'data_dir = "{root}"',
                "[search]",
                'backend = "opensearch"',
                f'url = "{urls}"',
                f'index_prefix = "{PREFIX}"',
                f"shards = {shards}",
                f"replicas = {replicas}",
                # every state file in this run's directory: a run must not resume from the
                # checkpoints of an earlier one (the defaults are relative to the working
                # directory, not to data_dir)
                "[sync]",
                f'state_path = "{root / "sync.db"}"',
                "[auth]",
                f'db_path = "{root / "auth.db"}"',
                f'audit_path = "{root / "audit.db"}"',
                f'keys_dir = "{root / "keys"}"',
                f'issuer = "http://127.0.0.1:{api_port}"',
                "[api]",
                "rate_limit_per_minute = 1000000",  # the limiter is not what is measured here
                "",
            ]
        ),
        encoding="utf-8",
    )
    return config


# -- child: one sync, its report as JSON on the last line ------------------------------------------


def child_sync(config: Path, manifest: Path, reference: Path | None) -> None:
    """The product's sync into the configured cluster, or (`reference`) into an embedded index
    at that path with its own state file."""
    from config import SearchSettings, SyncSettings, load_settings
    from connectors import run_sync
    from connectors.manifest import merge_sources
    from indexer import open_backend
    from state.databases import StateDatabases

    os.environ["ICJS_CONFIG"] = str(config)
    watch_client()  # into the sync's log, which the parent reads
    settings = load_settings()
    sources, _ = merge_sources(dict(settings.sources), json.loads(manifest.read_text()))
    started = time.perf_counter()
    if reference is not None:
        backend = open_backend(SearchSettings(path=reference / "index.db"))
        state_path = reference / "sync.db"
        try:
            report = asyncio.run(
                run_sync(sources, backend, state_path, SyncSettings(state_path=state_path))
            )
        finally:
            backend.close()
    else:
        backend = open_backend(settings.search)
        state = StateDatabases.open(settings)
        try:
            report = asyncio.run(run_sync(sources, backend, state.sync, settings.sync))
        finally:
            state.close()
            backend.close()
    print(json.dumps({"seconds": time.perf_counter() - started, "sources": report.as_dict()}))


def start_child_sync(
    config: Path, manifest: Path, out: Path, reference: Path | None = None
) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, "-m", "bench.chaos.run", "--child-sync", str(config), str(manifest)]
    if reference is not None:
        cmd += ["--reference", str(reference)]
    return subprocess.Popen(cmd, stdout=out.open("wb"), stderr=subprocess.STDOUT, cwd=ROOT)


def child_result(out: Path) -> dict[str, Any]:
    for line in reversed(out.read_text(errors="replace").splitlines()):
        if line.startswith("{"):
            found: dict[str, Any] = json.loads(line)
            return found
    return {"seconds": 0.0, "sources": {}}


# -- the cluster's health, sampled -----------------------------------------------------------------


class HealthWatch(threading.Thread):
    """(run-clock time, status, nodes) every 0.25 s until stopped."""

    def __init__(self, cluster: LocalCluster, clock: float) -> None:
        super().__init__(daemon=True)
        self.cluster = cluster
        self.clock = clock
        self.samples: list[tuple[float, str, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            health = self.cluster.health()
            status = str(health.get("status")) if health else "unreachable"
            nodes = int(str(health.get("number_of_nodes", 0))) if health else 0
            self.samples.append((time.monotonic() - self.clock, status, nodes))
            self.done.wait(0.25)

    def timeline(self) -> list[tuple[float, str]]:
        return [(t, s) for t, s, _ in self.samples]

    def first(self, after: float, ready: Any) -> float | None:
        for t, status, nodes in self.samples:
            if t >= after and ready(status, nodes):
                return t
        return None


def victim(cluster: LocalCluster, *, prefer_manager: bool) -> tuple[int, str]:
    """(node number, what it was) of the node to kill."""
    nodes = cluster.get("/_cat/nodes?format=json&full_id=true&h=id,http,cluster_manager")
    shards = cluster.get("/_cat/shards?format=json&h=index,shard,prirep,state,id")
    assert isinstance(nodes, list) and isinstance(shards, list)
    port = choose_victim(nodes, shards, f"{PREFIX}-records", prefer_manager=prefer_manager)
    number = next(n.number for n in cluster.nodes if n.http_port == port)
    manager = cluster_manager_port(nodes) == port
    primaries = primaries_by_port(shards, node_ports(nodes), f"{PREFIX}-records").get(port, 0)
    role = ("elected cluster manager, " if manager else "") + f"{primaries} records primaries"
    return number, role


def lose_and_restore(
    cluster: LocalCluster, watch: HealthWatch, number: int, down_s: float, clock: float
) -> dict[str, Any]:
    """Kill node `number`, restart it `down_s` later, wait for it to rejoin and for green."""
    cluster.kill(number)
    killed = time.monotonic() - clock
    time.sleep(down_s)
    restarted = time.monotonic() - clock
    cluster.restart(number)
    cluster.wait_for(lambda h: h.get("number_of_nodes") == cluster.size, GREEN_TIMEOUT_S)
    rejoined = time.monotonic() - clock
    cluster.wait_for(
        lambda h: h.get("status") == "green" and h.get("number_of_nodes") == cluster.size,
        GREEN_TIMEOUT_S,
    )
    green = time.monotonic() - clock
    time.sleep(0.5)  # one more health sample past green
    timeline = watch.timeline()
    during = [s for t, s in timeline if killed <= t <= green]
    return {
        "killed": killed,
        "restarted": restarted,
        "rejoined": rejoined,
        "green": green,
        "down_s": restarted - killed,
        "rejoin_s": rejoined - restarted,
        "green_after_restart_s": green - restarted,
        "green_after_kill_s": green - killed,
        "red_s": seconds_in(timeline, "red", killed, green),
        "yellow_s": seconds_in(timeline, "yellow", killed, green),
        "unreachable_s": seconds_in(timeline, "unreachable", killed, green),
        "worst": worst_status(during),
    }


# -- 1. a node lost during the sync ----------------------------------------------------------------


def indexed(cluster: LocalCluster) -> int:
    found = cluster.get(f"/{PREFIX}-records/_count")
    return int(found.get("count", 0)) if isinstance(found, dict) else 0


def sync_with_loss(
    cluster: LocalCluster,
    config: Path,
    manifest: Path,
    root: Path,
    expected: int,
    args: argparse.Namespace,
) -> dict[str, Any]:
    clock = time.monotonic()
    watch = HealthWatch(cluster, clock)
    watch.start()
    out = root / "sync.log"
    sync = start_child_sync(config, manifest, out)
    log(f"sync started; a node dies at {args.kill_at:.0%} of {expected:,} records")
    at = 0
    while sync.poll() is None:
        at = indexed(cluster)
        if at >= args.kill_at * expected:
            break
        time.sleep(0.2)
    if sync.poll() is not None:
        raise SystemExit(f"the sync ended before the kill ({at:,} records): a bigger --persons")
    number, role = victim(cluster, prefer_manager=False)
    port = cluster.nodes[number - 1].http_port
    log(f"killing node {number} (port {port}; {role}) at {at:,} records")
    loss = lose_and_restore(cluster, watch, number, args.down_s, clock)
    log(
        f"node {number} rejoined {loss['rejoin_s']:.1f} s after restart, green "
        f"{loss['green_after_restart_s']:.1f} s after restart; waiting for the sync"
    )
    status = sync.wait()
    finished = time.monotonic() - clock
    watch.done.set()
    watch.join()
    result = child_result(out)
    client = failovers(out.read_text(errors="replace").splitlines(), int(port or 0))
    reports = result["sources"]
    log(f"sync exited {status} after {finished:.0f} s")
    return {
        "victim": port,
        "victim_role": role,
        "indexed_at_kill": at,
        "killed_at_s": loss["killed"],
        "down_s": loss["down_s"],
        "rejoin_s": loss["rejoin_s"],
        "green_after_restart_s": loss["green_after_restart_s"],
        "green_after_kill_s": loss["green_after_kill_s"],
        "red_s": loss["red_s"],
        "yellow_s": loss["yellow_s"],
        "worst_status": loss["worst"],
        "exit_status": status,
        "client": client,
        "seconds": finished,
        "sources": len(reports),
        "sources_ok": sum(1 for r in reports.values() if r["status"] == "ok"),
        "source_errors": {n: r["error"] for n, r in reports.items() if r["error"]},
        "failed_items": sum(
            int(r.get("fetched", 0)) - _accounted(r) for r in reports.values() if r
        ),
        "retries": sum(int(r.get("retries", 0)) for r in reports.values()),
        "reports": reports,
    }


def _accounted(report: dict[str, Any]) -> int:
    keys = ("indexed", "updated", "unchanged", "quarantined", "with_issues", "removed")
    return sum(int(report.get(k, 0)) for k in (*keys, "duplicates"))


# -- 2. the index against the truth ----------------------------------------------------------------


def _comparable(record: Any) -> dict[str, Any]:
    body: dict[str, Any] = record.model_dump(mode="json")
    body["provenance"].pop("fetched_at", None)  # when each sync read it: differs by design
    return body


def compare_with_truth(
    config: Path, manifest: Path, root: Path, expected: dict[str, set[str]]
) -> dict[str, Any]:
    from config import SearchSettings, load_settings
    from indexer import open_backend
    from records import Source

    os.environ["ICJS_CONFIG"] = str(config)
    settings = load_settings()
    cluster = open_backend(settings.search)
    cluster.flush()
    diffs = []
    try:
        for name in sorted(expected):
            diffs.append(id_diff(name, expected[name], list(cluster.ids(Source(name)))))
        log("reference: the same world synced into an embedded index")
        reference_dir = root / "reference"
        reference_dir.mkdir()
        out = root / "reference.log"
        if start_child_sync(config, manifest, out, reference_dir).wait() != 0:
            raise SystemExit(f"the reference sync failed: see {out}")
        reference = open_backend(SearchSettings(path=reference_dir / "index.db"))
        compared = different = 0
        examples: list[str] = []
        try:
            ids = sorted(set().union(*expected.values()))
            for start in range(0, len(ids), 500):
                batch = ids[start : start + 500]
                ours = {r.record_id: _comparable(r) for r in cluster.get(batch)}
                theirs = {r.record_id: _comparable(r) for r in reference.get(batch)}
                for record_id in batch:
                    if record_id not in ours or record_id not in theirs:
                        continue  # counted as missing above (or the reference lost it)
                    compared += 1
                    if ours[record_id] != theirs[record_id]:
                        different += 1
                        if len(examples) < 5:
                            examples.append(record_id)
            reference_missing = len(ids) - len(list_ids(reference, expected))
        finally:
            reference.close()
    finally:
        cluster.close()
    return {
        "expected": sum(len(v) for v in expected.values()),
        "indexed": sum(d.indexed for d in diffs),
        "sources": [
            {**asdict(d), "missing": list(d.missing[:20]), "extra": list(d.extra[:20])}
            | {"missing_n": len(d.missing), "extra_n": len(d.extra)}
            for d in diffs
        ],
        "content": {
            "compared": compared,
            "different": different,
            "examples": examples,
            "reference_missing": reference_missing,
        },
    }


def list_ids(backend: Any, expected: dict[str, set[str]]) -> set[str]:
    from records import Source

    held: set[str] = set()
    for name in expected:
        held |= set(backend.ids(Source(name)))
    return held & set().union(*expected.values())


# -- 3. a node lost during a search load -----------------------------------------------------------


def search_queries(config: Path, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """(token, body) pairs: queries from the index per state, each with its state's officer."""
    from bench.load.run import plan_queries, tokens
    from config import load_settings

    os.environ["ICJS_CONFIG"] = str(config)
    settings = load_settings()
    plan = plan_queries(settings, random.Random(seed))
    minted = tokens(settings, sorted(plan))
    return [
        (minted[state], {**query, "purpose": "chaos: case enquiry"})
        for state, entry in plan.items()
        for query in entry["persons"]
    ]


class Searcher(threading.Thread):
    """Sends one search after another until stopped: `attempt()` answers an HTTP status (200:
    answered) or raises (no answer at all)."""

    def __init__(self, attempt: Callable[[], int], clock: float, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.attempt, self.clock, self.stop = attempt, clock, stop
        self.requests: list[Request] = []
        self.errors: dict[str, int] = {}

    def run(self) -> None:
        while not self.stop.is_set():
            sent = time.monotonic()
            try:
                status = self.attempt()
                kind = f"HTTP {status}"
            except Exception as exc:  # any failure to answer is what is being counted
                status, kind = 0, f"{type(exc).__name__}: {str(exc)[:120]}"
            self.requests.append(Request(sent - self.clock, time.monotonic() - sent, status))
            if status != 200:
                self.errors[kind] = self.errors.get(kind, 0) + 1


def api_search(url: str, queries: list[tuple[str, dict[str, Any]]], seed: int) -> Callable[[], int]:
    """An officer's person search through the API (`POST /v1/persons/search`)."""
    rng = random.Random(seed)
    client = httpx.Client(timeout=60)

    def attempt() -> int:
        token, body = rng.choice(queries)
        response = client.post(
            f"{url}/v1/persons/search", json=body, headers={"Authorization": f"Bearer {token}"}
        )
        return response.status_code

    return attempt


def backend_search(
    backend: Any, queries: list[tuple[str, dict[str, Any]]], seed: int
) -> Callable[[], int]:
    """The same searches' candidate retrieval straight through the product's cluster client
    (`ElasticBackend.candidates`, all three hosts): the failover itself, without the API's
    rescoring, so many more samples on a busy machine."""
    from datetime import date

    from federation.planning import PersonSearch, plan_person
    from indexer.backends.base import Filters

    rng = random.Random(seed)

    def attempt() -> int:
        _, body = rng.choice(queries)
        search = PersonSearch(
            name=body["name"],
            relative_name=body.get("father_name"),
            birth_year=body.get("birth_year"),
        )
        plan = plan_person(search, Filters(), max_candidates=300, today=date.today())
        backend.candidates(plan.candidates)
        return 200

    return attempt


def search_with_loss(
    cluster: LocalCluster, config: Path, port: int, root: Path, args: argparse.Namespace
) -> dict[str, Any]:
    from bench.load.run import start_api

    queries = search_queries(config, args.seed)
    log(f"API: {args.workers} worker(s) on port {port}; {len(queries):,} queries")
    server = start_api(config, port, args.workers, root / "api.log")
    from config import load_settings
    from indexer import open_backend

    backend = open_backend(load_settings().search)
    warnings = ClientWarnings()
    logging.getLogger("opensearch").addHandler(warnings)
    clock = time.monotonic()
    watch = HealthWatch(cluster, clock)
    watch.start()
    stop = threading.Event()
    url = f"http://127.0.0.1:{port}"
    searchers = {
        "API": [
            Searcher(api_search(url, queries, args.seed + i), clock, stop)
            for i in range(args.clients)
        ],
        "backend": [
            Searcher(backend_search(backend, queries, args.seed + 100 + i), clock, stop)
            for i in range(args.backend_clients)
        ],
    }
    every = [s for group in searchers.values() for s in group]
    try:
        for searcher in every:
            searcher.start()
        time.sleep(args.before_s)
        number, role = victim(cluster, prefer_manager=True)
        node_port = cluster.nodes[number - 1].http_port
        log(f"killing node {number} (port {node_port}; {role}) under {args.clients} clients")
        loss = lose_and_restore(cluster, watch, number, args.down_s, clock)
        log(f"green again {loss['green_after_restart_s']:.1f} s after restart")
        time.sleep(args.after_s)
        end = time.monotonic() - clock
    finally:
        stop.set()
        for searcher in every:
            searcher.join(timeout=90)
        backend.close()
        server.terminate()
        server.wait(timeout=60)
        watch.done.set()
        watch.join()
    phases = [
        ("before", 0.0, loss["killed"]),
        ("node down", loss["killed"], loss["restarted"]),
        ("rejoining", loss["restarted"], loss["green"]),
        ("green again", loss["green"], end),
    ]
    by_path: dict[str, list[dict[str, Any]]] = {}
    kinds: dict[str, int] = {}
    for path, group in searchers.items():
        requests = sorted((r for s in group for r in s.requests), key=lambda r: r.sent)
        by_path[path] = [asdict(p) for p in phase_stats(requests, phases)]
        for searcher in group:
            for kind, n in searcher.errors.items():
                kinds[f"{path} {kind}"] = kinds.get(f"{path} {kind}", 0) + n
    return {
        "clients": args.clients,
        "backend_clients": args.backend_clients,
        "workers": args.workers,
        "victim": node_port,
        "victim_role": role,
        "down_s": loss["down_s"],
        "rejoin_s": loss["rejoin_s"],
        "green_after_restart_s": loss["green_after_restart_s"],
        "red_s": loss["red_s"],
        "yellow_s": loss["yellow_s"],
        "worst_status": loss["worst"],
        "phases": by_path,
        "error_kinds": kinds,
        "client": failovers(warnings.lines, int(node_port or 0)),
    }


# -- the run ---------------------------------------------------------------------------------------


def verdict(result: dict[str, Any]) -> tuple[bool, str]:
    truth = result["truth"]
    lost = sum(d["missing_n"] + d["extra_n"] + d["duplicates"] for d in truth["sources"])
    problems = []
    if lost:
        problems.append(f"{lost} records missing, extra or duplicated")
    if truth["content"]["different"]:
        problems.append(f"{truth['content']['different']} records differ from the reference")
    if result["sync"]["sources_ok"] != result["sync"]["sources"]:
        problems.append(f"sync sources failed: {result['sync']['source_errors']}")
    phases = [(path, p) for path, ps in result["search"]["phases"].items() for p in ps]
    silent = [f"{path} {p['phase']}" for path, p in phases if p["requests"] == p["errors"]]
    if silent:
        problems.append(f"no search answered in: {', '.join(silent)}")
    errors = sum(p["errors"] for _, p in phases)
    if problems:
        return False, "FAILED: " + "; ".join(problems) + "."
    return True, (
        f"nothing lost (index equal to the ground truth, record by record); "
        f"{errors} search errors in total; the node rejoined and the cluster was green again."
    )


def opensearch_version(root_document: object) -> str:
    """The `version.number` of a node's `GET /` answer."""
    if isinstance(root_document, dict) and isinstance(root_document.get("version"), dict):
        return str(root_document["version"].get("number", "?"))
    return "?"


def head_commit() -> str:
    out = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    )
    return out.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=3_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--faults", default="none", choices=("none", "default", "harsh"))
    parser.add_argument("--heap-mb", type=int, default=512, help="per node")
    parser.add_argument("--shards", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=1)
    parser.add_argument("--kill-at", type=float, default=0.33, help="share of records indexed")
    parser.add_argument("--down-s", type=float, default=30.0, help="before the restart")
    parser.add_argument("--clients", type=int, default=4, help="API searches in flight")
    parser.add_argument(
        "--backend-clients", type=int, default=2, help="candidate retrievals in flight"
    )
    parser.add_argument("--workers", type=int, default=1, help="API workers")
    parser.add_argument("--before-s", type=float, default=30.0)
    parser.add_argument("--after-s", type=float, default=30.0)
    parser.add_argument("--child-sync", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--reference", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_sync:
        config, manifest = args.child_sync
        child_sync(config, manifest, args.reference)
        return 0

    from bench.load.run import free_port
    from simulators.harness import start_simulators

    started = time.monotonic()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    root = (WORK / stamp).resolve()
    root.mkdir(parents=True)
    cluster = LocalCluster(size=3, heap_mb=args.heap_mb, base=root / "cluster")
    log(f"three nodes, {args.heap_mb} MB heap each; work directory {root}")
    try:
        cluster.start()
        api_port = free_port()
        config = write_config(root, cluster.urls(), args.shards, args.replicas, api_port)
        log(f"world of {args.persons:,} people (faults {args.faults})")
        sims = start_simulators(
            seed=args.seed, persons=args.persons, faults=args.faults, data_dir=WORK / "worlds"
        )
        try:
            manifest = root / "manifest.json"
            manifest.write_text(json.dumps(sims.manifest))
            manifest.chmod(0o600)
            truth = sims.ground_truth
            before = sum(len(truth.expected_in_index(name)) for name in sims.manifest)
            sync = sync_with_loss(cluster, config, manifest, root, before, args)
            # the truth after the sync: faults that insert data (e-Prisons offset shifts) add
            # real records while it runs, and a correct sync holds them too
            expected = {name: truth.expected_in_index(name) for name in sims.manifest}
            log("comparing the index with the ground truth")
            checked = compare_with_truth(config, manifest, root, expected)
        finally:
            sims.stop()
        search = search_with_loss(cluster, config, api_port, root, args)
        version = cluster.get("/")
    finally:
        cluster.stop(keep_logs=True)
    result: dict[str, Any] = {
        "when": stamp,
        "commit": head_commit(),
        "opensearch": opensearch_version(version),
        "heap_mb": args.heap_mb,
        "shards": args.shards,
        "replicas": args.replicas,
        "persons": args.persons,
        "faults": args.faults,
        "cores": os.cpu_count(),
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
        "sync": sync,
        "truth": checked,
        "search": search,
        "total_s": time.monotonic() - started,
    }
    ok, result["verdict"] = verdict(result)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"chaos-{stamp}.json").write_text(json.dumps(result, indent=2) + "\n")
    table = render(result)
    (RESULTS / "chaos.md").write_text(table)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

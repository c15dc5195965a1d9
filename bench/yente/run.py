"""`make bench-yente`: this product's person search next to OpenSanctions' `yente`, on the same
OpenSearch node, the same world and the same queries, interleaved, by CPU per search.

    .venv/bin/python scripts/opensearch_node.py run -- .venv/bin/python -m bench.yente.run \
        [--gallery 20000] [--per-class 40] [--batch 20]

The world and the queries are `bench.names`' (people with namesakes and relatives, several
records each damaged its own way, twelve classes of queries and near-neighbour negatives). The
records are indexed three times: by the product on the node and in an embedded SQLite file, and
by yente (installed from PyPI into its own venv, `bench.yente.service`) on the same node from a
file of FollowTheMoney `Person` entities, one per record (`bench.yente.ftm`). Each query is asked
over HTTP, one at a time: `POST /v1/persons/search` (officer token, audit log, ten profiles) and
yente's `POST /match/icjs_world` (ten results, no cutoff), in batches that rotate between the
three services so that all of them see the same load on the shared cores.

Cost is CPU, not wall time: per batch, the CPU seconds of the service's process (from /proc) and,
for the two on the node, of the OpenSearch JVM over the same interval. Searches per core-second
= searches / (service + node CPU seconds). Latency p50/p95 is wall time per request as the client
saw it (it includes the neighbours' load). recall@10: the right person (the query's target or
anyone it fits as well) among the first ten profiles (ours) or entities (yente's).

Writes bench/results/yente.md and yente.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from auth.service import AuthService
from bench.api.run import free_port, head_commit, officer_token, pct, server_env
from bench.names.dataset import Dataset, build
from bench.names.generate import Query
from bench.yente import ftm
from bench.yente.cpu import node_pid, process_cpu_s
from bench.yente.service import Yente, wait_ready
from config import Settings
from config.settings import ApiSettings, AuthSettings, SearchSettings, SyncSettings
from indexer import open_backend

RESULTS = Path(__file__).resolve().parents[1] / "results"
LIMIT = 10
BASELINE = "ours-opensearch (baseline)"
INDEX_BATCH = 1000


@dataclass
class Side:
    """One service under test and what it cost."""

    name: str
    url: str
    pid: int
    on_node: bool
    ask: Any  # (http client, query) -> list of person-id sets, best first
    latencies: list[float] = field(default_factory=list)
    ranks: list[int | None] = field(default_factory=list)
    service_cpu: float = 0.0
    node_cpu: float = 0.0
    errors: int = 0

    def row(self) -> dict[str, Any]:
        n = len(self.latencies)
        cpu = self.service_cpu + self.node_cpu
        positives = [r for r in self.ranks if r != -1]
        return {
            "service": self.name,
            "searches": n,
            "errors": self.errors,
            "service_cpu_ms": round(1000 * self.service_cpu / n, 2),
            "node_cpu_ms": round(1000 * self.node_cpu / n, 2),
            "cpu_ms": round(1000 * cpu / n, 2),
            "per_core_s": round(n / cpu, 2),
            "p50_ms": round(1000 * pct(self.latencies, 50), 1),
            "p95_ms": round(1000 * pct(self.latencies, 95), 1),
            "recall@1": round(sum(r == 0 for r in positives) / len(positives), 3),
            "recall@10": round(sum(r is not None for r in positives) / len(positives), 3),
        }


def product_settings(root: Path, search: SearchSettings) -> Settings:
    return Settings(
        search=search,
        auth=AuthSettings(
            db_path=root / "auth.db", keys_dir=root / "keys", audit_path=root / "audit.db"
        ),
        sync=SyncSettings(state_path=root / "sync.db"),
        api=ApiSettings(rate_limit_per_minute=100_000_000),
        data_dir=root,
    )


def index_product(settings: SearchSettings, data: Dataset) -> None:
    backend = open_backend(settings)
    try:
        for start in range(0, len(data.records), INDEX_BATCH):
            result = backend.upsert(data.records[start : start + INDEX_BATCH])
            if result.failed:
                raise RuntimeError(f"{settings.backend}: {result.failed[:3]}")
        backend.flush()
    finally:
        backend.close()


def start_product(
    settings: Settings, log: Path, checkout: Path | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """The API of this checkout, or of another one (`--baseline`: an earlier commit's code on
    the very same index, with this venv's packages and compiled matcher copied in)."""
    env = server_env(settings)
    port = free_port()
    with log.open("ab") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bench.api.server", str(port)],
            env=env,
            cwd=checkout,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    wait_ready(proc, f"{url}/readyz")
    return proc, url


def ask_product(data: Dataset) -> Any:
    def ask(http: httpx.Client, url: str, q: Query) -> list[frozenset[str]] | None:
        response = http.post(f"{url}/v1/persons/search", json=ftm.product_body(q, LIMIT))
        if response.status_code != 200:
            return None
        return [
            frozenset(data.pid_of[r["record_id"]] for r in p["records"])
            for p in response.json()["profiles"]
        ]

    return ask


def ask_yente(data: Dataset) -> Any:
    def ask(http: httpx.Client, url: str, q: Query) -> list[frozenset[str]] | None:
        body = {"queries": {"q": ftm.yente_example(q)}}
        response = http.post(
            f"{url}/match/{ftm.DATASET}", params={"limit": LIMIT, "cutoff": 0.0}, json=body
        )
        if response.status_code != 200:
            return None
        results = response.json()["responses"]["q"]["results"]
        return [frozenset({data.pid_of[r["id"]]}) for r in results]

    return ask


def rank_of(q: Query, ranking: list[frozenset[str]]) -> int | None:
    """-1 for a negative (nobody is right); else the first place a right person holds."""
    if q.target is None:
        return -1
    right = {q.target, *q.also}
    return next((i for i, pids in enumerate(ranking[:LIMIT]) if pids & right), None)


def run_batches(
    sides: list[Side], queries: list[Query], node: int, batch: int, headers: dict[str, str]
) -> None:
    with httpx.Client(timeout=120, headers=headers) as http:
        for side in sides:  # warm caches and connections; not counted
            for q in queries[:20]:
                side.ask(http, side.url, q)
        for number, start in enumerate(range(0, len(queries), batch)):
            chunk = queries[start : start + batch]
            turn = number % len(sides)
            for side in sides[turn:] + sides[:turn]:
                node_before = process_cpu_s(node) if side.on_node else 0.0
                before = process_cpu_s(side.pid)
                for q in chunk:
                    started = time.perf_counter()
                    ranking = side.ask(http, side.url, q)
                    side.latencies.append(time.perf_counter() - started)
                    if ranking is None:
                        side.errors += 1
                        ranking = []
                    side.ranks.append(rank_of(q, ranking))
                side.service_cpu += process_cpu_s(side.pid) - before
                if side.on_node:
                    side.node_cpu += process_cpu_s(node) - node_before
            print(f"batch {number + 1}: {start + len(chunk)} queries", file=sys.stderr, flush=True)


def settle(node: int, timeout_s: float = 120) -> None:
    """Wait until the node is done with what the indexing left it (merges, refreshes): CPU it
    spends then is nobody's search."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        before = process_cpu_s(node)
        time.sleep(2)
        if process_cpu_s(node) - before < 0.1:  # under 5% of a core
            return


def table(rows: list[dict[str, Any]]) -> str:
    head = (
        "| service | searches/core-s | CPU ms/search (service + node) | p50 ms | p95 ms "
        "| recall@1 | recall@10 | errors |\n|---|---|---|---|---|---|---|---|\n"
    )
    return head + "\n".join(
        f"| {r['service']} | {r['per_core_s']} | {r['cpu_ms']} ({r['service_cpu_ms']} + "
        f"{r['node_cpu_ms']}) | {r['p50_ms']} | {r['p95_ms']} | {r['recall@1']} "
        f"| {r['recall@10']} | {r['errors']} |"
        for r in rows
    )


def ratios(rows: list[dict[str, Any]]) -> list[str]:
    by = {r["service"]: r for r in rows}
    yente = by["yente"]["per_core_s"]
    return [
        f"- {name}: {by[name]['per_core_s'] / yente:.2f}× yente's searches per core-second"
        for name in by
        if name != "yente"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gallery", type=int, default=20000, help="people")
    parser.add_argument("--per-class", type=int, default=40)
    parser.add_argument("--batch", type=int, default=20, help="queries per turn of a service")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout whose cluster path runs alongside"
    )
    args = parser.parse_args(argv)
    url = os.environ.get("ICJS_TEST_OPENSEARCH_URL")
    if not url:
        parser.error("needs ICJS_TEST_OPENSEARCH_URL (run under scripts/opensearch_node.py run)")
    yente = Yente.installed()  # first: a failed install should not cost an indexing
    data = build(args.seed, args.gallery, args.per_class)
    print(
        f"{len(data.people)} people, {len(data.records)} records, {len(data.queries)} queries",
        file=sys.stderr,
    )
    root = Path(tempfile.mkdtemp(prefix="icjs-bench-yente-"))
    prefix = f"icjs-yente-{uuid.uuid4().hex[:8]}"
    procs: list[subprocess.Popen[bytes]] = []
    try:
        entities = root / "entities.ftm.json"
        ftm.write_entities(data.records, entities)
        started = time.perf_counter()
        yente.index(root, entities, url)
        yente_index_s = time.perf_counter() - started
        clusters = SearchSettings(backend="opensearch", url=url, index_prefix=prefix)
        embedded = SearchSettings(backend="embedded", path=root / "embedded.db")
        started = time.perf_counter()
        index_product(clusters, data)
        ours_index_s = time.perf_counter() - started
        index_product(embedded, data)
        cluster_settings = product_settings(root / "cluster", clusters)
        embedded_settings = product_settings(root / "embedded", embedded)
        # one key ring: the token minted here is valid on both product servers
        embedded_settings.auth.keys_dir = cluster_settings.auth.keys_dir
        auth = AuthService.from_settings(cluster_settings.auth)
        token = officer_token(auth)
        auth.close()
        log = root / "servers.log"
        ours_os, ours_os_url = start_product(cluster_settings, log)
        procs.append(ours_os)
        ours_emb, ours_emb_url = start_product(embedded_settings, log)
        procs.append(ours_emb)
        if args.baseline:
            base_settings = product_settings(root / "baseline", clusters)
            base_settings.auth.keys_dir = cluster_settings.auth.keys_dir
            base, base_url = start_product(base_settings, log, args.baseline.resolve())
            procs.append(base)
        yente_proc, yente_url = yente.serve(root, url, log)
        procs.append(yente_proc)
        sides = [
            Side("ours-opensearch", ours_os_url, ours_os.pid, True, ask_product(data)),
            Side("ours-embedded", ours_emb_url, ours_emb.pid, False, ask_product(data)),
            Side("yente", yente_url, yente_proc.pid, True, ask_yente(data)),
        ]
        if args.baseline:
            sides.insert(1, Side(BASELINE, base_url, base.pid, True, ask_product(data)))
        node = node_pid(urlsplit(url).port or 9200)
        settle(node)
        load_before = os.getloadavg()[0]
        run_batches(sides, data.queries, node, args.batch, {"Authorization": f"Bearer {token}"})
        load_after = os.getloadavg()[0]
    finally:
        for proc in procs:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(root, ignore_errors=True)
    rows = [s.row() for s in sides]
    meta = {
        "commit": head_commit(),
        "yente": yente.version,
        "people": len(data.people),
        "records": len(data.records),
        "queries": len(data.queries),
        "positives": sum(q.target is not None for q in data.queries),
        "seed": args.seed,
        "load": f"{load_before:.1f}-{load_after:.1f}",
        "index_s": {"ours-opensearch": round(ours_index_s, 1), "yente": round(yente_index_s, 1)},
    }
    text = table(rows) + "\n\n" + "\n".join(ratios(rows))
    print(text)
    if not args.no_write:
        head = (
            f"# This product against yente {yente.version}\n\n"
            f"seed {args.seed}, {meta['people']} people, {meta['records']} records, "
            f"{meta['queries']} queries ({meta['positives']} with a right answer), commit "
            f"{meta['commit']}, load {meta['load']} (`make bench-yente`; method in "
            'docs/decisions.md, "Throughput against yente").\n\n'
        )
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "yente.md").write_text(head + text + "\n", encoding="utf-8")
        (RESULTS / "yente.json").write_text(
            json.dumps({"meta": meta, "rows": rows}, indent=2) + "\n", encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

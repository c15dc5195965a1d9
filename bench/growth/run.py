"""Growth benchmark: a full sync of the demo world at growing sizes, slice by slice, and search
latency on the index it built.

    .venv/bin/python -m bench.growth.run --persons 26000            # ~100,000 records
    .venv/bin/python -m bench.growth.run --persons 26000,260000     # and ~1,000,000
    scripts/opensearch_node.py run -- .venv/bin/python -m bench.growth.run --backend opensearch

The world is the simulators' (`make demo`'s generator, seed 7 as `bench.names.scale`), served
over HTTP by the eight simulated sources in this process; the sync runs in a child process, as
`icjs sync --full` runs it, so that everything measured about it is its own: per slice of
records written (100,000 by default), the wall time, the child's CPU time (user + system), the
bytes it sent to storage (`/proc/self/io` `write_bytes`: the index and the sync state, WAL and
checkpoints included) and its resident memory, and the simulators' CPU over the same slice (this
process). For OpenSearch the node's own CPU and bytes written are read from its `/proc` entry.
Then the index's size, and search latency: person searches about the world's people through the
code the API runs (`bench.names.scale`'s queries), p50 and p95.

Results: a table on stdout, JSON + Markdown under bench/results/ (growth.json, growth.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"
SEED = 7  # bench.names.scale's world, so its queries apply
TICK = os.sysconf("SC_CLK_TCK")
# a sync child stopped at --max-records exits with this, as if killed there (its samples stand)
STOPPED_EXIT = 75


# -- /proc readings ----------------------------------------------------------------------------


def proc_cpu_s(pid: int | str = "self") -> float:
    """User + system CPU seconds of process `pid` (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def proc_written(pid: int | str = "self") -> int:
    """Bytes the process caused to be sent to storage (`write_bytes`, Linux task I/O
    accounting), less those it truncated away before they reached the disk."""
    io = dict(line.split(": ") for line in Path(f"/proc/{pid}/io").read_text().strip().splitlines())
    return int(io["write_bytes"]) - int(io["cancelled_write_bytes"])


def proc_rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def node_pid(url: str) -> int | None:
    """The pid of the OpenSearch node listening on `url`'s port (its CPU and writes are part
    of what a sync costs on that backend), or None when it is not on this machine."""
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            cols = line.split()
            if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "0A":  # LISTEN
                inodes.add(cols[9])
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            for fd in os.listdir(f"/proc/{pid}/fd"):
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(pid)
        except OSError:
            continue
    return None


# -- child: one sync, sampled ------------------------------------------------------------------


class Sampled:
    """The backend, counting the records written and sampling the process at every `slice`
    records: the sync engine calls it from worker threads, hence the lock."""

    def __init__(
        self,
        backend: Any,
        slice_records: int,
        node: int | None,
        log: Path,
        max_records: int | None = None,
    ) -> None:
        self._backend = backend
        self._slice = slice_records
        self._max = max_records
        self._node = node
        self._lock = threading.Lock()
        self._log = log  # one JSON line per sample: a sync stopped at --max-s still reports
        self.written = 0
        self.samples: list[dict[str, float]] = []
        self._add()

    def _add(self) -> None:
        sample = self._sample()
        self.samples.append(sample)
        with self._log.open("a") as f:
            f.write(json.dumps(sample) + "\n")

    def _sample(self) -> dict[str, float]:
        sample = {
            "records": self.written,
            "t": time.perf_counter(),
            "cpu_s": proc_cpu_s(),
            "written_b": proc_written(),
            "rss_mb": proc_rss_mb(),
            "sim_cpu_s": proc_cpu_s(os.getppid()),
        }
        if self._node is not None:
            sample["node_cpu_s"] = proc_cpu_s(self._node)
            sample["node_written_b"] = proc_written(self._node)
        return sample

    def upsert(self, records: Sequence[Any]) -> Any:
        result = self._backend.upsert(records)
        with self._lock:
            before = self.written // self._slice
            self.written += len(records)
            if self.written // self._slice > before:
                self._add()
            if self._max is not None and self.written >= self._max:
                # stopped as a kill would stop it (the next open finishes the load), at the
                # same record count in every run, whatever the machine's load
                self._add()
                os._exit(STOPPED_EXIT)
        return result

    def finish(self) -> None:
        with self._lock:
            if self.samples[-1]["records"] != self.written:
                self._add()

    @contextmanager
    def bulk_load(self) -> Iterator[None]:
        """The backend's bulk load, with a sample where the sync's writes end and one where
        the backend has finished the load (its deferred index builds: `finish` in the results)."""
        with self._backend.bulk_load():
            yield
            self.finish()
        with self._lock:
            self._add()
            self.samples[-1]["finish"] = 1.0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)


async def _sync(args: argparse.Namespace) -> dict[str, Any]:
    from prometheus_client import CollectorRegistry

    from config import SourceSettings, SyncSettings
    from connectors.engine import run_sync
    from connectors.metrics import SyncMetrics
    from indexer import open_backend

    manifest = json.loads(args.manifest.read_text())
    settings = search_settings(args)
    node = node_pid(settings.url) if settings.url else None
    backend = open_backend(settings)
    sampled = Sampled(backend, args.slice, node, args.work / "samples.jsonl", args.max_records)
    state = args.work / "sync.db"
    try:
        report = await run_sync(
            {n: SourceSettings(**e) for n, e in manifest.items()},
            sampled,
            state,
            SyncSettings(state_path=state),
            full=True,
            metrics=SyncMetrics(CollectorRegistry()),
        )
        sampled.finish()
        backend.flush()
        index_bytes = backend.disk_bytes()
        count = backend.count()
    finally:
        backend.close()
    failed = {n: r.error for n, r in report.sources.items() if r.status != "ok"}
    return {
        "rows": sum(r.fetched for r in report.sources.values()),
        "records": count,
        "index_bytes": index_bytes,
        "state_bytes": state.stat().st_size,
        "failed": failed,
        "samples": sampled.samples,
    }


def search_settings(args: argparse.Namespace) -> Any:
    from config import SearchSettings

    if args.backend == "embedded":
        return SearchSettings(backend="embedded", path=args.work / "index.db")
    url = os.environ.get("ICJS_TEST_OPENSEARCH_URL")
    if not url:
        raise SystemExit("--backend opensearch: run under scripts/opensearch_node.py run --")
    return SearchSettings(backend="opensearch", url=url, index_prefix=args.work.name.lower())


def _search(args: argparse.Namespace) -> dict[str, Any]:
    """Person searches through the service the API runs, on the index the sync built."""
    from auth.policy import Policy
    from bench.names.run import bench_caller
    from bench.names.scale import TODAY, World, queries
    from bench.service import person_search_service
    from config.runtime import tune_gc
    from indexer import open_backend
    from simulators.truth import GroundTruth
    from simulators.world.generate import open_world, world_file

    store = open_world(world_file(args.cache, SEED, args.persons, 0.0), SEED, args.persons, 0.0)
    plan = queries(args.persons, args.queries, GroundTruth(store), World(args.persons))
    store.close()
    tune_gc()
    backend = open_backend(search_settings(args))
    policy = Policy.load()
    service = person_search_service(backend, policy, max_candidates=300, today=lambda: TODAY)
    caller = bench_caller(policy)
    for search, *_ in plan[:20]:  # warm the caches a serving node has warm
        service.search(caller, search)
    latencies: list[float] = []
    cpu: list[float] = []
    for search, *_ in plan:
        started, cpu_started = time.perf_counter(), time.process_time()
        service.search(caller, search)
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
    backend.close()
    latencies.sort()
    cpu.sort()
    return {
        "queries": len(latencies),
        "p50_ms": latencies[len(latencies) // 2],
        "p95_ms": latencies[int(len(latencies) * 0.95)],
        "cpu_p50_ms": cpu[len(cpu) // 2],
        "rss_mb": proc_rss_mb(),
    }


def child(args: argparse.Namespace) -> None:
    from config.runtime import tune_gc

    tune_gc()  # as `icjs sync` runs
    result = asyncio.run(_sync(args)) if args.child == "sync" else _search(args)
    print(json.dumps(result))


# -- parent --------------------------------------------------------------------------------------


def run_child(
    mode: str, args: argparse.Namespace, manifest: Path, work: Path, timeout: float | None = None
) -> dict[str, Any]:
    """Run one measurement in a child process. A sync still running after `timeout` seconds,
    or that wrote `--max-records`, is stopped; its samples so far are returned, marked
    `stopped`."""
    command = [
        sys.executable,
        "-m",
        "bench.growth.run",
        "--child",
        mode,
        "--backend",
        args.backend,
        "--manifest",
        str(manifest),
        "--work",
        str(work),
        "--persons",
        str(args.persons_now),
        "--slice",
        str(args.slice),
        "--queries",
        str(args.queries),
        "--cache",
        str(args.cache),
    ]
    if args.max_records is not None:
        command += ["--max-records", str(args.max_records)]
    try:
        out = subprocess.run(command, check=False, capture_output=True, text=True, timeout=timeout)
        if out.returncode not in (0, STOPPED_EXIT):
            out.check_returncode()
        stopped = out.returncode == STOPPED_EXIT
    except subprocess.TimeoutExpired:
        stopped = True
    if stopped:
        lines = (work / "samples.jsonl").read_text().splitlines()
        return {
            "rows": None,
            "records": None,
            "index_bytes": None,
            "state_bytes": None,
            "failed": {},
            "stopped": True,
            "samples": [json.loads(x) for x in lines],
        }
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def slices(samples: list[dict[str, float]]) -> list[dict[str, float]]:
    """Per slice: records/s, CPU ms per record (sync, simulators, node), bytes written per
    record, resident memory at its end."""
    out = []
    for a, b in pairwise(samples):
        n = b["records"] - a["records"]
        if n <= 0:
            continue
        row = {
            "to": b["records"],
            "per_s": n / (b["t"] - a["t"]),
            "cpu_ms": (b["cpu_s"] - a["cpu_s"]) * 1000 / n,
            "sim_cpu_ms": (b["sim_cpu_s"] - a["sim_cpu_s"]) * 1000 / n,
            "written_kb": (b["written_b"] - a["written_b"]) / 1024 / n,
            "rss_mb": b["rss_mb"],
        }
        if "node_cpu_s" in b:
            row["node_cpu_ms"] = (b["node_cpu_s"] - a["node_cpu_s"]) * 1000 / n
            row["node_written_kb"] = (b["node_written_b"] - a["node_written_b"]) / 1024 / n
        out.append(row)
    return out


def summarise(
    persons: int, backend: str, synced: dict[str, Any], searched: dict[str, Any]
) -> dict[str, Any]:
    samples = synced["samples"]
    first, last = samples[0], samples[-1]
    written = (
        last["written_b"]
        - first["written_b"]
        + (last.get("node_written_b", 0) - first.get("node_written_b", 0))
    )
    per = slices(samples)
    finish = {}
    if len(samples) > 1 and samples[-1].get("finish"):
        a, b = samples[-2], samples[-1]
        finish = {
            "s": b["t"] - a["t"],
            "cpu_s": b["cpu_s"] - a["cpu_s"],
            "written_b": b["written_b"] - a["written_b"],
            "rss_mb": b["rss_mb"],
        }
    return {
        "persons": persons,
        "backend": backend,
        "stopped": bool(synced.get("stopped")),
        "records": synced["records"] or last["records"],
        "rows": synced["rows"],
        "sync_s": last["t"] - first["t"],
        "per_s": last["records"] / (last["t"] - first["t"]),
        "cpu_ms": (last["cpu_s"] - first["cpu_s"]) * 1000 / last["records"],
        "sim_cpu_ms": (last["sim_cpu_s"] - first["sim_cpu_s"]) * 1000 / last["records"],
        "node_cpu_ms": (last.get("node_cpu_s", 0) - first.get("node_cpu_s", 0))
        * 1000
        / last["records"],
        "written_b": written,
        "index_b": synced["index_bytes"],
        "state_b": synced["state_bytes"],
        "amplification": written / synced["index_bytes"] if synced["index_bytes"] else 0.0,
        "peak_rss_mb": max(s["rss_mb"] for s in samples),
        "first_rss_mb": per[0]["rss_mb"] if per else 0.0,
        "speed_first_last": per[-1]["per_s"] / per[0]["per_s"] if len(per) > 1 else 1.0,
        "slices": per,
        "finish": finish,
        "search": searched,
        "failed": synced["failed"],
    }


def table(rows: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| backend | people | records | sync s | records/s | last/first slice speed | sync CPU "
        "ms/record | simulators CPU ms/record | node CPU ms/record | written | index | written "
        "/ index | sync RSS first / peak MB | search p50 | p95 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        node = f"{r['node_cpu_ms']:.2f}" if r["node_cpu_ms"] else "-"
        stopped = " (stopped)" if r["stopped"] else ""
        # a stopped sync's last sample is behind what its index holds: no ratio between them
        index = "-" if r["stopped"] else f"{r['index_b'] / 2**30:.2f} GiB"
        ratio = "-" if r["stopped"] else f"{r['amplification']:.1f}×"
        lines.append(
            f"| {r['backend']} | {r['persons']:,} | {r['records']:,}{stopped} | {r['sync_s']:.0f} "
            f"| {r['per_s']:,.0f} | {r['speed_first_last']:.2f} | {r['cpu_ms']:.2f} "
            f"| {r['sim_cpu_ms']:.2f} | {node} | {r['written_b'] / 2**30:.2f} GiB "
            f"| {index} | {ratio} "
            f"| {r['first_rss_mb']:.0f} / {r['peak_rss_mb']:.0f} "
            f"| {r['search']['p50_ms']:.0f} ms | {r['search']['p95_ms']:.0f} ms |"
        )
    for r in rows:
        lines += [
            "",
            f"{r['backend']}, {r['persons']:,} people, per slice:",
            "",
            "| records to | records/s | sync CPU ms/record | simulators CPU ms/record "
            "| node CPU ms/record | KiB written/record | RSS MB |",
            "|---|---|---|---|---|---|---|",
        ]
        for s in r["slices"]:
            node = f"{s['node_cpu_ms']:.2f}" if "node_cpu_ms" in s else "-"
            node_kb = s.get("node_written_kb", 0.0)
            lines.append(
                f"| {s['to']:,} | {s['per_s']:,.0f} | {s['cpu_ms']:.2f} | {s['sim_cpu_ms']:.2f} "
                f"| {node} | {s['written_kb'] + node_kb:.1f} | {s['rss_mb']:.0f} |"
            )
        if r.get("finish"):
            f = r["finish"]
            lines += [
                "",
                f"Finishing the bulk load (embedded: deferred indexes built in key order, "
                f"full-text index merged; OpenSearch: refresh; in the totals above): "
                f"{f['s']:.1f} s, "
                f"{f['cpu_s']:.1f} s CPU, {f['written_b'] / 2**20:,.0f} MiB written, "
                f"RSS {f['rss_mb']:.0f} MB.",
            ]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", default="26000", help="comma-separated world sizes")
    parser.add_argument("--backend", default="embedded", choices=("embedded", "opensearch"))
    parser.add_argument("--slice", type=int, default=100_000, help="records per sample")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--cache", type=Path, default=None, help="where generated worlds live")
    parser.add_argument("--label", default="", help="a name for this run in the results")
    parser.add_argument("--max-s", type=float, default=None, help="stop a sync after this long")
    parser.add_argument(
        "--max-records", type=int, default=None, help="stop a sync once it wrote this many"
    )
    parser.add_argument("--child", choices=("sync", "search"), help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    from simulators.harness import default_cache_dir, start_simulators

    args.cache = (args.cache or default_cache_dir()).resolve()
    if args.child:
        args.persons = int(args.persons)
        child(args)
        return 0

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="icjs-bench-growth-", dir="var") as tmp:
        for persons in [int(x) for x in args.persons.split(",") if x.strip()]:
            args.persons_now = persons
            work = Path(tmp) / f"g{persons}"
            work.mkdir()
            with start_simulators(
                seed=SEED, persons=persons, faults="none", data_dir=args.cache
            ) as sims:
                manifest = work / "manifest.json"
                manifest.write_text(json.dumps(sims.manifest))
                synced = run_child("sync", args, manifest, work, args.max_s)
            if synced.get("stopped") and args.backend == "embedded":
                synced["index_bytes"] = sum(
                    p.stat().st_size for p in work.glob("index.db*") if p.suffix != ".db-shm"
                )
            searched = run_child("search", args, manifest, work)
            row = summarise(persons, args.backend, synced, searched)
            rows.append(row)
            print("\n".join(table([row])), flush=True)
    write_results(rows, args.label)
    return 0 if all(not r["failed"] for r in rows) else 1


def write_results(rows: list[dict[str, Any]], label: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"growth-{rows[0]['backend']}-{stamp}" if rows else f"growth-{stamp}"
    (RESULTS / f"{name}.json").write_text(
        json.dumps(
            {"label": label, "cpus": os.cpu_count(), "load": os.getloadavg(), "rows": rows},
            indent=2,
        )
    )
    head = [
        f"# Growth benchmark ({stamp}, {os.cpu_count()} CPUs{', ' + label if label else ''})",
        "",
    ]
    (RESULTS / f"{name}.md").write_text("\n".join(head + table(rows)) + "\n")


if __name__ == "__main__":
    sys.exit(main())

"""Sync benchmark: records/s of a full sync of all eight simulated sources into the embedded
index, next to the raw rate at which the same pages are fetched without mapping or indexing (the
ratio is the figure that matters: what mapping, de-duplication, checkpoints and the index cost),
and the peak memory of the syncing process as the world grows (it must stay flat: pages stream,
no source is ever held whole).

    .venv/bin/python -m bench.sync.run                       # 300 and 1,500 people
    .venv/bin/python -m bench.sync.run --persons 2000,20000,200000

The simulators run in this process; each measurement runs in a child process so that its peak
RSS is the sync's own. World generation is outside every timed section. Results: a table on
stdout, JSON + Markdown under bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"


# -- child: one measurement ------------------------------------------------------------------------


async def _raw(manifest: dict[str, Any], work: Path) -> dict[str, Any]:
    """Walk every source's full feed: HTTP, body decoding and paging only."""
    from config import SourceSettings
    from connectors.registry import open_connector

    rows = 0
    started = time.perf_counter()

    async def one(name: str, entry: dict[str, Any]) -> int:
        connector = open_connector(name, SourceSettings(**entry), work_dir=work / name)
        count = 0
        try:
            for stream in connector.streams:
                async for page in connector.walk(stream, None, None):
                    count += len(page.rows)
        finally:
            await connector.client.aclose()
        return count

    counts = await asyncio.gather(*(one(n, e) for n, e in manifest.items()))
    rows = sum(counts)
    return {"rows": rows, "seconds": time.perf_counter() - started}


class NullSink:
    """Accepts everything and keeps nothing: isolates the connectors' own memory."""

    def upsert(self, records: Any) -> Any:
        from indexer.backends.base import BulkResult

        return BulkResult(indexed=len(records))

    def delete(self, ids: Any) -> Any:
        from indexer.backends.base import BulkResult

        return BulkResult(deleted=0)

    def ids(self, source: Any) -> list[str]:
        return []


async def _sync(manifest: dict[str, Any], work: Path, *, null: bool = False) -> dict[str, Any]:
    from prometheus_client import CollectorRegistry

    from config import SearchSettings, SourceSettings, SyncSettings
    from connectors.engine import run_sync
    from connectors.metrics import SyncMetrics
    from indexer import open_backend

    backend: Any = NullSink() if null else open_backend(SearchSettings(path=work / "index.db"))
    sources = {n: SourceSettings(**e) for n, e in manifest.items()}
    started = time.perf_counter()
    try:
        report = await run_sync(
            sources,
            backend,
            work / "sync.db",
            SyncSettings(state_path=work / "sync.db"),
            full=True,
            metrics=SyncMetrics(CollectorRegistry()),
        )
    finally:
        if not null:
            backend.close()
    seconds = time.perf_counter() - started
    failed = {n: r.error for n, r in report.sources.items() if r.status != "ok"}
    return {
        "rows": sum(r.fetched for r in report.sources.values()),
        "indexed": sum(r.indexed + r.updated for r in report.sources.values()),
        "quarantined": sum(r.quarantined for r in report.sources.values()),
        "seconds": seconds,
        "write_s": sum(r.write_s for r in report.sources.values()),
        "failed": failed,
    }


def child(mode: str, manifest_path: Path, work: Path) -> None:
    manifest = json.loads(manifest_path.read_text())
    if mode in ("mem", "memnull"):
        # Python allocations of the sync alone (the index's SQLite page cache is C memory and
        # bounded by its cache_size): the figure that shows streaming, not whole-source lists.
        tracemalloc.start()
        result = asyncio.run(_sync(manifest, work, null=mode == "memnull"))
        result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    else:
        result = asyncio.run(_raw(manifest, work) if mode == "raw" else _sync(manifest, work))
    # ru_maxrss is in KiB on Linux
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


# -- parent: worlds of growing size ----------------------------------------------------------------


def measure(mode: str, manifest: Path, work: Path) -> dict[str, Any]:
    work.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.sync.run",
            "--child",
            mode,
            "--manifest",
            str(manifest),
            "--work",
            str(work),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", default="300,1500", help="comma-separated world sizes")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--faults", default="none", choices=("none", "default", "harsh"))
    parser.add_argument("--cache", type=Path, default=None, help="where generated worlds live")
    parser.add_argument(
        "--child", choices=("raw", "sync", "mem", "memnull"), help=argparse.SUPPRESS
    )
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args()
    if args.child:
        from config.runtime import tune_gc

        tune_gc()  # as `icjs sync` runs
        child(args.child, args.manifest, args.work)
        return 0

    from simulators.harness import default_cache_dir, start_simulators

    sizes = [int(x) for x in args.persons.split(",") if x.strip()]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="icjs-bench-sync-") as tmp:
        for persons in sizes:
            sims = start_simulators(
                seed=args.seed,
                persons=persons,
                faults=args.faults,
                data_dir=args.cache or default_cache_dir(),
            )
            try:
                manifest = Path(tmp) / f"manifest-{persons}.json"
                manifest.write_text(json.dumps(sims.manifest))
                raw = measure("raw", manifest, Path(tmp) / f"raw-{persons}")
                synced = measure("sync", manifest, Path(tmp) / f"sync-{persons}")
                memory = measure("mem", manifest, Path(tmp) / f"mem-{persons}")
                alone = measure("memnull", manifest, Path(tmp) / f"memnull-{persons}")
            finally:
                sims.stop()
            row = {
                "persons": persons,
                "rows": synced["rows"],
                "raw_per_s": raw["rows"] / raw["seconds"],
                "sync_per_s": synced["rows"] / synced["seconds"],
                "ratio": (synced["rows"] / synced["seconds"]) / (raw["rows"] / raw["seconds"]),
                "sync_s": synced["seconds"],
                "raw_peak_mb": raw["peak_rss_mb"],
                "traced_peak_mb": memory["traced_peak_mb"],
                "connectors_peak_mb": alone["traced_peak_mb"],
                "sync_peak_mb": synced["peak_rss_mb"],
                "quarantined": synced["quarantined"],
                "failed": synced["failed"],
            }
            rows.append(row)
            print(
                f"{persons:>9,} people  {row['rows']:>9,} rows  raw {row['raw_per_s']:>8,.0f}/s  "
                f"sync {row['sync_per_s']:>7,.0f}/s  ratio {row['ratio']:.2f}  "
                f"peak RSS {row['sync_peak_mb']:.0f} MB (raw walk {row['raw_peak_mb']:.0f} MB), "
                f"Python peak {row['traced_peak_mb']:.1f} MB "
                f"(connectors alone {row['connectors_peak_mb']:.1f} MB)",
                flush=True,
            )
    write_results(rows, args.faults)
    return 0 if all(not r["failed"] for r in rows) else 1


def write_results(rows: list[dict[str, Any]], faults: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"sync-{stamp}.json").write_text(
        json.dumps({"faults": faults, "cpus": os.cpu_count(), "rows": rows}, indent=2)
    )
    lines = [
        f"# Sync benchmark ({stamp}, {os.cpu_count()} CPUs, faults {faults})",
        "",
        "Full sync of all eight simulated sources into the embedded index, against walking the "
        "same pages without mapping or indexing. Peak RSS is the syncing process's own.",
        "",
        "| people | rows | raw rows/s | sync rows/s | ratio | sync s | peak RSS MB | raw walk MB "
        "| Python peak MB | connectors alone MB |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['persons']:,} | {r['rows']:,} | {r['raw_per_s']:,.0f} | {r['sync_per_s']:,.0f} "
            f"| {r['ratio']:.2f} | {r['sync_s']:.1f} | {r['sync_peak_mb']:.0f} "
            f"| {r['raw_peak_mb']:.0f} | {r['traced_peak_mb']:.1f} "
            f"| {r['connectors_peak_mb']:.1f} |"
        )
    (RESULTS / "sync.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())

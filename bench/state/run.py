"""State writes: an audit append and a sync page commit, on SQLite and on PostgreSQL.

    python -m bench.state.run [--appends 2000] [--pages 300] [--threads 8]

- audit append: one entry (a person search's shape), one thread, median and mean of `--appends`;
  then `--threads` threads appending at once (what API workers do), appends per second;
- sync page: the `versions` look-up and `commit_page` of 200 new records, median and mean of
  `--pages`.

SQLite runs on a temporary file. PostgreSQL runs when `ICJS_TEST_POSTGRES_URL` names a server
(`python scripts/postgres_server.py run -- python -m bench.state.run`; that server runs without
fsync, so its figures are the engine's and the network round trips', not a disk's).
Results: bench/results/state.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from state import Database
from state.audit import AuditEvent, AuditLog
from state.sync import StateStore

RESULTS = Path(__file__).resolve().parents[1] / "results" / "state.md"
EVENT = AuditEvent(
    route="/v1/persons/search",
    method="POST",
    status=200,
    decision="allow",
    actor="officer-MH-0001",
    role="officer",
    actor_state="MH",
    actor_district="PUNE",
    query={"name": "RAJENDRA PATIL", "birth_year": 1975, "purpose": "FIR 12/2026"},
    purpose="FIR 12/2026",
    record_ids=[f"cctns:MH-PS0412-2024-{i:04d}-A1" for i in range(10)],
    latency_ms=41.7,
    request_id="bench",
)


def audit_serial(db: Database, n: int) -> tuple[float, float]:
    log = AuditLog(db)
    for _ in range(50):
        log.append(EVENT)
    times = []
    for _ in range(n):
        started = time.perf_counter()
        log.append(EVENT)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3, statistics.mean(times) * 1e3


def audit_parallel(db: Database, threads: int, per_thread: int) -> float:
    log = AuditLog(db)

    def work() -> None:
        for _ in range(per_thread):
            log.append(EVENT)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    assert log.verify().ok
    return threads * per_thread / elapsed


def sync_pages(db: Database, pages: int) -> tuple[float, float]:
    times = []
    with StateStore(db) as state:
        k = 0
        for p in range(pages):
            written = [(f"cctns:R{k + i}", 1_700_000_000_000_000 + k + i) for i in range(200)]
            k += 200
            started = time.perf_counter()
            state.versions([r for r, _ in written])
            state.commit_page(
                "cctns",
                "persons",
                watermark=datetime.now(UTC),
                walk={"page": p},
                success=False,
                written=written,
            )
            times.append(time.perf_counter() - started)
    return statistics.median(times) * 1e3, statistics.mean(times) * 1e3


def databases() -> list[tuple[str, Database]]:
    out = [("sqlite", Database.sqlite(Path(tempfile.mkdtemp()) / "state.db"))]
    url = os.environ.get("ICJS_TEST_POSTGRES_URL")
    if url:
        import psycopg

        name = f"icjs_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        out.append(("postgresql", Database.from_url(url.rsplit("/", 1)[0] + "/" + name)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--pages", type=int, default=300)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    lines = [
        "| engine | audit append p50 | mean | appends/s, "
        f"{args.threads} threads | sync page (200 records) p50 | mean |",
        "|---|---|---|---|---|---|",
    ]
    for name, db in databases():
        p50, mean = audit_serial(db, args.appends)
        rate = audit_parallel(db, args.threads, max(1, args.appends // args.threads))
        sync_p50, sync_mean = sync_pages(db, args.pages)
        lines.append(
            f"| {name} | {p50:.3f} ms | {mean:.3f} ms | {rate:,.0f} | "
            f"{sync_p50:.2f} ms | {sync_mean:.2f} ms |"
        )
        db.close()
    table = "\n".join(lines)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(table + "\n")


if __name__ == "__main__":
    main()

"""Backend benchmark: ingest rate next to the engine's raw bulk load of the same documents,
candidate retrieval latency (p50/p95/p99), index size per million records, and how latency grows.

    .venv/bin/python -m bench.backends.run --records 100000
    .venv/bin/python -m bench.backends.run --records 100000,1000000 --backends embedded
    ICJS_TEST_OPENSEARCH_URL=http://127.0.0.1:9201 .venv/bin/python -m bench.backends.run

OpenSearch runs when `ICJS_TEST_OPENSEARCH_URL` is set (`make bench` starts a node), Elasticsearch
when `ICJS_TEST_ELASTICSEARCH_URL` is. Results: a table on stdout, and JSON + Markdown under
bench/results/. Records are synthetic (bench/backends/synthetic.py), generated outside the timed
sections; timings are wall-clock on whatever the machine is also doing, so compare rows of one
run rather than runs on different days.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.backends.synthetic import batches, misspell
from bench.engines import search_settings
from config.runtime import tune_gc
from indexer import open_backend
from indexer.backends import queries as q
from indexer.backends import sqlite_sql
from indexer.backends.base import Backend, CandidateQuery, Filters, IdentifierTerm, LabelRule
from indexer.backends.elastic import ElasticBackend
from indexer.documents import IndexDocument, to_document
from indexer.links import cluster_label
from matching.api import name_keys, name_text
from records import IdType, Kind, Record, Sensitivity
from sqlitewal import use_wal

RESULTS = Path(__file__).resolve().parents[1] / "results"
QUERY_LIMIT = 300  # what federation asks for (api.max_candidates default)


@dataclass
class Row:
    backend: str
    records: int
    ingest_per_s: float
    raw_per_s: float
    ratio: float
    document_us: float  # building one IndexDocument (match keys, trigrams): part of ingest
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_candidates: float
    bytes_per_million: int
    extra: dict[str, Any] = field(default_factory=dict)


def _queries(samples: list[Record], count: int, seed: int) -> list[CandidateQuery]:
    """Person names with one spelling change under an officer's policy filter (70%), exact
    registrations (20%), chassis endings (10%)."""
    rng = random.Random(seed)
    people = [r for r in samples if r.subjects() and r.subjects()[0].name]
    plates = [r for r in samples if r.vehicle and r.vehicle.registration_no]
    vins = [r for r in samples if r.kind is Kind.VEHICLE_REGISTRATION]
    out: list[CandidateQuery] = []
    for i in range(count):
        roll = i % 10
        if roll < 7:
            record = rng.choice(people)
            name = misspell(record.subjects()[0].name or "", rng)
            state = record.state or "MH"
            policy = Filters(
                hidden=(
                    LabelRule(Sensitivity.SEXUAL_OFFENCE, frozenset({state})),
                    LabelRule(Sensitivity.CHILD),
                )
            )
            out.append(
                CandidateQuery(
                    name_keys=name_keys(name),
                    name_text=name_text(name),
                    filters=policy,
                    limit=QUERY_LIMIT,
                )
            )
        elif roll < 9:
            plate = rng.choice(plates).vehicle.registration_no or ""  # type: ignore[union-attr]
            out.append(
                CandidateQuery(
                    identifiers=(IdentifierTerm(IdType.REGISTRATION, plate),), limit=QUERY_LIMIT
                )
            )
        else:
            chassis = rng.choice(vins).vehicle.chassis_no or ""  # type: ignore[union-attr]
            out.append(
                CandidateQuery(
                    identifiers=(IdentifierTerm(IdType.CHASSIS, chassis[-6:], suffix=True),),
                    limit=QUERY_LIMIT,
                )
            )
    return out


def _percentile(sorted_ms: list[float], p: float) -> float:
    k = max(0, min(len(sorted_ms) - 1, round(p / 100 * (len(sorted_ms) - 1))))
    return sorted_ms[k]


def raw_sqlite_load(path: Path, docs_batches: list[list[IndexDocument]]) -> float:
    """SQLite's own bulk load of the same rows into the same tables: plain inserts, one
    transaction per batch, no version guard, no links. Returns seconds."""
    con = sqlite3.connect(path, isolation_level=None)
    use_wal(con)
    con.execute("PRAGMA synchronous=NORMAL")
    for statement in sqlite_sql.version_ddl(1):
        con.execute(statement)
    rid = 0
    elapsed = 0.0
    for docs in docs_batches:
        rows: list[Any] = []
        keys: list[Any] = []
        names: list[Any] = []
        ids: list[Any] = []
        lkeys: list[Any] = []
        for doc in docs:
            rid += 1
            rows.append(
                (
                    rid,
                    doc.record_id,
                    doc.source,
                    doc.kind,
                    doc.state,
                    "," + ",".join(doc.labels) + ",",
                    doc.version,
                    cluster_label([doc.record_id]),
                    doc.record_json,
                )
            )
            keys.extend((k, rid) for k in doc.all_keys)
            names.append((rid, " ".join(doc.name_words)))
            ids.extend(
                (i.type.value, i.value, i.value[::-1], int(i.partial), rid) for i in doc.identifiers
            )
            lkeys.extend((k, rid) for k in doc.link_keys)
        started = time.perf_counter()
        con.execute("BEGIN")
        con.executemany("INSERT INTO records_v1 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        con.executemany("INSERT OR IGNORE INTO keys_v1 VALUES (?, ?)", keys)
        con.executemany("INSERT INTO names_v1 (rowid, text) VALUES (?, ?)", names)
        con.executemany("INSERT INTO ids_v1 VALUES (?, ?, ?, ?, ?)", ids)
        con.executemany("INSERT OR IGNORE INTO lkeys_v1 VALUES (?, ?)", lkeys)
        con.execute("COMMIT")
        elapsed += time.perf_counter() - started
    con.close()
    return elapsed


def raw_cluster_load(backend: ElasticBackend, docs_batches: list[list[IndexDocument]]) -> float:
    """The engine's own `_bulk` of the same document bodies into a scratch index with the same
    mapping: index ops, no version guard, no links, one refresh at the end. Returns seconds."""
    engine = backend.index.engine
    index = f"{backend.index.prefix}-raw"
    engine.admin.create_index(index, q.index_body(1, 0, refresh_interval="-1"))
    elapsed = 0.0
    try:
        for docs in docs_batches:
            ops: list[dict[str, Any]] = []
            for doc in docs:
                ops.append({"index": {"_index": index, "_id": doc.record_id}})
                ops.append(q.document_body(doc, profile_id=cluster_label([doc.record_id])))
            started = time.perf_counter()
            for start in range(0, len(ops), 1000):
                result = engine.docs.bulk(ops[start : start + 1000])
                assert not result.get("errors"), "raw bulk load failed"
            elapsed += time.perf_counter() - started
        started = time.perf_counter()
        engine.admin.refresh(index)
        elapsed += time.perf_counter() - started
    finally:
        engine.admin.delete_index(index)
    return elapsed


def run_one(engine: str, total: int, queries: int, seed: int, workdir: Path) -> Row:
    backend: Backend = open_backend(search_settings(engine, workdir / "bench.db", "bench"))
    batch_size = 1000 if engine == "embedded" else 500
    samples: list[Record] = []
    ingest_s = doc_s = 0.0
    raw_batches: list[list[IndexDocument]] = []
    raw_s = 0.0
    raw_cap = 200_000  # docs kept in memory for the raw comparison (a sample at 1M)
    kept = 0
    try:
        for batch in batches(total, batch_size, seed):
            started = time.perf_counter()
            result = backend.upsert(batch)
            ingest_s += time.perf_counter() - started
            if result.failed:
                raise RuntimeError(f"{engine}: {len(result.failed)} failed: {result.failed[0]}")
            samples.extend(batch[:: max(1, total // 5000)])
            if kept < raw_cap:
                started = time.perf_counter()
                raw_batches.append([to_document(r) for r in batch])
                doc_s += time.perf_counter() - started
                kept += len(batch)
        started = time.perf_counter()
        backend.flush()
        ingest_s += time.perf_counter() - started
        if engine == "embedded":
            raw_path = workdir / "raw.db"
            raw_s = raw_sqlite_load(raw_path, raw_batches)
            raw_path.unlink()
        else:
            assert isinstance(backend, ElasticBackend)
            raw_s = raw_cluster_load(backend, raw_batches)
        del raw_batches
        raw_rate = kept / raw_s if raw_s else float("nan")
        ingest_rate = total / ingest_s

        plan = _queries(samples, queries, seed)
        for query in plan[:20]:  # warm caches
            backend.candidates(query)
        timings: list[float] = []
        found: list[int] = []
        for query in plan:
            started = time.perf_counter()
            got = backend.candidates(query)
            timings.append((time.perf_counter() - started) * 1000)
            found.append(len(got))
        timings.sort()
        size = backend.disk_bytes()
        return Row(
            backend=engine,
            records=total,
            ingest_per_s=round(ingest_rate, 1),
            raw_per_s=round(raw_rate, 1),
            ratio=round(ingest_rate / raw_rate, 3),
            document_us=round(doc_s / kept * 1e6, 1),
            p50_ms=round(_percentile(timings, 50), 2),
            p95_ms=round(_percentile(timings, 95), 2),
            p99_ms=round(_percentile(timings, 99), 2),
            mean_candidates=round(statistics.fmean(found), 1),
            bytes_per_million=int(size / total * 1_000_000),
            extra={"queries": len(plan), "raw_sample": kept},
        )
    finally:
        if isinstance(backend, ElasticBackend):
            backend.index.drop_all()
        backend.close()


def table(rows: list[Row]) -> str:
    head = (
        "| backend | records | ingest rec/s | engine raw rec/s | ratio | doc build µs "
        "| p50 ms | p95 ms | p99 ms | candidates | size / 1M records |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        lines.append(
            f"| {r.backend} | {r.records:,} | {r.ingest_per_s:,.0f} | {r.raw_per_s:,.0f} "
            f"| {r.ratio:.2f} | {r.document_us:,.0f} | {r.p50_ms} | {r.p95_ms} | {r.p99_ms} "
            f"| {r.mean_candidates} | {r.bytes_per_million / 1e9:.2f} GB |"
        )
    growth = []
    for engine in sorted({r.backend for r in rows}):
        mine = sorted((r for r in rows if r.backend == engine), key=lambda r: r.records)
        for small, big in itertools.pairwise(mine):
            growth.append(
                f"{engine}: {small.records:,} → {big.records:,} records "
                f"(×{big.records / small.records:.0f}): p50 ×{big.p50_ms / small.p50_ms:.2f}, "
                f"p99 ×{big.p99_ms / small.p99_ms:.2f}"
            )
    return "\n".join(lines + (["", *growth] if growth else []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", default="100000", help="comma-separated sizes")
    parser.add_argument("--backends", default=None, help="embedded,opensearch,elasticsearch")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    args, _ = parser.parse_known_args(argv)  # `make bench` passes every benchmark's options
    tune_gc()  # ingest and retrieval as an `icjs sync` / `icjs serve` process runs them
    sizes = [int(x.replace("_", "")) for x in args.records.split(",")]
    engines = (
        (args.backends or "").split(",")
        if args.backends
        else ["embedded"]
        + [
            e
            for e in ("opensearch", "elasticsearch")
            if os.environ.get(f"ICJS_TEST_{e.upper()}_URL")
        ]
    )
    rows: list[Row] = []
    for total in sizes:
        for engine in engines:
            workdir = Path(tempfile.mkdtemp(prefix="icjs-bench-"))
            try:
                print(
                    f"[bench backends] {engine} × {total:,} records …", file=sys.stderr, flush=True
                )
                rows.append(run_one(engine, total, args.queries, args.seed, workdir))
                print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
            finally:
                shutil.rmtree(workdir, ignore_errors=True)
    text = table(rows)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"backends-{stamp}.json").write_text(
        json.dumps([asdict(r) for r in rows], indent=2) + "\n"
    )
    (RESULTS / "backends.md").write_text(
        f"# Backend benchmark ({stamp}, {os.cpu_count()} CPUs)\n\n{text}\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

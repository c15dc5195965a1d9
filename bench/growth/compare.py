"""Does a full sync's bulk load build the same index as an incremental one? The demo world
synced twice, once with `full=True` (the backend's bulk load: name keys staged and built in key
order, readers switched at the end) and once without (every batch written into the current
version as it comes), then the same person searches asked of both through the code the API
runs: the ten profiles returned, their records and confidences, must be the same.

    .venv/bin/python -m bench.growth.compare --persons 4000 --queries 300

Also compares the stored rows themselves (records with their labels and profile ids, name
keys, identifiers, link keys, links, trigram rows), less the time each record was fetched.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sqlite3
import sys
import tempfile
from pathlib import Path
from typing import Any

SEED = 7  # bench.names.scale's world, so its queries apply


async def _sync(manifest: dict[str, Any], work: Path, full: bool) -> Path:
    from prometheus_client import CollectorRegistry

    from config import SourceSettings, SyncSettings
    from connectors.engine import run_sync
    from connectors.metrics import SyncMetrics
    from indexer.backends.embedded import EmbeddedBackend

    path = work / f"index-{'full' if full else 'incremental'}.db"
    backend = EmbeddedBackend(path)
    state = work / f"sync-{full}.db"
    try:
        report = await run_sync(
            {n: SourceSettings(**e) for n, e in manifest.items()},
            backend,
            state,
            SyncSettings(state_path=state),
            full=full,
            metrics=SyncMetrics(CollectorRegistry()),
        )
    finally:
        backend.close()
    failed = {n: r.error for n, r in report.sources.items() if r.status != "ok"}
    if failed:
        raise SystemExit(f"sync failed: {failed}")
    return path


def stored_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every table of the current version, by record id rather than rid (rids are allocated
    in write order), without the records' fetch times."""
    con = sqlite3.connect(path)
    v = int(con.execute("SELECT value FROM meta WHERE name = 'current'").fetchone()[0])
    rid = f"(SELECT record_id FROM records_v{v} r WHERE r.rid = t.rid)"
    out: dict[str, list[tuple[Any, ...]]] = {}
    records = []
    for row in con.execute(
        f"SELECT record_id, source, kind, state, labels, version, profile_id, json "
        f"FROM records_v{v}"
    ):
        body = json.loads(row[-1])
        body.get("provenance", {}).pop("fetched_at", None)
        records.append((*row[:-1], json.dumps(body, sort_keys=True)))
    out["records"] = sorted(records)
    out["keys"] = sorted(con.execute(f"SELECT key, {rid} FROM keys_v{v} t"))
    out["ids"] = sorted(con.execute(f"SELECT type, value, rev, partial, {rid} FROM ids_v{v} t"))
    out["lkeys"] = sorted(con.execute(f"SELECT key, {rid} FROM lkeys_v{v} t"))
    out["links"] = sorted(con.execute(f"SELECT a, b, reason, key FROM links_v{v}"))
    out["names"] = sorted(
        con.execute(
            f"SELECT (SELECT record_id FROM records_v{v} r WHERE r.rid = t.rowid), "
            f"text FROM names_v{v} t"
        )
    )
    con.close()
    return out


def top10(path: Path, plan: list[Any]) -> list[list[tuple[str, float, tuple[str, ...]]]]:
    from auth.policy import Policy
    from bench.names.run import bench_caller
    from bench.names.scale import TODAY
    from bench.service import person_search_service
    from federation.profile_ids import KEY_BYTES, ProfileIds
    from indexer.backends.embedded import EmbeddedBackend

    backend = EmbeddedBackend(path)
    policy = Policy.load()
    # one profile-id key for both indexes, so that the ids shown compare
    ids = ProfileIds([b"\x07" * KEY_BYTES])
    service = person_search_service(
        backend, policy, ids=ids, max_candidates=300, today=lambda: TODAY
    )
    caller = bench_caller(policy)
    answers = []
    for search, *_ in plan:
        outcome = service.search(caller, search)
        answers.append(
            [
                (
                    p.profile_id,
                    round(p.confidence, 9),
                    tuple(sorted(r.record_id for r in p.records)),
                )
                for p in outcome.profiles[:10]
            ]
        )
    backend.close()
    return answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=4000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument(
        "--control",
        action="store_true",
        help="compare two incremental syncs instead (what differs between any two runs)",
    )
    args = parser.parse_args()
    from bench.names.scale import World, queries
    from simulators.harness import default_cache_dir, start_simulators
    from simulators.truth import GroundTruth
    from simulators.world.generate import open_world, world_file

    cache = default_cache_dir().resolve()
    Path("var").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="icjs-bench-compare-", dir="var") as tmp:
        work = Path(tmp)
        paths = {}
        for first in (True, False):
            run = work / ("a" if first else "b")
            run.mkdir()
            with start_simulators(
                seed=SEED, persons=args.persons, faults="none", data_dir=cache
            ) as sims:
                paths[first] = asyncio.run(_sync(sims.manifest, run, first and not args.control))
        rows = {full: stored_rows(p) for full, p in paths.items()}
        differ = [t for t in rows[True] if rows[True][t] != rows[False][t]]
        store = open_world(world_file(cache, SEED, args.persons, 0.0), SEED, args.persons, 0.0)
        plan = queries(args.persons, args.queries, GroundTruth(store), World(args.persons))
        store.close()
        answers = {full: top10(p, plan) for full, p in paths.items()}
    pairs = list(zip(answers[True], answers[False], strict=True))
    same = sum(a == b for a, b in pairs)
    # profiles of equal confidence come in the order their records were written (rids), which
    # differs between any two syncs (the sources are written concurrently)
    same_ties = sum(sorted(a) == sorted(b) for a, b in pairs)
    same_sets = sum({p[0] for p in a} == {p[0] for p in b} for a, b in pairs)
    for (search, *_), (a, b) in zip(plan, pairs, strict=True):
        if sorted(a) != sorted(b):
            print(f"differs: {search}")
            for x, y in zip(a, b, strict=False):
                print(f"  {x[0][:12]} {x[1]} {len(x[2])}   {y[0][:12]} {y[1]} {len(y[2])}")
            break
    counts = {t: len(r) for t, r in rows[True].items()}
    print(f"{args.persons:,} people; rows per table (bulk load): {counts}")
    print(f"tables that differ between bulk and incremental: {differ or 'none'}")
    print(f"searches with the same ten profiles (ids, confidences, records): {same} / {len(plan)}")
    print(f"the same, ties in any order: {same_ties} / {len(plan)}")
    print(f"the same profile ids: {same_sets} / {len(plan)}")
    return 0 if not differ and same_ties == len(plan) else 1


if __name__ == "__main__":
    sys.exit(main())

"""Arrival order: the same records, indexed in different orders, must give the same answers.

    .venv/bin/python -m bench.linkage.orders                    # simulated world, seed 23, 1,500
    .venv/bin/python -m bench.linkage.orders --persons 5000 --shuffles 3 --searches 300
    .venv/bin/python -m bench.linkage.orders --engines embedded,opensearch  # node URL set

A deployment's index receives a world's records in whatever order its eight sources' pages
arrive (they interleave by network timing), and a re-sync or a second deployment receives them
in another. Police act on a profile: the order must not decide it. This harness takes one world's
records (a full sync of the simulators into a scratch index, read back), indexes them into fresh
indexes in several orders (`arrivals`: the sources one after another, in turn reversed, and
seeded shuffles of the whole set in batches), and compares what each index then answers
(`Snapshot`):

- the index-time links (`indexer.links`), each with its reason and the key that made it;
- the index profiles: which records share a stored profile, and its label;
- the candidates of `--searches` queries (a name one of the world's records writes), in order
  with their retrieval scores and profiles;
- `PersonSearchService.search` of each query: what the API shows of every profile
  (`bench.names.outcomes.shown`).

Prints, per order and engine, how many of each differ from the first order on the first engine
(so two engines are compared with each other as well; candidates, whose retrieval scores are
each engine's own, with the first order on the same engine), with a few examples, and exits 1 if any
differ. Only the final form of each record is indexed (a connector writes a record's versions in
order; here each record arrives once).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from auth.policy import Policy
from bench.engines import search_settings
from bench.linkage.run import supervisor
from bench.names.outcomes import shown
from config import SearchSettings
from federation import PersonSearch, PersonSearchService
from federation.linkage import load_model
from federation.planning import PERSON_KINDS, plan_person
from federation.profile_ids import KEY_BYTES, ProfileIds
from indexer import open_backend
from indexer.backends.base import Backend, Filters
from indexer.backends.elastic import ElasticBackend
from indexer.links import cluster_label
from records import Record

BATCH = 200  # records per write in a shuffled order: a connector's page is of this size
TODAY = date(2026, 6, 30)  # ages in the queries are read on one fixed day
SEALING_KEY = bytes(KEY_BYTES)  # one key for every index: sealed profile ids are comparable


# --- the world -----------------------------------------------------------------------------


def world_records(seed: int, persons: int, work: Path) -> list[Record]:
    """Every record of a simulated world (no faults), as a full sync indexes it, by record id."""
    import asyncio

    from config import SourceSettings, SyncSettings
    from connectors.engine import run_sync
    from simulators.harness import start_simulators

    running = start_simulators(
        seed=seed, persons=persons, faults="none", data_dir=Path("var/worlds")
    )
    backend = open_backend(SearchSettings(backend="embedded", path=work / "world.db"))
    try:
        sources = {n: SourceSettings.model_validate(e) for n, e in running.manifest.items()}
        state = work / "world-sync.db"
        report = asyncio.run(
            run_sync(sources, backend, state, SyncSettings(state_path=state), full=True)
        )
        if not report.ok:
            raise RuntimeError(f"sync failed: {report.sources}")
        return sorted(backend.records(), key=lambda r: r.record_id)
    finally:
        backend.close()
        running.stop()


def arrivals(records: Sequence[Record], shuffles: int, seed: int) -> dict[str, list[list[Record]]]:
    """Named orders of `records`, each a list of batches (one `upsert` each)."""
    by_source: dict[str, list[Record]] = {}
    for record in records:
        by_source.setdefault(record.source.value, []).append(record)
    names = sorted(by_source)

    def paged(sequence: list[Record], size: int = BATCH) -> list[list[Record]]:
        return [sequence[i : i + size] for i in range(0, len(sequence), size)]

    out = {
        "sources in turn": [b for n in names for b in paged(by_source[n])],
        "sources in turn, reversed": [b for n in names[::-1] for b in paged(by_source[n][::-1])],
    }
    rng = random.Random(seed)
    for n in range(shuffles):
        shuffled = list(records)
        rng.shuffle(shuffled)
        out[f"shuffled {n + 1}"] = paged(shuffled)
    out["one record a write, reversed"] = paged(list(records)[::-1], 1)
    return out


def planned_searches(records: Sequence[Record], count: int, seed: int) -> list[PersonSearch]:
    """Names as the world's person records write them, drawn at random; ten profiles each."""
    written = sorted(
        {
            (p.name or p.names[0])
            for r in records
            if r.kind in PERSON_KINDS
            for p in r.subjects()
            if p.names
        }
    )
    rng = random.Random(seed)
    return [PersonSearch(name=n, limit=10) for n in rng.sample(written, min(count, len(written)))]


# --- what an index answers ----------------------------------------------------------------


@dataclass
class Snapshot:
    """What one index answers, in a form two indexes' answers compare in."""

    links: set[tuple[str, str, str, str]] = field(default_factory=set)
    profiles: dict[str, str] = field(default_factory=dict)  # record id → label of its profile
    candidates: list[list[tuple[str, float, str | None]]] = field(default_factory=list)
    outcomes: list[Any] = field(default_factory=list)


def snapshot(backend: Backend, records: Sequence[Record], searches: list[PersonSearch]) -> Snapshot:
    ids = [r.record_id for r in records]
    out = Snapshot()
    for start in range(0, len(ids), 2000):
        out.links.update(
            (x.a, x.b, x.reason, x.key) for x in backend.links(ids[start : start + 2000])
        )
    # a profile's label is that of its smallest member (`indexer.links.cluster_label`): asking
    # for every record's own label finds every profile
    label_of = {cluster_label([i]): i for i in ids}
    labels = sorted(label_of)
    for start in range(0, len(labels), 2000):
        for label, members in backend.profiles(labels[start : start + 2000]).items():
            for member in members:
                out.profiles[member.record_id] = label
    policy = Policy.load()
    caller = supervisor()
    service = PersonSearchService(
        backend, policy, ids=ProfileIds([SEALING_KEY]), model=load_model(None), today=lambda: TODAY
    )
    for search in searches:
        plan = plan_person(search, Filters(), max_candidates=300, today=TODAY)
        out.candidates.append(
            [
                (c.record.record_id, round(c.retrieval_score, 6), c.profile_id)
                for c in backend.candidates(plan.candidates)
            ]
        )
        outcome = service.search(caller, search)
        out.outcomes.append([shown(p) for p in outcome.profiles])
    return out


@dataclass
class Differences:
    links: list[tuple[str, str, str, str]]  # in one index and not the other
    profiles: list[str]  # records whose profile's members or label differ
    candidates: list[int]  # queries whose candidates differ
    outcomes: list[int]  # queries whose shown profiles differ

    def counts(self) -> dict[str, int]:
        return {
            "links": len(self.links),
            "profiles": len(self.profiles),
            "candidates": len(self.candidates),
            "outcomes": len(self.outcomes),
        }


def _unequal(a: Sequence[Any], b: Sequence[Any]) -> list[int]:
    return [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]


def differences(a: Snapshot, b: Snapshot) -> Differences:
    def members(s: Snapshot) -> dict[str, tuple[str, frozenset[str]]]:
        groups: dict[str, set[str]] = {}
        for record_id, label in s.profiles.items():
            groups.setdefault(label, set()).add(record_id)
        return {r: (label, frozenset(groups[label])) for r, label in s.profiles.items()}

    ma, mb = members(a), members(b)
    return Differences(
        links=sorted(a.links ^ b.links),
        profiles=sorted(r for r in ma.keys() | mb.keys() if ma.get(r) != mb.get(r)),
        candidates=_unequal(a.candidates, b.candidates),
        outcomes=_unequal(a.outcomes, b.outcomes),
    )


# --- indexes ---------------------------------------------------------------------------------


@contextmanager
def fresh_index(engine: str, work: Path) -> Iterator[Backend]:
    backend = open_backend(search_settings(engine, work / f"{uuid.uuid4().hex[:8]}.db", "orders"))
    try:
        yield backend
    finally:
        if isinstance(backend, ElasticBackend):
            backend.index.drop_all()
        backend.close()


def indexed_snapshot(
    engine: str,
    batches: list[list[Record]],
    records: Sequence[Record],
    searches: list[PersonSearch],
    work: Path,
) -> Snapshot:
    with fresh_index(engine, work) as backend:
        for batch in batches:
            result = backend.upsert(batch)
            if result.failed:
                raise RuntimeError(f"{engine}: {result.failed[:3]}")
        backend.flush()
        return snapshot(backend, records, searches)


def compare_orders(
    engines: Sequence[str],
    records: Sequence[Record],
    orders: dict[str, list[list[Record]]],
    searches: list[PersonSearch],
    work: Path,
    log: Any = None,
) -> dict[tuple[str, str], Differences]:
    """Differences of every (engine, order) from the first order on the first engine; the
    candidates (whose retrieval scores are the engine's own) from the first order on the same
    engine."""
    first: Snapshot | None = None
    out: dict[tuple[str, str], Differences] = {}
    for engine in engines:
        engine_first: Snapshot | None = None
        for name, batches in orders.items():
            taken = indexed_snapshot(engine, batches, records, searches, work)
            first = first or taken
            engine_first = engine_first or taken
            found = differences(first, taken)
            found.candidates = _unequal(engine_first.candidates, taken.candidates)
            out[(engine, name)] = found
            if log is not None:
                log(engine, name, found)
    return out


def _log(engine: str, name: str, found: Differences) -> None:
    counts = ", ".join(f"{k} {v}" for k, v in found.counts().items())
    print(f"{engine:>10} | {name:<28} | {counts}", flush=True)
    for link in found.links[:3]:
        print(f"{'':>13}link {link}")
    for record_id in found.profiles[:3]:
        print(f"{'':>13}profile of {record_id}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=23)
    parser.add_argument("--shuffles", type=int, default=2)
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument("--engines", default=None, help="embedded,opensearch")
    args = parser.parse_args(argv)
    engines = (
        args.engines.split(",")
        if args.engines
        else ["embedded"] + (["opensearch"] if os.environ.get("ICJS_TEST_OPENSEARCH_URL") else [])
    )
    with tempfile.TemporaryDirectory(prefix="icjs-orders-") as tmp:
        work = Path(tmp)
        records = world_records(args.seed, args.persons, work)
        orders = arrivals(records, args.shuffles, args.seed)
        searches = planned_searches(records, args.searches, args.seed)
        print(
            f"world seed {args.seed}, {args.persons:,} persons: {len(records):,} records, "
            f"{len(searches)} searches; differences from {engines[0]} / {next(iter(orders))}"
        )
        found = compare_orders(engines, records, orders, searches, work, _log)
    return 1 if any(any(d.counts().values()) for d in found.values()) else 0


if __name__ == "__main__":
    sys.exit(main())

"""Network benchmark: a 3-hop neighbourhood's latency on a graph of a million records.

    .venv/bin/python -m bench.network.run                       # 1,000,000 records, seed 19
    .venv/bin/python -m bench.network.run --records 200000 --queries 300

The world generator (`simulators.world`) makes about a thousand records a second on this
machine's shared cores, so a million-record world would take most of an hour: the records are
generated here instead, directly as canonical `Record`s, with the shapes the graph cares about,
and go through the product's own path (`network.extract.edges_of` → `GraphStore.bulk_load` →
`learn_caps`), then through incremental pages (`GraphStore.replace`, what the sync's hook does).

What the generated world has, so that the walk meets what a real one would:
- people in households (a shared landline-like phone, one address), some with several FIRs;
- FIRs naming one to six co-accused (a few riots with forty), e-Prisons inmates on them;
- Vahan owners (phone, address, plate), CCTNS theft reports on some plates, Sarathi licences;
- NCRP complaints whose suspects reuse phones, UPI ids and accounts across complaints (rings);
- noise on both sides: the placeholder `9999999999` on 0.5% of rows, ten police-station phones
  typed into ~500 rows each, `POLICE LINES` addresses, sexual-offence labels on 5% of
  FIRs (hidden from the benchmark's officer), ten states (contact edges home-only).

Measured: build rate; per query, `Walker.neighbourhood` (SQL reads, the policy on every edge,
suppression) for a random record seed and a random officer state, at the API's default caps
(300 nodes, 600 edges) and at the largest (2,000 / 5,000); the analysis (Louvain, betweenness)
of the default answer; an incremental page of 1,000 records. Not measured here: the API's
profile read that turns a profile id into seeds (a person search, `bench/api`) and the index
read of the answer's records (one `get` of at most `max_nodes` ids).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "results"
STATES = ("MH", "UP", "KA", "TN", "WB", "GJ", "RJ", "MP", "BR", "DL")
T0 = datetime(2024, 5, 1, tzinfo=UTC)


def _phone(rng: random.Random) -> str:
    return "+91" + rng.choice("6789") + "".join(rng.choice("0123456789") for _ in range(9))


class Generator:
    """Seeded records with the sharing structure described in the module docstring."""

    def __init__(self, seed: int, records: int) -> None:
        self.rng = random.Random(seed)
        self.target = records
        people = max(1000, records * 2 // 5)
        rng = self.rng
        households = people // 3
        self.house_phone = [_phone(rng) for _ in range(households)]
        streets = ("MG ROAD", "STATION ROAD", "GANDHI NAGAR", "NEHRU COLONY")
        self.house_address = [
            f"H NO {rng.randint(1, 999)} WARD {i % 97} {rng.choice(streets)} {i}"
            for i in range(households)
        ]
        self.person_house = [rng.randrange(households) for _ in range(people)]
        self.person_phone = [
            self.house_phone[h] if rng.random() < 0.4 else _phone(rng) for h in self.person_house
        ]
        self.person_state = [STATES[h % len(STATES)] for h in self.person_house]
        self.station_phones = [_phone(rng) for _ in range(10)]
        # repeat offenders: a twentieth of the people fill most accused rows (a real FIR
        # register's shape: the same men in many cases, with each other)
        self.criminals = rng.sample(range(people), max(10, people // 20))
        self.ring_ids = [
            (_phone(rng), f"pay{i}@okaxis", str(rng.randrange(10**11, 10**12)))
            for i in range(max(100, records // 200))
        ]
        self.n = 0

    def _phones(self, person: int) -> tuple[str, ...]:
        r = self.rng.random()
        if r < 0.005:
            return ("+919999999999",)
        if r < 0.01:  # a station's phone typed in: ~500 rows each at a million records
            return (self.rng.choice(self.station_phones),)
        return (self.person_phone[person],) if self.rng.random() < 0.8 else ()

    def _address(self, person: int) -> str:
        if self.rng.random() < 0.002:
            return "POLICE LINES CIVIL LINES DISTRICT HQ"
        return self.house_address[self.person_house[person]]

    def records(self) -> Iterator[Any]:
        from records import (
            Identifier,
            IdType,
            Kind,
            Person,
            Provenance,
            Record,
            Sensitivity,
            Source,
            Vehicle,
        )

        rng = self.rng
        people = len(self.person_house)

        def make(source: Source, native: str, kind: Kind, **fields: Any) -> Record:
            self.n += 1
            return Record(
                record_id=f"{source.value}:{native}",
                source=source,
                kind=kind,
                provenance=Provenance(
                    source=source, native_id=native, source_updated_at=T0, fetched_at=T0
                ),
                **fields,
            )

        fir_no = 0
        while self.n < self.target:
            choice = rng.random()
            if choice < 0.40:  # an FIR with its co-accused, some of them in prison
                fir_no += 1
                gang = [
                    rng.choice(self.criminals) if rng.random() < 0.7 else rng.randrange(people)
                    for _ in range(6)
                ]
                state = self.person_state[gang[0]] if rng.random() < 0.8 else rng.choice(STATES)
                fir = (
                    f"{state}/{rng.randint(1, 2500):04d}/{rng.choice((2022, 2023, 2024))}/{fir_no}"
                )
                size = 40 if rng.random() < 0.0005 else rng.choice((1, 1, 2, 2, 3, 4, 6))
                sensitive = rng.random() < 0.05
                labels = frozenset({Sensitivity.SEXUAL_OFFENCE}) if sensitive else frozenset()
                for k in range(size):
                    p = gang[k] if k < len(gang) else rng.randrange(people)
                    yield make(
                        Source.CCTNS,
                        f"{fir_no}-A{k}",
                        Kind.ACCUSED,
                        state=state,
                        district="D1",
                        people=(
                            Person(
                                name=f"ACCUSED {p}",
                                phones=self._phones(p),
                                address=self._address(p),
                            ),
                        ),
                        identifiers=(Identifier(type=IdType.FIR, value=fir),),
                        sensitivity=labels,
                        event_date=date(2024, 1, 1),
                    )
                    if rng.random() < 0.15:
                        yield make(
                            Source.EPRISONS,
                            f"P{fir_no}-{k}",
                            Kind.INMATE,
                            state=state,
                            people=(Person(name=f"ACCUSED {p}"),),
                            identifiers=(Identifier(type=IdType.FIR, value=fir),),
                            sensitivity=labels,
                        )
            elif choice < 0.70:  # a Vahan owner, sometimes with a theft report on the plate
                p = rng.randrange(people)
                plate = f"{self.person_state[p]}{rng.randint(1, 99):02d}AB{self.n % 10000:04d}"
                yield make(
                    Source.VAHAN,
                    f"{plate}#1",
                    Kind.VEHICLE_REGISTRATION,
                    state=self.person_state[p],
                    people=(
                        Person(
                            role="owner",  # type: ignore[arg-type]
                            name=f"OWNER {p}",
                            phones=self._phones(p),
                            address=self._address(p),
                        ),
                    ),
                    vehicle=Vehicle(registration_no=plate),
                    identifiers=(Identifier(type=IdType.REGISTRATION, value=plate),),
                )
                if rng.random() < 0.03:
                    yield make(
                        Source.CCTNS,
                        f"V{self.n}",
                        Kind.VEHICLE_REPORT,
                        state=self.person_state[p],
                        vehicle=Vehicle(registration_no=plate),
                        identifiers=(Identifier(type=IdType.REGISTRATION, value=plate),),
                    )
            elif choice < 0.92:  # a driving licence
                p = rng.randrange(people)
                st = self.person_state[p]
                dl = f"{st}{rng.randint(1, 50):02d}{rng.randint(1990, 2024)}{self.n % 10**7:07d}"
                yield make(
                    Source.SARATHI,
                    dl,
                    Kind.DRIVING_LICENCE,
                    state=st,
                    people=(Person(name=f"HOLDER {p}", address=self._address(p)),),
                    identifiers=(Identifier(type=IdType.DRIVING_LICENCE, value=dl),),
                )
            else:  # a cyber-fraud complaint: a ring's identifiers, or a one-off suspect
                ring = rng.choice(self.ring_ids) if rng.random() < 0.6 else None
                phone, upi, account = ring or (_phone(rng), f"x{self.n}@ybl", str(self.n))
                yield make(
                    Source.NCRP,
                    f"NC{self.n}",
                    Kind.CYBER_COMPLAINT,
                    state=rng.choice(STATES),
                    people=(Person(role="suspect", name=None),),  # type: ignore[arg-type]
                    identifiers=(
                        Identifier(type=IdType.MOBILE, value=phone),
                        Identifier(type=IdType.UPI, value=upi),
                        Identifier(type=IdType.BANK_ACCOUNT, value=account),
                    ),
                )


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _summary(laps: list[float]) -> dict[str, float]:
    ms = [x * 1000 for x in laps]
    return {
        "n": len(ms),
        "p50_ms": round(statistics.median(ms), 2),
        "p95_ms": round(_pct(ms, 0.95), 2),
        "p99_ms": round(_pct(ms, 0.99), 2),
        "max_ms": round(max(ms), 2),
    }


def run(records: int, seed: int, queries: int, workdir: Path) -> dict[str, Any]:
    from auth.policy import Policy
    from auth.principal import Caller, Role
    from network.access import Access
    from network.analysis import analyse
    from network.explore import Walker
    from network.extract import edges_of
    from network.model import record_node
    from network.store import GraphStore
    from network.suppress import Suppressor, learn_caps

    store = GraphStore(workdir / "network.db")
    gen = Generator(seed, records)
    ids: list[str] = []
    seeds_state: dict[str, str | None] = {}
    sample_rng = random.Random(seed + 1)

    def edges() -> Iterator[Any]:
        for record in gen.records():
            if len(ids) < 20_000 or sample_rng.random() < 0.02:
                ids.append(record.record_id)
                seeds_state[record.record_id] = record.state
            yield from edges_of(record)

    t = time.perf_counter()
    written = store.bulk_load(edges())
    build_s = time.perf_counter() - t
    t = time.perf_counter()
    caps = learn_caps(store)
    learn_s = time.perf_counter() - t
    stats = store.stats()
    size = (workdir / "network.db").stat().st_size
    print(f"built {gen.n} records, {written} edges in {build_s:.0f} s; caps {caps.by_kind}")

    policy = Policy.load()
    rng = random.Random(seed + 2)
    results: dict[str, Any] = {}
    for label, max_nodes, max_edges in (("default_caps", 300, 600), ("largest_caps", 2000, 5000)):
        laps: list[float] = []
        analysis: list[float] = []
        sizes: list[int] = []
        truncated = 0
        for _ in range(queries):
            seed_id = rng.choice(ids)
            # mostly an officer of the seed's own state (contact edges visible), else another
            state = seeds_state.get(seed_id) if rng.random() < 0.8 else rng.choice(STATES)
            caller = Caller("bench", Role.OFFICER, frozenset(), state=state)
            seed_node = record_node(seed_id)
            t = time.perf_counter()
            walker = Walker(store, Access(policy, caller), Suppressor(caps))
            sub = walker.neighbourhood([seed_node], 3, max_nodes, max_edges)
            laps.append(time.perf_counter() - t)
            sizes.append(len(sub.hops))
            truncated += bool(sub.truncated)
            if label == "default_caps":
                t = time.perf_counter()
                analyse(sub.graph())
                analysis.append(time.perf_counter() - t)
        results[label] = {
            **_summary(laps),
            "nodes_p50": statistics.median(sizes),
            "nodes_max": max(sizes),
            "truncated_share": round(truncated / queries, 3),
        }
        if analysis:
            results["analysis_default_caps"] = _summary(analysis)
        print(label, results[label])

    # incremental pages, as the sync's hook writes them: 1,000 records already in the graph
    regen = Generator(seed, min(records, 20_000))
    page = list(regen.records())[:1000]
    pages: list[float] = []
    for _ in range(5):
        t = time.perf_counter()
        store.replace(page)
        pages.append(time.perf_counter() - t)
    results["incremental_page_1000"] = _summary(pages)
    store.close()
    return {
        "records": gen.n,
        "edges": written,
        "graph_records": stats.records,
        "values": stats.nodes,
        "store_bytes": size,
        "build_s": round(build_s, 1),
        "build_records_per_s": round(gen.n / build_s),
        "learn_caps_s": round(learn_s, 2),
        "caps": {k.value: v for k, v in sorted(caps.by_kind.items())},
        "seed": seed,
        "queries": queries,
        **results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        out = run(args.records, args.seed, args.queries, Path(tmp))
    out["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"network-{stamp}.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

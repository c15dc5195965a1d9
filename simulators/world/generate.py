"""Generate a world into a `Store`, block by block, never holding the population in memory.

People are made in blocks of `BLOCK` so that relations between people (co-accused on one FIR,
a cyber-criminal's phone reused across complaints, complainants) can be drawn within a block;
each block is written and forgotten before the next. Everything is deterministic in the seed.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_all_start_methods, get_context
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from simulators.world import crime, registers, reports
from simulators.world.corrupt import corrupt, reasons, table_key
from simulators.world.people import Person, make_person
from simulators.world.recs import START_MS, Ctx, Rec, counters_after, export_window_ms
from simulators.world.store import Batch, Store

BLOCK = 500
WORLD_VERSION = "11"
# Below this many blocks, starting worker processes costs more than it saves.
PARALLEL_FROM_BLOCKS = 16


def world_file(cache_dir: Path, seed: int, persons: int, bad_rate: float) -> Path:
    """Where the world of these parameters lives; the name changes when any of them does."""
    return cache_dir / f"world-v{WORLD_VERSION}-s{seed}-n{persons}-b{bad_rate:g}.sqlite"


def open_world(
    path: Path,
    seed: int,
    persons: int,
    bad_rate: float,
    progress: Callable[[int, int], None] | None = None,
) -> Store:
    """The world at `path`, generated first if the file is missing or incomplete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        store = Store(path)
        if store.get_meta("complete") == "1":
            return store
        store.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    store = Store(path)
    generate(store, seed, persons, bad_rate, progress)
    return store


def generate(
    store: Store,
    seed: int,
    persons: int,
    bad_rate: float,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
) -> None:
    """Write the world. Blocks are independent, so large worlds are made by worker processes
    while this one writes; the result is the same whatever the number of workers."""
    starts = range(0, persons, BLOCK)
    jobs = [(seed, start, min(persons, start + BLOCK), bad_rate, persons) for start in starts]
    if workers is None:
        workers = min(4, os.cpu_count() or 1) if len(jobs) >= PARALLEL_FROM_BLOCKS else 1
    done = 0
    with contextlib.ExitStack() as stack:
        if workers > 1:
            pool = stack.enter_context(ProcessPoolExecutor(workers, mp_context=_mp_context()))
            results: Iterator[Batch] = pool.map(make_block, jobs, chunksize=1)
        else:
            results = map(make_block, jobs)
        for job, batch in zip(jobs, results, strict=True):
            with store.transaction() as conn:
                store.put_batch(conn, batch)
            done = job[2]
            if progress:
                progress(done, persons)
    counters = counters_after(len(jobs))
    store.index()
    with store.transaction() as conn:
        store.set_meta(conn, "seed", str(seed))
        store.set_meta(conn, "persons", str(persons))
        store.set_meta(conn, "bad_rate", repr(bad_rate))
        store.set_meta(conn, "clock_ms", str(START_MS))
        store.set_meta(conn, "counters", json.dumps(counters))
        store.set_meta(conn, "complete", "1")


def _mp_context() -> BaseContext:
    """`fork` when this process runs no other thread (cheap, and works from any script);
    otherwise `spawn`, since forking a threaded process (servers already up) is unsafe."""
    if "fork" in get_all_start_methods() and threading.active_count() == 1:
        return get_context("fork")
    return get_context("spawn")


def make_block(job: tuple[int, int, int, float, int]) -> Batch:
    """One block of people, ready to write (runs in a worker process for large worlds)."""
    seed, start, end, bad_rate, persons = job
    ctx = Ctx(seed, random.Random(f"{seed}:block:{start}"), START_MS, {}, block=start // BLOCK)
    ctx.export_window_ms = export_window_ms(persons)
    recs, owners = build_block(ctx, start, end, bad_rate)
    return Batch.of(recs, owners)


def build_block(
    ctx: Ctx, start: int, end: int, bad_rate: float
) -> tuple[list[Rec], dict[str, list[dict[str, Any]]]]:
    people = [make_person(ctx.seed, i) for i in range(start, end)]
    offenders = [p for p in people if p.role == "offender" and "cctns" in p.sources]
    recs: list[Rec] = []
    owners: dict[str, list[dict[str, Any]]] = {}
    kits: list[reports.SuspectKit] = []
    complainants: list[Person] = []
    rng = ctx.rng
    for person in people:
        firs: list[crime.Fir] = []
        for source in person.sources:
            if source == "cctns":
                firs = _cctns(person, ctx, offenders, recs)
            elif source == "eprisons":
                recs.append(crime.inmate(person, firs, ctx))
            elif source == "vahan":
                for _ in range(1 if rng.random() < 0.8 else 2):
                    _vehicle(person, ctx, recs, owners, people)
            elif source == "sarathi":
                recs.append(registers.licence(person, ctx))
            elif source == "alis":
                recs.extend(registers.arms_licence(person, ctx))
            elif source == "ivfrt":
                recs.append(reports.foreigner(person, ctx))
            elif source == "khoyapaya":
                recs.extend(reports.child_reports(person, ctx))
            elif source == "ncrp":
                if person.role in ("offender", "cyber", "foreigner"):
                    kits.append(reports.SuspectKit(person, rng))
                else:
                    complainants.append(person)
    _complaints(ctx, kits, complainants, recs)
    if bad_rate > 0:
        spoilt: set[tuple[str, str]] = set()
        for person in people:
            for source in person.sources:
                if rng.random() < bad_rate:
                    bad = _one_more(person, source, ctx, registered=recs)
                    if bad is not None:
                        recs.append(corrupt(bad, rng))
                elif start == 0:
                    # The first block spoils a record in every way each source can go wrong,
                    # so that even a small test world exercises every quarantine reason.
                    coll = rng.choice(_CCTNS_COLLS) if source == "cctns" else None
                    probe = _one_more(person, source, ctx, coll, registered=recs)
                    todo = (
                        [r for r in reasons(probe) if (table_key(probe), r) not in spoilt]
                        if probe
                        else []
                    )
                    if probe is not None and todo:
                        recs.append(corrupt(probe, rng, todo[0]))
                        spoilt.add((table_key(probe), todo[0]))
    return recs, owners


def _cctns(person: Person, ctx: Ctx, offenders: list[Person], recs: list[Rec]) -> list[crime.Fir]:
    rng = ctx.rng
    if person.role in ("child", "missing_adult"):
        missing = reports.missing_report(person, ctx)
        recs.append(missing)
        if person.role == "missing_adult" and rng.random() < 0.35:
            recs.append(reports.unidentified_report(person, missing, ctx))
        return []
    firs = crime.offender_firs(person, ctx)
    in_prison = "eprisons" in person.sources
    for fir in firs:
        recs.append(crime.accused_row(person, fir, ctx, _after(ctx, fir), in_prison=in_prison))
        if offenders and rng.random() < 0.3:
            other = rng.choice(offenders)
            if other.index != person.index:
                recs.append(crime.accused_row(other, fir, ctx, _after(ctx, fir), in_prison=False))
    return firs


def _after(ctx: Ctx, fir: crime.Fir) -> int:
    from datetime import UTC, datetime

    fir_ms = int(
        datetime(fir.fir_date.year, fir.fir_date.month, fir.fir_date.day, tzinfo=UTC).timestamp()
        * 1000
    )
    span = max(1000, ctx.now_ms - fir_ms)
    t = fir_ms + ctx.rng.randrange(span)
    return min(t, ctx.now_ms) // 1000 * 1000


def _vehicle(
    person: Person,
    ctx: Ctx,
    recs: list[Rec],
    owners: dict[str, list[dict[str, Any]]],
    people: list[Person],
) -> None:
    rc, history, theft = registers.vehicle(person, ctx, people)
    recs.append(rc)
    owners[rc.nid] = history
    if theft is not None:
        recs.append(theft)


def _complaints(
    ctx: Ctx, kits: list[reports.SuspectKit], complainants: list[Person], recs: list[Rec]
) -> None:
    rng = ctx.rng
    for kit in kits:
        assert kit.person is not None
        for _ in range(rng.randint(1, 3)):
            complainant = complainants.pop() if complainants and rng.random() < 0.7 else None
            state = complainant.state if complainant else kit.person.state
            suspects = [kit]
            if len(kits) > 1 and rng.random() < 0.15:
                other = rng.choice(kits)
                if other is not kit:
                    suspects.append(other)
            recs.append(reports.complaint(ctx, suspects, complainant, state))
    for person in complainants:
        unknown = reports.SuspectKit(None, rng)
        recs.append(reports.complaint(ctx, [unknown], person, person.state))


_CCTNS_COLLS = ("persons", "vehicles", "missing-persons", "unidentified-persons")


def _one_more(
    person: Person,
    source: str,
    ctx: Ctx,
    coll: str | None = None,
    registered: list[Rec] | None = None,
) -> Rec | None:
    """Another record of this person in this source, to be corrupted into a bad record
    (`coll` picks the CCTNS collection; by default the one that fits the person's role).

    A spoilt theft report is about a vehicle Vahan serves (one of `registered`'s), reported
    stolen or held as case property: a damaged report is still a report, and the vehicle's
    NOC must not come out CLEAR because of the damage."""
    if source == "cctns":
        if coll is None:
            coll = "missing-persons" if person.role in ("child", "missing_adult") else "persons"
        if coll == "missing-persons":
            return reports.missing_report(person, ctx)
        if coll == "unidentified-persons":
            return reports.unidentified_report(person, reports.missing_report(person, ctx), ctx)
        if coll == "vehicles":
            served = [r for r in registered or () if r.source == "vahan" and not r.bad]
            rc = ctx.rng.choice(served) if served else registers.vehicle(person, ctx)[0]
            vid = rc.vehicle or ""
            report = registers.vehicle_report(
                ctx, person, rc.body, vid, str(rc.body["rc_maker_model"])
            )
            report.body["VEHICLE_STATUS"] = ctx.rng.choice(("STOLEN", "STOLEN", "CASE_PROPERTY"))
            return report
        fir = crime.offender_firs(person, ctx)[0]
        return crime.accused_row(person, fir, ctx, _after(ctx, fir), in_prison=False)
    if source == "eprisons":
        firs = crime.offender_firs(person, ctx)
        return crime.inmate(person, firs, ctx)
    if source == "vahan":
        return registers.vehicle(person, ctx)[0]
    if source == "sarathi":
        return registers.licence(person, ctx)
    if source == "alis":
        return registers.arms_licence(person, ctx)[-1]
    if source == "ivfrt":
        return reports.foreigner(person, ctx)
    if source == "khoyapaya":
        return reports.child_reports(person, ctx)[0]
    if source == "ncrp":
        return reports.complaint(ctx, [reports.SuspectKit(person, ctx.rng)], None, person.state)
    return None

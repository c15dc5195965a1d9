"""Scale benchmark: person search on the demo world as it grows, through the code the API runs.

    .venv/bin/python -m bench.names.scale --persons 20000,300000 [--queries 1000]

The world is the simulators' (`make demo`'s: a generator other than the names benchmark's, with
its own names, spellings and registers), synced from the eight simulated sources into an
embedded index by the real connectors, as `icjs sync` does (cached under var/bench/scale/, one
index per world size and name-keys version). Queries are about people of the world, written by
the names benchmark's officers (`queries`-like variations: another spelling, a slip or two,
initials, a token left out or left to the father's name) with what an officer knows beside the
name: a birth year (half of them), the father's or husband's name (a third), gender, state. A
query is answered when one of the ten profiles returned holds a record the person is the subject
of (ground truth). Reported per size: recall@1 and @10, overall and for queries giving a birth
year or a relative, the expected calibration error of the profiles shown, and search latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from auth.policy import Policy
from bench.names.generate import vary_spelling
from bench.names.noise import damage_word
from bench.names.run import bench_caller, calibration, ece
from bench.service import person_search_service
from federation import PersonSearch
from matching.keys import KEYS_VERSION
from records import Gender

CACHE = Path("var/bench/scale")
RESULTS = Path(__file__).resolve().parents[1] / "results"
SEED = 7
TODAY = date(2024, 5, 1)  # the world's clock before any advance
SUBJECT_ROLES = frozenset({"subject", "owner", "suspect", "missing", "found", "holder", "accused",
                           "inmate", "applicant", "foreigner", "child"})  # fmt: skip


# -- the index: the world synced by the real connectors -------------------------------------------


def _sync_child(manifest_path: Path, index: Path) -> None:
    from prometheus_client import CollectorRegistry

    from config import SearchSettings, SourceSettings, SyncSettings
    from config.runtime import tune_gc
    from connectors.engine import run_sync
    from connectors.metrics import SyncMetrics
    from indexer import open_backend

    tune_gc()
    manifest = json.loads(manifest_path.read_text())
    backend = open_backend(SearchSettings(backend="embedded", path=index))
    state = index.with_suffix(".sync.db")
    try:
        report = asyncio.run(
            run_sync(
                {n: SourceSettings(**e) for n, e in manifest.items()},
                backend,
                state,
                SyncSettings(state_path=state),
                full=True,
                metrics=SyncMetrics(CollectorRegistry()),
            )
        )
    finally:
        backend.close()
    failed = {n: r.error for n, r in report.sources.items() if r.status != "ok"}
    if failed:
        raise SystemExit(f"sync failed: {failed}")


def index_of(persons: int) -> Path:
    return (CACHE / f"index-{persons}-s{SEED}-k{KEYS_VERSION}.db").resolve()


def build(persons: int) -> Path:
    """The world of `persons` synced into an embedded index (reused when already built)."""
    from simulators.harness import start_simulators

    index = index_of(persons)
    done = index.with_suffix(".done")
    if done.exists():
        return index
    for stale in index.parent.glob(index.name + "*"):
        stale.unlink()
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"[scale] world of {persons:,} people …", file=sys.stderr, flush=True)
    with start_simulators(seed=SEED, persons=persons, faults="none",
                          data_dir=(CACHE / "worlds").resolve()) as sims:  # fmt: skip
        manifest = index.with_suffix(".manifest.json")
        manifest.write_text(json.dumps(sims.manifest))
        started = time.perf_counter()
        print(f"[scale] syncing into {index} …", file=sys.stderr, flush=True)
        subprocess.run(
            [sys.executable, "-m", "bench.names.scale", "--sync", str(manifest), str(index)],
            check=True,
        )
        print(f"[scale] synced in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    done.write_text(str(persons))
    return index


# -- queries about the world's people ------------------------------------------------------------


def _words(person: Any, rng: random.Random) -> tuple[list[str], list[str], str | None, str]:
    """The name as an officer types it, the words meant (before spelling and slips), what
    beside it tells the father, and the variation."""
    words = [p.latin for p in person.parts if p.latin]
    relative = " ".join(p.latin for p in person.relative) or None
    kind = rng.choices(
        ("plain", "spelling", "slip", "initials", "missing", "relative", "combination"),
        weights=(20, 20, 20, 12, 10, 8, 10),
    )[0]
    steps = {"combination": rng.sample(("spelling", "slip", "initials", "missing"), 2)}.get(
        kind, [kind]
    )
    steps.sort(key=lambda s: s in ("spelling", "slip"))  # what is meant first, then slips
    meant: list[str] = []
    for step in steps:
        full = [i for i, w in enumerate(words) if len(w) > 2 and not w.endswith(".")]
        if step in ("spelling", "slip") and not meant:
            meant = list(words)
        if step == "spelling" and full:
            i = rng.choice(full)
            words[i] = vary_spelling(words[i], rng)
        elif step == "slip" and full:
            i = rng.choice(full)
            words[i] = damage_word(words[i], rng, rng.choice(("keyboard", "keyboard", "keyboard2")))
        elif step == "initials" and len(full) >= 2:
            for i in full[:-1]:
                words[i] = words[i][0] + "."
        elif step == "missing" and len(words) >= 3:
            del words[rng.randrange(1, len(words))]
        elif step == "relative" and len(words) >= 2 and relative:
            if words[0].endswith("."):
                words = words[1:]  # a Tamil initial is the father's name beside it
            elif len(full) >= 2:
                words = words[:-1]  # the surname left to the father's name beside it
    return words, meant or list(words), relative, kind


class World:
    """The world's people by the words of their names: who else a query is right for (whose
    name fits the words meant as well as the person's, and whom nothing the query gives
    contradicts: the names benchmark's `queries.fits` and `consistent`, on this world)."""

    def __init__(self, persons: int) -> None:
        from simulators.world.people import make_person

        self.people = [make_person(SEED, i) for i in range(persons)]
        self.by_word: dict[str, list[int]] = {}
        for i, p in enumerate(self.people):
            for w in {x for x in self._full(p)}:
                self.by_word.setdefault(w, []).append(i)

    @staticmethod
    def _full(p: Any) -> list[str]:
        return [x.latin.lower() for x in p.parts if x.latin and not x.latin.endswith(".")]

    @staticmethod
    def _left(p: Any, meant: list[str]) -> int | None:
        words = [x.latin.lower().rstrip(".") for x in p.parts if x.latin]
        for w in meant:
            if not w.endswith("."):
                if w.lower() not in words:
                    return None
                words.remove(w.lower())
        for w in meant:
            if w.endswith("."):
                hit = next((x for x in words if x[:1] == w[0].lower()), None)
                if hit is None:
                    return None
                words.remove(hit)
        return len(words)

    def right(self, target: Any, meant: list[str], search: PersonSearch) -> set[str]:
        full = [w.lower() for w in meant if not w.endswith(".")]
        theirs = self._left(target, meant)
        out = {target.pid}
        for i in self.by_word.get(full[0], ()) if full else ():
            p = self.people[i]
            mine = self._left(p, meant)
            if mine is None or (len(full) > 1 and theirs is not None and mine > theirs):
                continue
            if search.birth_year is not None and abs(p.dob.year - search.birth_year) > 3:
                continue
            if search.gender is not None and search.gender.value != p.gender:
                continue
            if search.state is not None and search.state != p.state:
                continue
            if search.relative_name is not None and (
                [x.latin.lower() for x in p.relative] != [x.latin.lower() for x in target.relative]
            ):
                continue
            out.add(p.pid)
        return out


def queries(
    persons: int, count: int, truth: Any, world: World
) -> list[tuple[PersonSearch, str, set[str], str, bool]]:
    """(search, person id, everyone it is as right for, variation, gives a birth year or a
    relative) for `count` people who are the subject of at least one live record."""
    rng = random.Random(SEED + persons)
    out: list[tuple[PersonSearch, str, set[str], str, bool]] = []
    while len(out) < count:
        person = world.people[rng.randrange(persons)]
        if person.nationality or not truth.records_of_person(person.pid):
            continue
        words, meant, relative, kind = _words(person, rng)
        r = rng.random()
        birth_year = person.dob.year if r < 0.5 else None
        relative_name = relative if (kind == "relative" or rng.random() < 0.35) else None
        search = PersonSearch(
            name=" ".join(words).upper() if rng.random() < 0.5 else " ".join(words),
            relative_name=relative_name,
            birth_year=birth_year,
            gender=Gender(person.gender) if rng.random() < 0.4 else None,
            state=person.state if rng.random() < 0.3 else None,
            limit=10,
        )
        right = world.right(person, meant, search)
        out.append((search, person.pid, right, kind, bool(birth_year or relative_name)))
    return out


# -- the measurement -----------------------------------------------------------------------------


def measure(persons: int, count: int) -> dict[str, Any]:
    from config.runtime import tune_gc
    from indexer.backends.embedded import EmbeddedBackend
    from simulators.truth import GroundTruth
    from simulators.world.generate import open_world, world_file

    index = build(persons)
    store = open_world(world_file((CACHE / "worlds").resolve(), SEED, persons, 0.0), SEED,
                       persons, 0.0)  # fmt: skip
    truth = GroundTruth(store)
    plan = queries(persons, count, truth, World(persons))
    tune_gc()
    backend = EmbeddedBackend(index)
    policy = Policy.load()
    service = person_search_service(backend, policy, max_candidates=300, today=lambda: TODAY)
    caller = bench_caller(policy)
    for search, *_ in plan[:20]:  # warm the caches a serving node has warm
        service.search(caller, search)
    rows: list[tuple[int | None, int | None, bool]] = []  # rank: the person; anyone right
    shown: list[tuple[float, bool]] = []
    latencies: list[float] = []
    namesakes: list[int] = []
    for search, pid, right, _, gives in plan:
        started = time.perf_counter()
        outcome = service.search(caller, search)
        latencies.append((time.perf_counter() - started) * 1000)
        rank = any_rank = None
        for i, profile in enumerate(outcome.profiles):
            holders = {
                p for r in profile.records for p, role in truth.person_of(r.record_id).items()
                if role in SUBJECT_ROLES
            }  # fmt: skip
            shown.append((profile.confidence, pid in holders))
            if pid in holders and rank is None:
                rank = i
            if holders & right and any_rank is None:
                any_rank = i
        rows.append((rank, any_rank, gives))
        namesakes.append(len(right))
    backend.close()
    latencies.sort()
    namesakes.sort()

    def recall(rs: list[tuple[int | None, int | None, bool]], k: int, which: int) -> float:
        ranks = [r[which] for r in rs]
        return sum(1 for r in ranks if r is not None and r < k) / (len(rs) or 1)

    told = [r for r in rows if r[2]]
    return {
        "persons": persons,
        "records": len(truth.live_record_ids()),
        "queries": len(rows),
        "right_median": namesakes[len(namesakes) // 2],
        "recall@1": recall(rows, 1, 0),
        "recall@10": recall(rows, 10, 0),
        "any_recall@10": recall(rows, 10, 1),
        "told": len(told),
        "told_recall@1": recall(told, 1, 0),
        "told_recall@10": recall(told, 10, 0),
        "told_any_recall@1": recall(told, 1, 1),
        "told_any_recall@10": recall(told, 10, 1),
        "ece": ece(calibration(shown)),
        "calibration": calibration(shown),
        "p50_ms": latencies[len(latencies) // 2],
        "p95_ms": latencies[int(len(latencies) * 0.95)],
    }


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| people | records | queries | as right (median) | recall@1 | recall@10 | any right "
        "@10 | with birth year or relative: n | recall@1 | recall@10 | any right @1 | any right "
        "@10 | ECE | search p50 | p95 |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['persons']:,} | {r['records']:,} | {r['queries']} | {r['right_median']} "
            f"| {r['recall@1']:.3f} | {r['recall@10']:.3f} | {r['any_recall@10']:.3f} "
            f"| {r['told']} | {r['told_recall@1']:.3f} | {r['told_recall@10']:.3f} "
            f"| {r['told_any_recall@1']:.3f} | {r['told_any_recall@10']:.3f} | {r['ece']:.3f} "
            f"| {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms |"
        )
    for r in rows:
        lines += ["", f"Calibration at {r['persons']:,} people (every profile shown, by score "
                  "decile; right = the person asked about):", "",
                  "| score | n | mean score | share right |", "|---|---|---|---|"]  # fmt: skip
        for b in r["calibration"]:
            lines.append(
                f"| {b['from']:.1f}-{b['to']:.1f} | {b['n']} | {b['mean_score']:.3f} "
                f"| {b['share_right']:.3f} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", default="20000,300000")
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--sync", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--label", default="", help="name for this run in the results file")
    args = parser.parse_args(argv)
    if args.sync:
        _sync_child(*args.sync)
        return 0
    rows = [measure(int(n.replace("_", "")), args.queries) for n in args.persons.split(",")]
    text = table(rows)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "names-scale.json"
    runs = json.loads(out.read_text()) if out.exists() else {}
    runs[args.label or f"keys-v{KEYS_VERSION}"] = rows
    out.write_text(json.dumps(runs, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Estimating the linkage model from an index's own records (`icjs linkage estimate`).

Unsupervised, as Splink does it, so that it needs no ground truth and fits whatever data a
deployment holds:

1. **Sample** up to `max_records` person records (one pass, flat memory): those whose record id
   hashes lowest, so that the sample is a function of the records, not of the order a scan
   reads them in (an index's is the order they arrived in).
2. **Frequencies**: how often each canonical name and relative's name occurs (the
   term-frequency tables) and how many records hold each address token (its rarity, which
   weighs addresses).
3. **u from random pairs**: pairs of records drawn at random are almost never one person, so the
   share of them on each level is the u-probability, as Splink estimates it. For the facts that
   have nothing to do with a name (birth, phone, accounts, FIR), random pairs are drawn among
   the records that carry the fact, many of them, so that a rare agreement (a shared phone)
   gets a u measured on tens of thousands of pairs, not a guess; these u stay fixed.
4. **EM on blocked pairs**: pairs of records sharing a name key whose names at least partly
   agree, the pairs grouping can join at query time (big blocks are sampled, each pair weighted
   by how many it stands for).
   Expectation-maximisation fits the prior (the share of those pairs that are one person), m of
   every level, and u of the comparisons that go with a name (the name itself, the relative's
   name, gender, place, address: people who share a surname share fathers' surnames and
   regions), under the Fellegi–Sunter assumption that comparisons are independent given match
   status.

Levels no pair reached keep a small pseudo-count, so that no weight is infinite.
"""

from __future__ import annotations

import hashlib
import heapq
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from indexer.comparison import (
    ACCOUNT,
    BIRTH,
    FACT_LEVELS,
    FIELDS,
    FIR,
    LEVELS,
    MISSING,
    NAME,
    NAMES_AGREE,
    PHONE,
    Similarity,
    compare,
)
from indexer.sides import Side, sides_of
from records import Kind, Record

from .linkage import Frequencies, Model

PSEUDO_COUNT = 0.5  # per level, against empty cells
# Facts unrelated to names: their u comes from random pairs of records carrying them and stays
# fixed while EM runs (within a name block they are as (un)likely to agree as anywhere).
FIXED_U = (BIRTH, PHONE, ACCOUNT, FIR, MISSING)
FACT_PAIRS = 50_000  # random pairs per fact
MAX_BLOCK = 60  # a name key held by more sides is sampled, not enumerated
ITERATIONS = 100
TOLERANCE = 1e-6
# Where EM starts: most records of one person agree on what they both carry.
_M_START = {2: (0.9, 0.1), 3: (0.7, 0.2, 0.1), 4: (0.6, 0.25, 0.1, 0.05)}
_M_START_5 = (0.5, 0.3, 0.1, 0.05, 0.05)


@dataclass(frozen=True)
class Sample:
    sides: list[Side]
    records: int  # person records seen


def sample_sides(records: Iterable[Record], max_records: int, seed: int = 0) -> Sample:
    """Up to `max_records` person records, uniformly (the lowest hashes of their ids, salted
    with `seed`), as sides. A reservoir's draw depended on the order the records were read in:
    two indexes of the same records estimated different models."""
    kept: list[tuple[int, str, Record]] = []  # (-hash, id, record): the highest hash on top
    seen = 0
    for record in records:
        if not any(p.names for p in record.subjects()):
            continue
        seen += 1
        digest = hashlib.blake2b(f"{seed}:{record.record_id}".encode(), digest_size=8).digest()
        entry = (-int.from_bytes(digest, "big"), record.record_id, record)
        if len(kept) < max_records:
            heapq.heappush(kept, entry)
        elif entry[:2] > kept[0][:2]:
            heapq.heapreplace(kept, entry)
    chosen = sorted((r for _, _, r in kept), key=lambda r: r.record_id)
    return Sample([s for r in chosen for s in sides_of(r)], seen)


def _levels(
    pairs: list[tuple[int, int]],
    sides: list[Side],
    similar: Similarity,
    model: Model,
    *,
    skip_names: bool = False,
) -> npt.NDArray[np.int8]:
    out = np.full((len(pairs), len(FIELDS)), -1, dtype=np.int8)
    for row, (i, j) in enumerate(pairs):
        a, b = sides[i], sides[j]
        # a random pair whose names share no key is at the name's worst level: skip the model
        names = not skip_names or similar.share_key(a, b)
        levels = compare(a, b, similar, address_weight=model.address_weight, names=names).levels
        for col, level in enumerate(levels):
            if level is not None:
                out[row, col] = level
    return out


def term_frequencies(values: list[frozenset[str]]) -> Frequencies:
    """Shares of each value among the records carrying one (values seen once stay out of the
    table: they are all as rare as the table's `rare`)."""
    counts: Counter[str] = Counter()
    for held in values:
        counts.update(held)
    total = max(1, sum(counts.values()))
    table = {v: c / total for v, c in counts.items() if c >= 2}
    singles = sum(1 for c in counts.values() if c < 2)
    # fsum: exact, so the same whatever order the values were counted in (a set's)
    average = math.fsum(f * f for f in table.values()) + singles / total / total
    return Frequencies(table, 1 / total, max(average, 1 / total / total))


def _tables(sides: list[Side]) -> dict[str, object]:
    tokens: Counter[str] = Counter()
    for s in sides:
        tokens.update(s.address)
    return {
        "frequencies": {
            "name": term_frequencies([s.canonical for s in sides if s.canonical]),
            "relative": term_frequencies(
                [s.relative_canonical for s in sides if s.relative_canonical]
            ),
        },
        "address_frequency": {t: c for t, c in tokens.items() if c >= 2},
        "address_documents": max(1, sum(1 for s in sides if s.address)),
    }


def _carriers(sides: list[Side], field: int) -> tuple[list[Side], list[Side]]:
    """The records a random pair for `field` is drawn from, one list per side of the pair."""
    if field == FIR:  # compared between an accused and an inmate only
        return (
            [s for s in sides if s.fir_cases and s.kind is Kind.ACCUSED],
            [s for s in sides if s.fir_cases and s.kind is Kind.INMATE],
        )
    carries: dict[int, Callable[[Side], object]] = {
        BIRTH: lambda s: s.born,
        PHONE: lambda s: s.phones,
        ACCOUNT: lambda s: s.accounts,
        MISSING: lambda s: s.missing_on,
    }
    held = [s for s in sides if carries[field](s)]
    return held, held


def fact_u(sides: list[Side], field: int, rng: random.Random) -> npt.NDArray[np.float64]:
    """u of a fact from random pairs of records that both carry it."""
    level_of = FACT_LEVELS[field]
    left, right = _carriers(sides, field)
    counts = np.zeros(len(LEVELS[FIELDS[field]]))
    for _ in range(FACT_PAIRS if left and right else 0):
        a, b = rng.choice(left), rng.choice(right)
        level = level_of(a, b) if a.record_id != b.record_id else None
        if level is not None:
            counts[level] += 1
    smoothed = counts + PSEUDO_COUNT
    return np.asarray(smoothed / smoothed.sum(), dtype=np.float64)


def _random_pairs(sides: list[Side], count: int, rng: random.Random) -> list[tuple[int, int]]:
    pairs: list[tuple[int, int]] = []
    n = len(sides)
    attempts = 0
    while len(pairs) < count and attempts < count * 3 and n > 1:
        attempts += 1
        i, j = rng.randrange(n), rng.randrange(n)
        if i != j and sides[i].record_id != sides[j].record_id:
            pairs.append((min(i, j), max(i, j)))
    return pairs


def _blocked_pairs(
    sides: list[Side], similar: Similarity, max_pairs: int, rng: random.Random
) -> tuple[list[tuple[int, int]], list[float]]:
    """Pairs sharing a blocking key (`Similarity.block_keys`, as grouping compares them), each
    with the number of such pairs it stands for."""
    holders: dict[str, list[int]] = defaultdict(list)
    for i, side in enumerate(sides):
        for key in similar.side_block_keys(side):
            holders[key].append(i)
    weight: dict[tuple[int, int], float] = {}
    # blocks in key order: a big block's draws come from the one generator, and a set's order
    # (its keys') is the process's string hashing, another in every run
    for key in sorted(holders):
        members = holders[key]
        n = len(members)
        if n < 2:
            continue
        if n <= MAX_BLOCK:
            for x in range(n):
                for y in range(x + 1, n):
                    pair = (members[x], members[y])
                    if sides[pair[0]].record_id != sides[pair[1]].record_id:
                        weight.setdefault(pair, 1.0)
        else:
            # a big block: a sample of its pairs, each standing for its share of them
            draws = MAX_BLOCK * (MAX_BLOCK - 1) // 2
            stands_for = (n * (n - 1) / 2) / draws
            for _ in range(draws):
                x, y = sorted(rng.sample(members, 2))
                if sides[x].record_id != sides[y].record_id:
                    weight[(x, y)] = max(weight.get((x, y), 0.0), stands_for)
    pairs = sorted(weight)
    if len(pairs) > max_pairs:
        keep = sorted(rng.sample(range(len(pairs)), max_pairs))
        scale = len(pairs) / max_pairs
        pairs = [pairs[k] for k in keep]
        return pairs, [weight[p] * scale for p in pairs]
    return pairs, [weight[p] for p in pairs]


def _shares(
    levels: npt.NDArray[np.int8], weights: npt.NDArray[np.float64], field: int, size: int
) -> npt.NDArray[np.float64]:
    column = levels[:, field]
    present = column >= 0
    counts = np.bincount(column[present], weights=weights[present], minlength=size)[:size]
    smoothed = np.asarray(counts, dtype=np.float64) + PSEUDO_COUNT
    return np.asarray(smoothed / smoothed.sum(), dtype=np.float64)


def expectation_maximisation(
    levels: npt.NDArray[np.int8],
    weights: npt.NDArray[np.float64],
    u_start: list[npt.NDArray[np.float64]],
    prior: float = 0.05,
    fixed_u: Collection[int] = (),
) -> tuple[float, list[npt.NDArray[np.float64]], list[npt.NDArray[np.float64]], int]:
    """Fit (prior, m, u) to the level vectors, holding the u of `fixed_u` comparisons; returns
    them and the iterations run."""
    sizes = [len(LEVELS[name]) for name in FIELDS]
    m = [np.array(_M_START.get(size, _M_START_5)[:size], dtype=np.float64) for size in sizes]
    m = [x / x.sum() for x in m]
    u = [x.copy() for x in u_start]
    present = levels >= 0
    safe = np.where(present, levels, 0).astype(np.intp)
    iterations = 0
    while iterations < ITERATIONS:
        iterations += 1
        log_odds = np.full(len(levels), np.log(prior / (1 - prior)))
        for f in range(len(FIELDS)):
            ratio = np.log(m[f]) - np.log(u[f])
            log_odds += np.where(present[:, f], ratio[safe[:, f]], 0.0)
        p = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -60, 60)))
        new_prior = float(np.sum(weights * p) / np.sum(weights))
        new_m = [_shares(levels, weights * p, f, sizes[f]) for f in range(len(FIELDS))]
        new_u = [
            u[f] if f in fixed_u else _shares(levels, weights * (1 - p), f, sizes[f])
            for f in range(len(FIELDS))
        ]
        change = max(
            abs(new_prior - prior),
            *(float(np.max(np.abs(a - b))) for a, b in zip(new_m, m, strict=True)),
            *(float(np.max(np.abs(a - b))) for a, b in zip(new_u, u, strict=True)),
        )
        prior, m, u = min(max(new_prior, 1e-9), 1 - 1e-9), new_m, new_u
        if change < TOLERANCE:
            break
    return prior, m, u, iterations


def estimate(
    records: Iterable[Record],
    *,
    max_records: int = 50_000,
    max_pairs: int = 150_000,
    random_pairs: int = 100_000,
    seed: int = 0,
    log: Callable[[str], None] = lambda _: None,
) -> Model:
    """A linkage model fitted to `records` (see the module docstring)."""
    started = time.perf_counter()
    rng = random.Random(seed)
    sample = sample_sides(records, max_records, seed)
    sides = sample.sides
    if len(sides) < 2:
        raise ValueError("too few person records to estimate a linkage model from")
    tables = _tables(sides)
    # a model holding only the frequency tables: compare() needs the address weights
    sizes = [len(LEVELS[name]) for name in FIELDS]
    flat = tuple(tuple(1.0 / n for _ in range(n)) for n in sizes)
    scaffold = Model(prior=0.5, m=flat, u=flat, **tables)  # type: ignore[arg-type]
    similar = Similarity()
    log(f"sampled {len(sides):,} people from {sample.records:,} person records")
    randoms = _random_pairs(sides, random_pairs, rng)
    random_levels = _levels(randoms, sides, similar, scaffold, skip_names=True)
    u_start = [
        fact_u(sides, f, rng)
        if f in FIXED_U
        else _shares(random_levels, np.ones(len(randoms)), f, sizes[f])
        for f in range(len(FIELDS))
    ]
    log(f"u from {len(randoms):,} random pairs, and {FACT_PAIRS:,} per fact")
    pairs, pair_weights = _blocked_pairs(sides, similar, max_pairs, rng)
    if not pairs:
        raise ValueError("no two records share a name key: nothing to estimate from")
    blocked = _levels(pairs, sides, similar, scaffold)
    log(f"{len(pairs):,} pairs sharing a name key compared")
    # the pairs a join can be made on: names that at least partly agree (`NAMES_AGREE`); the
    # others are households, namesakes' fathers… not one person, and they would teach EM a
    # "match" class of families
    joinable = blocked[:, NAME] <= NAMES_AGREE
    blocked = blocked[joinable]
    pair_weights = [w for w, keep in zip(pair_weights, joinable, strict=True) if keep]
    if not pair_weights:
        raise ValueError("no two records' names agree: nothing to estimate from")
    prior, m, u, iterations = expectation_maximisation(
        blocked, np.array(pair_weights, dtype=np.float64), u_start, fixed_u=FIXED_U
    )
    log(f"EM converged in {iterations} iterations: prior {prior:.4f}")
    return Model(
        prior=prior,
        m=tuple(tuple(float(x) for x in row) for row in m),
        u=tuple(tuple(float(x) for x in row) for row in u),
        fitted={
            "people": len(sides),
            "person_records": sample.records,
            "blocked_pairs": len(pairs),
            "joinable_pairs": len(pair_weights),
            "random_pairs": len(randoms),
            "iterations": iterations,
            "seconds": round(time.perf_counter() - started, 1),
            "seed": seed,
        },
        **tables,  # type: ignore[arg-type]
    )

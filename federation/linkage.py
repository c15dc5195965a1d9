"""The Fellegi–Sunter model that weighs query-time joins, as Splink does.

Every comparison level (`indexer.comparison.LEVELS`) has an m-probability (how often two records
of the *same* person land on that level) and a u-probability (how often two records of
*different* people do). A pair's evidence is the sum of `log2(m/u)` over the comparisons both
records allow: a waterfall an officer can read, level by level. A name shared exactly also gets
Splink's term-frequency adjustment: agreeing on a common name (`Ramesh Kumar`) says less than
agreeing on a rare one, by the ratio of the average name's frequency to this name's.

Nothing here is guessed: `federation.estimate` fits m, u and the prior by expectation-maximisation
on the index's own records (`icjs linkage estimate`), over the same kind of pairs grouping sees
(records sharing a name key). The prior is the share of such pairs that are one person, so the
posterior of a pair is `prior odds × Π m/u`, and the join threshold follows from it: a query-time
join needs a posterior of at least `JOIN_PROBABILITY`. A model ships with the package (fitted on a
simulated world of another seed than the benchmark's) for indexes that have not been estimated.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from indexer.comparison import FIELDS, LEVELS, NAME, RELATIVE, Comparison, idf
from indexer.sides import Side

# The posterior a query-time join needs: the pairwise precision the linkage benchmark holds
# profiles to. The weight threshold is derived from it and the estimated prior (`threshold`).
JOIN_PROBABILITY = 0.995
# How far a rare name's term-frequency adjustment may lift its weight (bits): a name seen once in
# a sample of 50,000 is not a thousand times rarer than one seen fifty times in the nation.
MAX_TF_BOOST = 5.0
MODEL_VERSION = 1
DEFAULT_MODEL = Path(__file__).with_name("linkage_model.json")


@dataclass(frozen=True)
class Evidence:
    """One comparison's contribution to a join, as the profile shows it."""

    comparison: str
    level: str
    weight: float  # bits: log2 of the Bayes factor (negative speaks against)

    def as_dict(self) -> dict[str, Any]:
        return {"comparison": self.comparison, "level": self.level, "weight": self.weight}


@dataclass(frozen=True)
class Frequencies:
    """How common each value of a comparison is, for the term-frequency adjustment."""

    table: dict[str, float] = field(default_factory=dict)  # canonical value → share of records
    rare: float = 1e-4  # a value absent from the table
    average: float = 1e-4  # Σ f²: how often two records agree on it by chance

    def of(self, value: str) -> float:
        return self.table.get(value, self.rare)

    def to_json(self) -> dict[str, Any]:
        return {"table": self.table, "rare": self.rare, "average": self.average}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Frequencies:
        table = {str(k): float(v) for k, v in data["table"].items()}
        return cls(table, float(data["rare"]), float(data["average"]))


# Comparisons whose exact agreement is adjusted for how common the shared value is.
TF_FIELDS = {"name": NAME, "relative": RELATIVE}


@dataclass(frozen=True)
class Model:
    prior: float  # share of pairs sharing a name key that are one person
    m: tuple[tuple[float, ...], ...]  # per comparison (`FIELDS`), per level
    u: tuple[tuple[float, ...], ...]
    frequencies: dict[str, Frequencies] = field(default_factory=dict)  # "name", "relative"
    address_frequency: dict[str, int] = field(default_factory=dict)  # token → records holding it
    address_documents: int = 1
    fitted: dict[str, Any] = field(default_factory=dict)  # how and on what it was estimated
    # log2(m/u) per level, derived once
    weights: tuple[tuple[float, ...], ...] = field(init=False, repr=False, compare=False)
    # address tokens' weights, memoised (each search weighs the same few hundred tokens)
    _token_weights: dict[str, float] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name, m, u in zip(FIELDS, self.m, self.u, strict=True):
            if len(m) != len(LEVELS[name]) or len(u) != len(LEVELS[name]):
                raise ValueError(f"comparison {name!r} needs {len(LEVELS[name])} levels")
            if min(*m, *u) <= 0:
                raise ValueError(f"comparison {name!r}: probabilities must be above 0")
        weights = tuple(
            tuple(math.log2(m / u) for m, u in zip(ms, us, strict=True))
            for ms, us in zip(self.m, self.u, strict=True)
        )
        object.__setattr__(self, "weights", weights)
        object.__setattr__(self, "_token_weights", {})

    @property
    def threshold(self) -> float:
        """Bits of evidence a join needs: posterior ≥ `JOIN_PROBABILITY` given the prior."""
        return _bits(JOIN_PROBABILITY) - _bits(self.prior)

    def weight(self, field_index: int, level: int) -> float:
        return self.weights[field_index][level]

    def address_weight(self, token: str) -> float:
        cache = self._token_weights
        weight = cache.get(token)
        if weight is None:
            weight = cache[token] = idf(
                self.address_frequency.get(token, 1), self.address_documents
            )
        return weight

    def tf_adjustment(self, field_index: int, a: Side, b: Side, level: int) -> float:
        """Bits added to a name's or a relative's weight for how common the shared value is
        (Splink's term-frequency adjustment, on the exact level; on near agreement only ever
        downwards: a variant spelling of a common name is still a common name)."""
        if level > 1:
            return 0.0
        if field_index == NAME:
            mine, theirs, frequencies = a.canonical, b.canonical, self.frequencies.get("name")
        elif field_index == RELATIVE:
            mine, theirs = a.relative_canonical, b.relative_canonical
            frequencies = self.frequencies.get("relative")
        else:
            return 0.0
        values = (mine & theirs) if level == 0 else (mine | theirs)
        if frequencies is None or not values:
            return 0.0
        adjustment = math.log2(frequencies.average / max(frequencies.of(v) for v in values))
        return min(adjustment, MAX_TF_BOOST) if level == 0 else min(adjustment, 0.0)

    def weigh(self, a: Side, b: Side, comparison: Comparison) -> list[float | None]:
        """Bits of each comparison (None where the two records do not both carry it), the
        term-frequency adjustment included."""
        out: list[float | None] = []
        for i, level in enumerate(comparison.levels):
            if level is None:
                out.append(None)
                continue
            weight = self.weights[i][level]
            if i in _TF_INDEXES:
                weight += self.tf_adjustment(i, a, b, level)
            out.append(weight)
        return out

    def evidence(self, comparison: Comparison, weights: list[float | None]) -> list[Evidence]:
        return [
            Evidence(FIELDS[i], LEVELS[FIELDS[i]][level], round(weight, 2))
            for i, (level, weight) in enumerate(zip(comparison.levels, weights, strict=True))
            if level is not None and weight is not None
        ]

    def bits(self, a: Side, b: Side, comparison: Comparison) -> float:
        """The pair's evidence in bits (without the prior)."""
        return sum(w for w in self.weigh(a, b, comparison) if w is not None)

    def probability(self, bits: float) -> float:
        return 1.0 / (1.0 + math.pow(2.0, -(bits + _bits(self.prior))))

    def portable(self, min_share: float = 0.001) -> Model:
        """This model for other indexes than the one it was estimated on: without the name and
        relative's-name frequency tables (they describe one population: a name rare here may
        be common there, and would be boosted), and with only the address tokens held by at
        least `min_share` of addresses (`road`, `nagar`, `ward`, a district: common anywhere)."""
        floor = max(2, int(min_share * self.address_documents))
        return Model(
            prior=self.prior,
            m=self.m,
            u=self.u,
            frequencies={},
            address_frequency={t: n for t, n in self.address_frequency.items() if n >= floor},
            address_documents=self.address_documents,
            fitted={**self.fitted, "portable": True},
        )

    def best_bits(self, field_index: int) -> float:
        """The most a comparison can add, term-frequency adjustment included."""
        boost = MAX_TF_BOOST if field_index in _TF_INDEXES else 0.0
        return max(self.weights[field_index]) + boost

    # --- files ---------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        return {
            "version": MODEL_VERSION,
            "prior": self.prior,
            "comparisons": {
                name: {
                    "levels": list(LEVELS[name]),
                    "m": list(self.m[i]),
                    "u": list(self.u[i]),
                }
                for i, name in enumerate(FIELDS)
            },
            "term_frequencies": {k: f.to_json() for k, f in sorted(self.frequencies.items())},
            "address_frequency": self.address_frequency,
            "address_documents": self.address_documents,
            "fitted": self.fitted,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Model:
        if data.get("version") != MODEL_VERSION:
            raise ValueError(f"linkage model version {data.get('version')!r}, expected 1")
        comparisons = data["comparisons"]
        # a comparison added since the file was estimated weighs nothing (m = u) until the next
        # `icjs linkage estimate`: what it says has not been learnt for this index
        flat = {n: [1.0 / len(LEVELS[n])] * len(LEVELS[n]) for n in FIELDS}
        silent = {n: {"m": flat[n], "u": flat[n]} for n in FIELDS if n not in comparisons}
        comparisons = {**silent, **comparisons}
        return cls(
            prior=float(data["prior"]),
            m=tuple(tuple(float(x) for x in comparisons[n]["m"]) for n in FIELDS),
            u=tuple(tuple(float(x) for x in comparisons[n]["u"]) for n in FIELDS),
            frequencies={
                str(k): Frequencies.from_json(v) for k, v in data["term_frequencies"].items()
            },
            address_frequency={str(k): int(v) for k, v in data["address_frequency"].items()},
            address_documents=int(data["address_documents"]),
            fitted=dict(data.get("fitted", {})),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> Model:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))


_TF_INDEXES = frozenset(TF_FIELDS.values())


def load_model(path: Path | None) -> Model:
    """The model estimated for this index (`path`, written by `icjs linkage estimate`) when it
    exists, else the one that ships with the package."""
    if path is not None and path.exists():
        return Model.load(path)
    return _packaged()


@cache
def _packaged() -> Model:
    return Model.load(DEFAULT_MODEL)


def _bits(probability: float) -> float:
    p = min(max(probability, 1e-12), 1 - 1e-12)
    return math.log2(p / (1 - p))

"""The matching surface the rest of the product uses. PROVISIONAL implementation: the
signatures are the contract; the matching work (issue 5) replaces the insides.

- `name_keys(name)` → retrieval keys for one written name (any script), index and query side.
- `name_text(name)` → a normalised Latin form for fuzzy (trigram) text retrieval.
- `analyse(query)` → an `AnalysedQuery`, computed once per search and reused for every candidate.
- `score(analysed, person, state=…, district=…)` → `MatchResult` with a calibrated score in [0, 1]
  and the structured reasons.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from records import Person

_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


def _tokens(name: str) -> list[str]:
    return [t.casefold() for t in _TOKEN.findall(name)]


def name_keys(name: str) -> frozenset[str]:
    return frozenset(f"t:{t}" for t in _tokens(name))


def name_text(name: str) -> str:
    return " ".join(_tokens(name))


@dataclass(frozen=True)
class PersonQuery:
    name: str
    relative_name: str | None = None
    birth_year: int | None = None
    birth_year_tolerance: int = 2
    gender: str | None = None
    state: str | None = None
    district: str | None = None


@dataclass(frozen=True)
class Reason:
    feature: str
    query: str | None
    record: str | None
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {"feature": self.feature, "query": self.query, "record": self.record,
                "weight": self.weight}


@dataclass(frozen=True)
class MatchResult:
    score: float
    reasons: tuple[Reason, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class AnalysedQuery:
    query: PersonQuery
    keys: frozenset[str]
    text: str


def analyse(query: PersonQuery) -> AnalysedQuery:
    return AnalysedQuery(query=query, keys=name_keys(query.name), text=name_text(query.name))


def score(
    analysed: AnalysedQuery,
    person: Person,
    *,
    state: str | None = None,
    district: str | None = None,
) -> MatchResult:
    best = 0.0
    best_name = None
    for written in person.names:
        s = fuzz.token_sort_ratio(analysed.text, name_text(written)) / 100.0
        if s > best:
            best, best_name = s, written
    return MatchResult(score=best, reasons=(Reason("name_fuzzy", analysed.query.name, best_name, best),))

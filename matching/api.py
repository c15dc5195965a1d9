"""The matching surface the rest of the product uses.

- `name_keys(name)` → retrieval keys for one written name (any script), index and query side
  (`matching.keys` documents the key families and their fan-out).
- `name_text(name)` → the canonical Latin form for fuzzy (trigram) text retrieval.
- `analyse(query)` → an `AnalysedQuery`, computed once per search and reused for every candidate.
- `score(analysed, person, state=…, district=…)` → `MatchResult` with a calibrated score in
  [0, 1] (0.9 ≈ nine in ten such matches are the same person) and the structured reasons.
- `name_score(analysed, written)` → that score for one written name alone, without reasons:
  grouping compares relatives' names pair by pair.

Rescoring is on the hot path (hundreds of candidates per search): names are parsed once per
written string (cached), the query once per search, each record name once per search (a per-query
cache), and the reasons are built only when someone reads them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matching.calibration import model, name_logit, sigmoid
from matching.keys import name_keys, name_text, parsed_keys
from matching.parse import NameForm, ParsedName, parse_name
from matching.rescore import QueryName, comparison
from matching.similarity import NameComparison, compare_forms
from records import Person

__all__ = [
    "AnalysedQuery",
    "MatchResult",
    "PersonQuery",
    "Reason",
    "analyse",
    "name_keys",
    "name_score",
    "name_text",
    "parse_name",
    "score",
]


@dataclass(frozen=True)
class PersonQuery:
    name: str
    relative_name: str | None = None
    birth_year: int | None = None
    birth_year_tolerance: int = 2
    gender: str | None = None
    state: str | None = None
    district: str | None = None
    age: int | None = None  # years, on `age_on` (today when absent); used when no birth_year
    age_on: date | None = None


@dataclass(frozen=True)
class Reason:
    """One piece of evidence. `weight` is its contribution to the log-odds of a match: positive
    supports the match, negative speaks against it."""

    feature: str
    query: str | None
    record: str | None
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "query": self.query,
            "record": self.record,
            "weight": self.weight,
        }


class MatchResult:
    """A calibrated score and its reasons. Reasons may be built lazily (`explain`)."""

    __slots__ = ("_explain", "_reasons", "score")

    def __init__(
        self,
        score: float,
        reasons: tuple[Reason, ...] | None = (),
        *,
        explain: Callable[[], tuple[Reason, ...]] | None = None,
    ) -> None:
        self.score = score
        self._reasons = reasons if explain is None else None
        self._explain = explain

    @property
    def reasons(self) -> tuple[Reason, ...]:
        if self._reasons is None:
            self._reasons = self._explain() if self._explain is not None else ()
        return self._reasons

    def __repr__(self) -> str:
        return f"MatchResult(score={self.score:.3f}, reasons={self.reasons!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MatchResult):
            return NotImplemented
        return self.score == other.score and self.reasons == other.reasons

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class AnalysedQuery:
    query: PersonQuery
    keys: frozenset[str]
    text: str
    parsed: ParsedName | None = None
    relative: ParsedName | None = None
    birth_year: int | None = None  # from birth_year, or estimated from age
    tolerance: int = 2
    has_attributes: bool = False
    # the name's and the relative's forms prepared for many comparisons, with per-search caches
    names: QueryName = field(default_factory=lambda: QueryName(()), compare=False, repr=False)
    relatives: QueryName | None = field(default=None, compare=False, repr=False)
    # log-odds → rounded probability: candidates sharing nothing share a few values, and
    # `round` is dearer than the rest of such a candidate
    scores: dict[float, float] = field(default_factory=dict, compare=False, repr=False)


def analyse(query: PersonQuery) -> AnalysedQuery:
    parsed = parse_name(query.name)
    relative: ParsedName | None = None
    if query.relative_name:
        relative = parse_name(query.relative_name)
    elif parsed.relative is not None:
        relative = ParsedName(query.name, (parsed.relative,))
    birth_year, tolerance = query.birth_year, query.birth_year_tolerance
    if birth_year is None and query.age is not None:
        birth_year = (query.age_on or date.today()).year - query.age
        tolerance = max(tolerance, 2)  # an age said aloud is rounded and a year may have turned
    return AnalysedQuery(
        query=query,
        names=QueryName(parsed.forms),
        relatives=QueryName(relative.forms) if relative is not None else None,
        keys=parsed_keys(parsed),
        text=name_text(query.name),
        parsed=parsed,
        relative=relative,
        birth_year=birth_year,
        tolerance=tolerance,
        has_attributes=bool(
            birth_year is not None or query.gender or relative is not None or query.state
        ),
    )


def _best(
    query_forms: tuple[NameForm, ...], record: ParsedName
) -> tuple[float, NameComparison | None]:
    best_z, best_c = -math.inf, None
    for qf in query_forms:
        for rf in record.forms:
            c = compare_forms(qf, rf)
            z = name_logit(c)
            if z > best_z:
                best_z, best_c = z, c
    return best_z, best_c


def _person_years(person: Person) -> tuple[int, int] | None:
    if person.birth_date is not None:
        return person.birth_date.year, person.birth_date.year
    if person.birth_year is not None:
        return person.birth_year, person.birth_year
    if person.age_on is not None and (person.age_from is not None or person.age_to is not None):
        lo_age = person.age_from if person.age_from is not None else person.age_to
        hi_age = person.age_to if person.age_to is not None else person.age_from
        assert lo_age is not None and hi_age is not None
        return person.age_on.year - hi_age - 1, person.age_on.year - lo_age
    return None


def _attributes(
    analysed: AnalysedQuery, person: Person, state: str | None, district: str | None
) -> list[Reason]:
    w = model().attributes
    q = analysed.query
    out: list[Reason] = []
    if analysed.birth_year is not None:
        years = _person_years(person)
        if years is not None:
            lo, hi = years
            gap = (
                0
                if lo <= analysed.birth_year <= hi
                else min(abs(analysed.birth_year - lo), abs(analysed.birth_year - hi))
            )
            if gap <= analysed.tolerance:
                weight = w["birth_year_match"]
            elif gap <= analysed.tolerance + 3:
                weight = w["birth_year_near"]
            else:
                weight = w["birth_year_mismatch"]
            record_year = str(lo) if lo == hi else f"{lo}-{hi}"
            out.append(Reason("birth_year", str(analysed.birth_year), record_year, weight))
    if q.gender and person.gender is not None:
        same = q.gender.strip().upper()[:1] == person.gender.value
        out.append(
            Reason(
                "gender",
                q.gender,
                person.gender.value,
                w["gender_match"] if same else w["gender_mismatch"],
            )
        )
    if analysed.relatives is not None and analysed.relative is not None and person.relative_name:
        z, evidence = analysed.relatives.evidence(person.relative_name)
        c = comparison(evidence)
        if c is not None:
            p = sigmoid(z)
            weight = (
                w["relative_match"]
                if p >= 0.5
                else (w["relative_mismatch"] if c.full_matches == 0 else 0.0)
            )
            out.append(Reason("relative_name", analysed.relative.raw, person.relative_name, weight))
    if q.state and state:
        same_state = q.state.strip().upper() == state.strip().upper()
        out.append(
            Reason("state", q.state, state, w["state_match"] if same_state else w["state_mismatch"])
        )
        if (
            same_state
            and q.district
            and district
            and q.district.strip().casefold() == district.strip().casefold()
        ):
            out.append(Reason("district", q.district, district, w["district_match"]))
    return out


def _name_reasons(c: NameComparison | None, z: float) -> list[Reason]:
    """Name reasons whose weights are their share of the log-odds: a token pair adds what it
    covers of the query and of the record; a token without partner costs what it would have
    covered (plus the fitted per-token term)."""
    if c is None:
        return [Reason("name_no_match", None, None, round(z, 3))]
    w = model().name
    wq, wr = w["query_coverage"], w["record_coverage"]
    out: list[Reason] = []
    for pair, q_share, r_share in c.shares():
        weight = wq * q_share + wr * r_share
        out.append(Reason(f"{pair.role}_{pair.kind}", pair.query, pair.record, round(weight, 3)))
    q_total, r_total = c.q.total_weight, c.r.total_weight
    by_text_q = {t.text: t.weight for t in c.q.tokens}
    by_text_r = {t.text: t.weight for t in c.r.tokens}
    unexplained = (  # feature, tokens, fitted term, coverage weight, token weights, side total
        ("missing_in_record", c.missing, "query_missing", wq, by_text_q, q_total),
        ("extra_in_record", c.extra, "record_extra", wr, by_text_r, r_total),
        ("initial_missing_in_record", c.missing_initials, "query_initials_missing", wq, by_text_q,
         q_total),
        ("initial_extra_in_record", c.extra_initials, "record_initials_extra", wr, by_text_r,
         r_total),
    )  # fmt: skip
    for feature, texts, term, coverage, by_text, total in unexplained:
        on_query = by_text is by_text_q
        for text in texts:
            weight = round(w[term] - coverage * by_text[text] / total, 3)
            out.append(
                Reason(feature, text, None, weight)
                if on_query
                else Reason(feature, None, text, weight)
            )
    out.append(Reason("name_log_odds", None, None, round(z, 3)))
    return out


def score(
    analysed: AnalysedQuery,
    person: Person,
    *,
    state: str | None = None,
    district: str | None = None,
) -> MatchResult:
    evidence_of = analysed.names.evidence
    best_z, best_c, found = -math.inf, None, False
    for written in (person.name, person.name_local, *person.aliases):
        if not written:
            continue
        z, c = evidence_of(written)
        if z > best_z:
            best_z, best_c = z, c
        found = True
    if not found:
        return MatchResult(0.0, (Reason("name_missing", analysed.query.name, None, 0.0),))
    attrs = _attributes(analysed, person, state, district) if analysed.has_attributes else []
    total = best_z
    for r in attrs:
        total += r.weight
    evidence, z_name = best_c, best_z

    def explain() -> tuple[Reason, ...]:
        return (*_name_reasons(comparison(evidence), z_name), *attrs)

    return MatchResult(_probability(analysed, total), explain=explain)


def name_score(analysed: AnalysedQuery, written: str) -> float:
    """`score(analysed, Person(name=written)).score` for a query without attributes, without
    building the person or the result."""
    total, _ = analysed.names.evidence(written)
    return _probability(analysed, total)


def _probability(analysed: AnalysedQuery, total: float) -> float:
    """The calibrated score of a log-odds, rounded, cached per query (`round` costs more than the
    rest of a candidate that shares nothing with the query)."""
    scores = analysed.scores
    value = scores.get(total)
    if value is None:
        value = scores[total] = round(sigmoid(total), 4)
    return value

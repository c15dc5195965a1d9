"""The matching surface the rest of the product uses.

- `name_keys(name)` → retrieval keys for one written name (any script), index and query side
  (`matching.keys` documents the key families and their fan-out).
- `name_text(name)` → the canonical Latin form for fuzzy (trigram) text retrieval.
- `analyse(query)` → an `AnalysedQuery`, computed once per search and reused for every candidate.
- `score(analysed, person, state=…, district=…)` → `MatchResult` with a calibrated score in
  [0, 1] (0.9 ≈ nine in ten such matches are the same person) and the structured reasons.

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
from matching.similarity import NameComparison, PreparedQuery, compare_forms
from records import Person

__all__ = [
    "AnalysedQuery",
    "MatchResult",
    "PersonQuery",
    "Reason",
    "analyse",
    "name_keys",
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


# a comparison, or the two forms of one that paired nothing (built when explained)
Evidence = NameComparison | tuple[PreparedQuery, NameForm] | None


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
    _cache: dict[str, tuple[float, Evidence, str]] = field(
        default_factory=dict, compare=False, repr=False
    )
    # the query's forms and the relative's, prepared for many comparisons (built on first use)
    _prepared: dict[str, tuple[PreparedQuery, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def prepared(self, which: str) -> tuple[PreparedQuery, ...]:
        """`which` is "name" or "relative"."""
        hit = self._prepared.get(which)
        if hit is None:
            parsed = self.parsed if which == "name" else self.relative
            hit = tuple(PreparedQuery(f) for f in parsed.forms) if parsed is not None else ()
            self._prepared[which] = hit
        return hit


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


def _best_prepared(
    query_forms: tuple[PreparedQuery, ...], record_forms: tuple[NameForm, ...]
) -> tuple[float, Evidence]:
    """`_best` with the query forms prepared: the same log-odds, the hot path of rescoring.
    A pair of forms that shares nothing (most candidates) gets no comparison object: its
    log-odds depend on the record form's `shape` only, and it is built when explained."""
    best_z: float = -math.inf
    best_c: Evidence = None
    for qf in query_forms:
        unmatched = qf.unmatched_logit
        for rf in record_forms:
            c = qf.paired(rf)
            if c is not None and (c.full_matches or c.initial_pairs):
                z = name_logit(c)
            else:  # paired nothing
                z_ = unmatched.get(rf.shape)
                if z_ is None:
                    z_ = unmatched[rf.shape] = name_logit(c if c is not None else qf.compare(rf))
                z = z_
            if z > best_z:
                best_z, best_c = z, (qf, rf) if c is None else c
    return best_z, best_c


def _comparison(evidence: Evidence) -> NameComparison | None:
    return evidence[0].compare(evidence[1]) if isinstance(evidence, tuple) else evidence


def _name_evidence(analysed: AnalysedQuery, written: str) -> tuple[float, Evidence, str]:
    """The best comparison of the query with one written record name, cached per query (the
    caller looks in `analysed._cache` first)."""
    preps = analysed._prepared.get("name")
    if preps is None:
        preps = analysed.prepared("name")
    z, evidence = _best_prepared(preps, parse_name(written).forms)
    hit = (z, evidence, written)
    analysed._cache[written] = hit
    return hit


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
    if analysed.relative is not None and person.relative_name:
        z, evidence = _best_prepared(
            analysed.prepared("relative"), parse_name(person.relative_name).forms
        )
        c = _comparison(evidence)
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
    cache = analysed._cache
    best_z, best_c, best_written = -math.inf, None, None
    for written in (person.name, person.name_local, *person.aliases):
        if not written:
            continue
        hit = cache.get(written)
        if hit is None:
            hit = _name_evidence(analysed, written)
        if hit[0] > best_z:
            best_z, best_c, best_written = hit
    if best_written is None:
        return MatchResult(0.0, (Reason("name_missing", analysed.query.name, None, 0.0),))
    attrs = _attributes(analysed, person, state, district) if analysed.has_attributes else []
    total = best_z
    for r in attrs:
        total += r.weight
    evidence, z_name = best_c, best_z

    def explain() -> tuple[Reason, ...]:
        return (*_name_reasons(_comparison(evidence), z_name), *attrs)

    return MatchResult(round(sigmoid(total), 4), explain=explain)

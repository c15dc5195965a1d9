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
from typing import Any, Final

from matching.calibration import model, name_logit, search_logit, sigmoid
from matching.keys import (
    RELATIVE_PREFIX,
    forms_keys,
    inferred_keys,
    name_keys,
    name_text,
    near_keys,
    parsed_keys,
    relative_in_name_keys,
    year_keys,
)
from matching.parse import NameForm, ParsedName, parse_name
from matching.relatives import inferred_forms, inferred_from, is_female
from matching.rescore import NameEvidence, QueryName, comparison
from matching.similarity import NameComparison, compare_forms
from records import Person

__all__ = [
    "RELATIVE_PREFIX",
    "AnalysedQuery",
    "MatchResult",
    "PersonQuery",
    "Reason",
    "analyse",
    "birth_years",
    "corroboration_keys",
    "inferred_keys",
    "is_female",
    "name_keys",
    "name_score",
    "name_text",
    "parse_name",
    "relative_in_name_keys",
    "score",
    "year_keys",
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
    """A calibrated score and its reasons. Reasons may be built lazily (`explain`).

    `agreement`: how well the record agrees with the query as if its name were unique (the
    score without the name's frequency in the index), on the scale two records are compared
    on; `score` itself, when no frequency was given."""

    __slots__ = ("_explain", "_reasons", "agreement", "score")

    def __init__(
        self,
        score: float,
        reasons: tuple[Reason, ...] | None = (),
        *,
        explain: Callable[[], tuple[Reason, ...]] | None = None,
        agreement: float | None = None,
    ) -> None:
        self.score = score
        self.agreement = score if agreement is None else agreement
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
    # pair keys one slip away from the name's (`matching.keys.near_keys`), for retrieval
    near_keys: frozenset[str] = frozenset()
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
    inferred: tuple[NameForm, ...] = ()
    if relative is not None and relative.primary is not None and parsed.primary is not None:
        female = (
            is_female(query.gender, parsed.relation)
            if query.gender
            else is_female(parsed.gender_hint, parsed.relation)
        )
        inferred = tuple(
            f
            for f in inferred_forms(parsed.primary, relative.primary, female)
            if f not in parsed.forms
        )
    keys = parsed_keys(parsed)
    if inferred:
        keys |= forms_keys(inferred)
    return AnalysedQuery(
        near_keys=near_keys(parsed.forms) - keys,
        query=query,
        names=QueryName((*parsed.forms, *inferred)),
        relatives=QueryName(relative.forms) if relative is not None else None,
        keys=keys,
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


def corroboration_keys(analysed: AnalysedQuery) -> frozenset[str]:
    """Keys of what the query gives beside the name, for retrieval to lift the records that
    agree (`CandidateQuery.boost_keys`): the relative's name keys (`rel:`) and the name's
    birth-year keys within the query's tolerance (`y:`)."""
    out: set[str] = set()
    if analysed.relative is not None:
        out.update(RELATIVE_PREFIX + k for k in parsed_keys(analysed.relative))
    if analysed.birth_year is not None:
        year, tolerance = analysed.birth_year, analysed.tolerance
        out |= year_keys(analysed.keys, year - tolerance, year + tolerance)
    return frozenset(out)


def birth_years(person: Person) -> tuple[int, int] | None:
    """The years a person may have been born in, from a birth date, a year or an age range."""
    return _person_years(person)


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
    return [
        Reason(feature, query, record, w[level])
        for feature, level, query, record in attribute_levels(analysed, person, state, district)
    ]


def attribute_levels(
    analysed: AnalysedQuery, person: Person, state: str | None, district: str | None
) -> list[tuple[str, str, str | None, str | None]]:
    """What the query gives beside the name against the record: (reason, level — a key of
    the model's attribute weights —, query value, record value) per fact the query gives
    (`_unknown` when the record cannot check it)."""
    q = analysed.query
    out: list[tuple[str, str, str | None, str | None]] = []
    if analysed.birth_year is not None:
        years = _person_years(person)
        if years is None:
            # nothing here to check the year against: the record can be no more than unverified
            out.append(("birth_year", "birth_year_unknown", str(analysed.birth_year), None))
        else:
            lo, hi = years
            gap = (
                0
                if lo <= analysed.birth_year <= hi
                else min(abs(analysed.birth_year - lo), abs(analysed.birth_year - hi))
            )
            if gap <= analysed.tolerance:
                level = "birth_year_match"
            elif gap <= analysed.tolerance + 3:
                level = "birth_year_near"
            else:
                level = "birth_year_mismatch"
            record_year = str(lo) if lo == hi else f"{lo}-{hi}"
            out.append(("birth_year", level, str(analysed.birth_year), record_year))
    if q.gender and person.gender is not None:
        same = q.gender.strip().upper()[:1] == person.gender.value
        level = "gender_match" if same else "gender_mismatch"
        out.append(("gender", level, q.gender, person.gender.value))
    record_relative = person.relative_name or _relative_in_name(person)
    if analysed.relatives is not None and analysed.relative is not None and not record_relative:
        out.append(("relative_name", "relative_unknown", analysed.relative.raw, None))
    if analysed.relatives is not None and analysed.relative is not None and record_relative:
        if person.relative_name:
            _, evidence = analysed.relatives.evidence(person.relative_name)
        else:  # `RAMESH S/O SURESH PATIL`: the relative written inside the name
            form = parse_name(record_relative).relative
            assert form is not None
            _, evidence = analysed.relatives.forms_evidence(_IN_NAME + record_relative, (form,))
        c = comparison(evidence)
        if c is not None:
            out.append(
                ("relative_name", _relative_level(c), analysed.relative.raw, record_relative)
            )
    if q.state and state:
        same_state = q.state.strip().upper() == state.strip().upper()
        out.append(("state", "state_match" if same_state else "state_mismatch", q.state, state))
        if (
            same_state
            and q.district
            and district
            and q.district.strip().casefold() == district.strip().casefold()
        ):
            out.append(("district", "district_match", q.district, district))
    return out


def _relative_level(c: NameComparison) -> str:
    """How two relatives' names compare. They agree when every word of one is in the other
    (`Suresh` and `Suresh Yadav`, `S. Patil` and `Suresh Patil`); they differ when nothing
    pairs, or when their first names do not (`Suresh Patil` and `Ganesh Patil`: a relative
    shares the family name whoever he is, so a surname in common says nothing)."""
    if c.full_matches == 0:
        return "relative_mismatch"
    if c.query_missing == 0 or c.record_extra == 0:
        return "relative_match"
    missing, extra = c.missing, c.extra
    q_first = next((t.text for t in c.q.tokens if not t.initial), None)
    r_first = next((t.text for t in c.r.tokens if not t.initial), None)
    if q_first in missing and r_first in extra:
        return "relative_mismatch"
    return "relative_unsure"


def _name_reasons(c: NameComparison | None, z: float) -> list[Reason]:
    """Name reasons whose weights are their share of the log-odds: a token pair adds what it
    covers of the query and of the record; a token without partner costs what it would have
    covered (plus the fitted per-token term)."""
    if c is None:
        return [Reason("name_no_match", None, None, round(z, 3))]
    w = model().name.weights()
    wq, wr = w["query_coverage"], w["record_coverage"]
    out: list[Reason] = []
    for pair, q_share, r_share in c.shares():
        weight = wq * q_share + wr * r_share
        out.append(Reason(f"{pair.role}_{pair.kind}", pair.query, pair.record, round(weight, 3)))
    # a note on the pairs above (their weight is theirs): the words are two edits apart, found
    # through keys one slip away or fuzzy text, where a wrong person is likelier than for one
    for q_text, r_text in c.two_edits():
        out.append(Reason("edit_distance_2", q_text, r_text, 0.0))
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
    kind = c.q.inferred or c.r.inferred
    if kind and (c.full_matches or c.initial_pairs):
        out.append(
            Reason(
                kind,
                " ".join(t.text for t in c.q.tokens),
                " ".join(t.text for t in c.r.tokens),
                round(w["inferred"], 3),
            )
        )
    out.append(Reason("name_log_odds", None, None, round(z, 3)))
    return out


def _relative_in_name(person: Person) -> str | None:
    """The record's name when it carries its relative (`RAMESH S/O SURESH PATIL`)."""
    for written in (person.name, person.name_local):
        if written and parse_name(written).relative is not None:
            return written
    return None


# cache keys for forms no one wrote, apart from any written name (which holds no NUL)
_IN_NAME: Final = "\x00relative in\x00"
_INFERRED: Final = "\x00inferred\x00"


def _inferred_evidence(
    analysed: AnalysedQuery, person: Person, best_z: float
) -> tuple[float, NameEvidence]:
    """The best evidence through a record name's forms inferred from its relative's name
    (`matching.relatives`), if better than `best_z`."""
    relative = person.relative_name
    written_relative: str | None = relative
    best: tuple[float, NameEvidence] = (best_z, None)
    for written in (person.name, person.name_local):
        if not written:
            continue
        parsed = parse_name(written)
        female = is_female(person.gender.value if person.gender else None, parsed.relation)
        if written_relative:
            forms = inferred_from(written, written_relative, female)
        elif parsed.relative is not None and parsed.primary is not None:
            forms = tuple(inferred_forms(parsed.primary, parsed.relative, female))
        else:
            continue
        if forms:
            key = f"{_INFERRED}{written}\x00{written_relative or ''}\x00{female}"
            z, c = analysed.names.forms_evidence(key, forms)
            if z > best[0]:
                best = (z, c)
    return best


def _name_evidence(analysed: AnalysedQuery, person: Person) -> tuple[float, NameEvidence, bool]:
    """The best name log-odds over the person's written names and the forms they take from
    the relative's name, its evidence, and whether the person has a name at all."""
    evidence_of = analysed.names.evidence
    best_z: float = -math.inf
    best_c: NameEvidence = None
    found = False
    for written in (person.name, person.name_local, *person.aliases):
        if not written:
            continue
        z, c = evidence_of(written)
        if z > best_z:
            best_z, best_c = z, c
        found = True
    if found:
        z, c = _inferred_evidence(analysed, person, best_z)
        if c is not None:
            best_z, best_c = z, c
    return best_z, best_c, found


def name_comparison(analysed: AnalysedQuery, person: Person) -> NameComparison | None:
    """The comparison `score` rests the name on (for fitting and inspection)."""
    return comparison(_name_evidence(analysed, person)[1])


def score(
    analysed: AnalysedQuery,
    person: Person,
    *,
    state: str | None = None,
    district: str | None = None,
    frequency: int | None = None,
) -> MatchResult:
    """How likely `person` is the one `analysed` asks for. `frequency`: how many records of the
    index carry the name as matched (the rarest name key the record shares with the query,
    from retrieval): with it the score is the probability that this record is the person a
    search asks for, in this index (`name_frequency`: the more records carry the name, the
    less its match says). Without it, how well the names agree as if the name were unique,
    what comparing two records needs (grouping)."""
    best_z, best_c, found = _name_evidence(analysed, person)
    if not found:
        return MatchResult(0.0, (Reason("name_missing", analysed.query.name, None, 0.0),))
    attrs = _attributes(analysed, person, state, district) if analysed.has_attributes else []
    total = best_z
    z_frequency = 0.0
    if best_c is not None and frequency is not None:
        total = search_logit(best_z, frequency)
        z_frequency = total - best_z
    for r in attrs:
        total += r.weight
    evidence, z_name = best_c, best_z

    def explain() -> tuple[Reason, ...]:
        reasons = _name_reasons(comparison(evidence), z_name)
        if z_frequency:
            reasons.append(
                Reason("name_frequency", analysed.query.name, str(frequency), round(z_frequency, 3))
            )
        return (*reasons, *attrs)

    return MatchResult(
        _probability(analysed, total),
        explain=explain,
        agreement=_probability(analysed, total - z_frequency) if z_frequency else None,
    )


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

"""The hot path of rescoring: one query's name against the written names of hundreds of records.

`QueryName` is a query's name forms made ready (`similarity.PreparedQuery`) plus what it learns
about record spellings during one search; `evidence(written)` is the best log-odds over every
pair of query and record forms, with what explains it. `record_name(written)` is a record
spelling parsed and summarised once per process (cached), for every query.

Most candidates share nothing with the query's name. Such a pair's log-odds depend only on the
shapes of the two forms (informative tokens, initials), so once each full token of a written name
is known to pair with nothing (`_dead`: one set inclusion), and neither side has an initial or
could make a compound (`Ramkumar` ~ `Ram Kumar`), the answer is one dictionary lookup. Anything
else goes through `best_prepared`, the statement of the comparison, and gets the same answer.
"""

from __future__ import annotations

import math
from itertools import pairwise
from typing import Final

from matching.calibration import name_logit
from matching.parse import NameForm, Token, parse_name
from matching.similarity import NameComparison, PreparedQuery

# a comparison, or the two forms of one that paired nothing (built when explained)
NameEvidence = NameComparison | tuple[PreparedQuery, NameForm] | None


def _full_canons(forms: tuple[NameForm, ...]) -> list[str]:
    return [f.tokens[i].canon for f in forms for i in f.full_idx]


def _adjacent_canons(forms: tuple[NameForm, ...]) -> list[tuple[str, str]]:
    return [
        (a.canon, b.canon)
        for f in forms
        for a, b in pairwise(f.tokens)
        if not a.initial and not b.initial
    ]


# What `similarity._may_join` asks of a token written for two (`Ramkumar` ~ `Ram Kumar`): the
# same first letter, and a length within 2 + length // 4 of theirs together. As strings of
# first letter and length ("r8"), so that whether a query and a record name could make a
# compound at all is one set intersection.


def _singles(forms: tuple[NameForm, ...]) -> frozenset[str]:
    return frozenset(f"{c[:1]}{len(c)}" for c in _full_canons(forms))


def _joins(forms: tuple[NameForm, ...]) -> frozenset[str]:
    return frozenset(f"{a[:1]}{len(a) + len(b)}" for a, b in _adjacent_canons(forms))


def _joins_singles_could_be(forms: tuple[NameForm, ...]) -> frozenset[str]:
    out = set()
    for c in _full_canons(forms):
        n = len(c)
        for total in range(n - 2 - n // 4, n + 3 + n // 4):
            out.add(f"{c[:1]}{total}")
    return frozenset(out)


def _singles_joins_could_be(forms: tuple[NameForm, ...]) -> frozenset[str]:
    out = set()
    for a, b in _adjacent_canons(forms):
        total = len(a) + len(b)
        for n in range((total + 2) * 4 // 3 + 2):  # beyond, n - total > 2 + n // 4
            if abs(total - n) <= 2 + n // 4:
                out.add(f"{a[:1]}{n}")
    return frozenset(out)


class RecordName:
    """One written record name as rescoring needs it: its forms, and across all of them the
    distinct full tokens, whether any form has an initial, the shapes of the forms, and what a
    compound (`Ramkumar` ~ `Ram Kumar`) would need of the query (`_singles`, `_joins`)."""

    __slots__ = ("forms", "joins", "plain", "shapes", "singles", "texts", "tokens")

    def __init__(self, forms: tuple[NameForm, ...]) -> None:
        self.forms = forms
        by_text: dict[str, Token] = {}
        for f in forms:
            for i in f.full_idx:
                t = f.tokens[i]
                by_text.setdefault(t.text, t)
        self.tokens = tuple(by_text.values())
        self.texts = frozenset(by_text)
        self.plain = all(len(f.full_idx) == len(f.tokens) for f in forms)
        self.singles = _singles(forms)
        self.joins = _joins(forms)
        self.shapes = tuple(f.shape for f in forms)


# written name → RecordName, for every query; a dict rather than `lru_cache`, whose call costs
# more than the rest of a candidate that shares nothing with the query. Bounded by starting over.
_RECORD_NAMES: Final[dict[str, RecordName]] = {}
RECORD_NAMES_KEPT: Final = 50_000  # ~1.1 KB each: docs/decisions.md, "Matcher cache sizes"


def record_name(written: str) -> RecordName:
    hit = _RECORD_NAMES.get(written)
    if hit is None:
        if len(_RECORD_NAMES) >= RECORD_NAMES_KEPT:
            _RECORD_NAMES.clear()
        hit = _RECORD_NAMES[written] = RecordName(parse_name(written).forms)
    return hit


def best_prepared(
    query_forms: tuple[PreparedQuery, ...], record_forms: tuple[NameForm, ...]
) -> tuple[float, NameEvidence]:
    """The best log-odds over every pair of forms, and its evidence. A pair that shares nothing
    gets no comparison object: its log-odds depend on the record form's `shape` only, and the
    comparison is built when explained."""
    best_z: float = -math.inf
    best_c: NameEvidence = None
    for qf in query_forms:
        for rf in record_forms:
            c = qf.paired(rf)
            if c is not None and (c.full_matches or c.initial_pairs):
                z = name_logit(c)
            else:
                z = _unpaired_logit(qf, rf, c)
            if z > best_z:
                best_z, best_c = z, (qf, rf) if c is None else c
    return best_z, best_c


def _unpaired_logit(qf: PreparedQuery, rf: NameForm, c: NameComparison | None) -> float:
    """The log-odds of a query form and a record form that paired nothing (`c`, their
    comparison, if already built): a function of the record form's shape alone, so cached by it
    in `qf.unmatched_logit`."""
    z = qf.unmatched_logit.get(rf.shape)
    if z is None:
        z = qf.unmatched_logit[rf.shape] = name_logit(c if c is not None else qf.compare(rf))
    return z


def comparison(evidence: NameEvidence) -> NameComparison | None:
    return evidence[0].compare(evidence[1]) if isinstance(evidence, tuple) else evidence


class QueryName:
    """A query's name (or its relative's) against many record names, for one search."""

    __slots__ = (
        "_by_shapes",
        "_cache",
        "_dead",
        "_live",
        "joinable_singles",
        "joins_of_singles",
        "plain",
        "preps",
    )

    def __init__(self, forms: tuple[NameForm, ...]) -> None:
        self.preps = tuple(PreparedQuery(f) for f in forms)
        self.plain = all(len(f.full_idx) == len(f.tokens) for f in forms)
        # a record single that could be two adjacent query tokens written as one, and a record
        # join that one query token could be written for
        self.joinable_singles = _singles_joins_could_be(forms)
        self.joins_of_singles = _joins_singles_could_be(forms)
        self._cache: dict[str, tuple[float, NameEvidence]] = {}
        # record spellings that pair with no query token, and those that pair with one
        self._dead: set[str] = set()
        self._live: set[str] = set()
        # best log-odds of a record name sharing nothing, by its forms' shapes: (z, query form
        # index, record form index), the first best in `best_prepared`'s order
        self._by_shapes: dict[tuple[tuple[int, int], ...], tuple[float, int, int]] = {}

    def evidence(self, written: str) -> tuple[float, NameEvidence]:
        hit = self._cache.get(written)
        if hit is None:
            hit = self._cache[written] = self._evidence(record_name(written))
        return hit

    def forms_evidence(self, key: str, forms: tuple[NameForm, ...]) -> tuple[float, NameEvidence]:
        """`evidence` for forms no one wrote as such (inferred from a relative, or a relative
        written inside a name), cached under `key`, which must name them."""
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = (
                best_prepared(self.preps, forms) if self.preps and forms else (-math.inf, None)
            )
        return hit

    def _evidence(self, record: RecordName) -> tuple[float, NameEvidence]:
        if not (self.preps and record.forms):
            # `urf`, `alias`, `@` alone: no name to compare, on either side
            return -math.inf, None
        if (
            self.plain
            and record.plain
            and self.joinable_singles.isdisjoint(record.singles)
            and self.joins_of_singles.isdisjoint(record.joins)
            and self._pairs_nothing(record)
        ):
            best = self._by_shapes.get(record.shapes)
            if best is None:
                best = self._by_shapes[record.shapes] = self._unpaired(record.forms)
            z, qi, ri = best
            return z, (self.preps[qi], record.forms[ri])
        return best_prepared(self.preps, record.forms)

    def _pairs_nothing(self, record: RecordName) -> bool:
        dead = self._dead
        if record.texts <= dead:
            return True
        if not record.texts.isdisjoint(self._live):
            return False
        for t in record.tokens:
            if t.text in dead:
                continue
            if any(qf.row(t) for qf in self.preps):
                self._live.add(t.text)
                return False
            dead.add(t.text)
        return True

    def _unpaired(self, record_forms: tuple[NameForm, ...]) -> tuple[float, int, int]:
        best = (-math.inf, 0, 0)
        for qi, qf in enumerate(self.preps):
            for ri, rf in enumerate(record_forms):
                z = _unpaired_logit(qf, rf, None)
                if z > best[0]:
                    best = (z, qi, ri)
        return best

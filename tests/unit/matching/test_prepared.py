"""`PreparedQuery.compare` and `QueryName.evidence` (the rescoring hot path) say exactly what
`compare_forms` says."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.calibration import model, name_logit
from matching.parse import NameForm, parse_name
from matching.rescore import QueryName, comparison, record_name
from matching.similarity import (
    MIN_TOKEN_SIMILARITY,
    NameComparison,
    PreparedQuery,
    _may_join,
    compare_forms,
    pair_similarity,
)


def _same(a: NameComparison, b: NameComparison) -> None:
    assert model().name.values(a) == model().name.values(b)
    assert a.pairs == b.pairs
    assert a.missing == b.missing
    assert a.extra == b.extra


def _forms(name: str) -> tuple[NameForm, ...]:
    return parse_name(name).forms


RECORDS = [
    "Ram Kumar Sharma",  # compound against Ramkumar
    "Rajesh Kumar Sharma",
    "R. K. Sharma",  # initials
    "Sharma Rajesh",  # order
    "Murugan Kandasamy",
    "Raju @ Rajendra Shankar Patil",  # alias forms
    "Mohd. Irfan",
    "Zzyx Qwerty",  # pairs with nothing
    "राजेंद्र शर्मा",  # local script
    "Kamla Devi W/O Ram Lal",
]
QUERIES = ["Ramkumar Sharma", "R K Sharma", "K. Murugan", "Rajendra Patil", "Muhammad Irfan",
           "Rajesh Sharma", "Smt Kamla Devi", "Ram Kumar Sharma", "xyz"]  # fmt: skip


@pytest.mark.parametrize("query", QUERIES)
def test_prepared_matches_compare_forms_on_real_names(query: str) -> None:
    for qf in _forms(query):
        prepared = PreparedQuery(qf)
        for record in RECORDS * 2:  # the second round reads the prepared rows back
            for rf in _forms(record):
                _same(prepared.compare(rf), compare_forms(qf, rf))


token = st.sampled_from(
    ["ram", "kumar", "ramkumar", "sharma", "sarma", "r", "k", "rk", "devi", "raj", "rajesh",
     "singh", "s", "patil", "mohd", "irfan", "gopal", "kopal", "g", "lal", "ramesh", "shiv",
     "shivkumar", "shivakumar", "rajkumar", "zzyx", "qwerty", "abdul", "abdulrahman", "rahman"]
)  # fmt: skip
name = st.lists(token, min_size=1, max_size=5).map(" ".join)


@settings(max_examples=150)
@given(name, st.lists(name, min_size=1, max_size=5))
def test_prepared_matches_compare_forms(query: str, records: list[str]) -> None:
    for qf in _forms(query):
        prepared = PreparedQuery(qf)
        for record in records:
            for rf in _forms(record):
                _same(prepared.compare(rf), compare_forms(qf, rf))


def _reference(query: str, record: str) -> tuple[float, NameComparison]:
    """The best pair of forms by `compare_forms`, first best kept: the rule, without shortcuts."""
    best: tuple[float, NameComparison] | None = None
    for qf in _forms(query):
        for rf in _forms(record):
            c = compare_forms(qf, rf)
            z = name_logit(c)
            if best is None or z > best[0]:
                best = (z, c)
    assert best is not None
    return best


def _same_evidence(query: str, name: QueryName, record: str) -> None:
    z, evidence = name.evidence(record)
    ref_z, ref_c = _reference(query, record)
    assert z == ref_z
    c = comparison(evidence)
    assert c is not None
    _same(c, ref_c)


@pytest.mark.parametrize("query", QUERIES)
def test_query_name_evidence_matches_the_rule_on_real_names(query: str) -> None:
    name = QueryName(_forms(query))
    for record in RECORDS * 2:  # the second round reads the per-search cache back
        _same_evidence(query, name, record)


@settings(max_examples=200)
@given(name, st.lists(name, min_size=1, max_size=6))
def test_query_name_evidence_matches_the_rule(query: str, records: list[str]) -> None:
    """Including the shortcut for names sharing nothing, and its compound pre-check."""
    name = QueryName(_forms(query))
    for record in records * 2:
        _same_evidence(query, name, record)


word = st.text(alphabet="abdeghiklmnoprstuvy", min_size=2, max_size=12)


@settings(max_examples=300)
@given(word, word, word)
def test_the_compound_pre_check_never_rules_out_a_compound(a: str, b1: str, b2: str) -> None:
    """Whenever `_may_join` would let `a` be `b1 b2` written as one, `QueryName`'s one-set
    pre-check lets the comparison look for it, whichever side is the query."""
    singles, pairs = _forms(a), _forms(f"{b1} {b2}")
    if len(singles) != 1 or len(pairs) != 1:
        return  # an alias marker (`aka`, `urf`) holds no name: not the case under test
    (single,), (pair,) = singles, pairs
    if len(single.full_idx) != 1 or len(pair.full_idx) != 2:
        return  # a title, a filler or an initial: not the case under test
    t, (t1, t2) = single.tokens[0], pair.tokens
    if not _may_join(t, t1, t2):
        return
    as_query, as_record = QueryName((single,)), record_name(a)
    assert not as_query.joins_of_singles.isdisjoint(record_name(f"{b1} {b2}").joins)
    assert not QueryName((pair,)).joinable_singles.isdisjoint(as_record.singles)


spelling = st.text(alphabet="abcdehikmnorsuvy", min_size=1, max_size=14)


@settings(max_examples=500)
@given(spelling, spelling)
def test_a_row_keeps_exactly_the_pairs_pair_similarity_keeps(a: str, b: str) -> None:
    """The letters bound that spares most distance calls in `PreparedQuery` never drops a pair
    that `pair_similarity` (the rule, measured) keeps, nor changes its similarity."""
    (qf,) = _forms(a) or (None,)
    (rf,) = _forms(b) or (None,)
    if qf is None or rf is None or len(qf.full_idx) != 1 or len(rf.full_idx) != 1:
        return  # a title, an initial or a filler: not the case under test
    qt, rt = qf.tokens[qf.full_idx[0]], rf.tokens[rf.full_idx[0]]
    s = pair_similarity(qt, rt)
    expected = ((qf.full_idx[0], s),) if s >= MIN_TOKEN_SIMILARITY else ()
    assert PreparedQuery(qf).row(rt) == expected


def test_the_letters_bound_spares_far_spellings_only() -> None:
    far = PreparedQuery(_forms("Rajesh")[0])
    assert far.row(_forms("Kumaran")[0].tokens[0]) == ()
    near = PreparedQuery(_forms("Lakshmi")[0])
    assert near.row(_forms("Laxmi")[0].tokens[0])

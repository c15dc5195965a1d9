"""`PreparedQuery.compare` (the rescoring hot path) says exactly what `compare_forms` says."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.calibration import name_features
from matching.parse import NameForm, parse_name
from matching.similarity import NameComparison, PreparedQuery, compare_forms


def _same(a: NameComparison, b: NameComparison) -> None:
    assert name_features(a) == name_features(b)
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
     "singh", "s", "patil", "mohd", "irfan", "gopal", "kopal", "g", "lal", "ramesh"]
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

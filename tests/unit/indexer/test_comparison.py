"""Comparisons of two records' people that issue 16's second round added: names read with their
relatives where the relatives agree, and missing-person reports of one disappearance."""

from __future__ import annotations

from datetime import date

from federation.linkage import Model
from indexer.comparison import FIELDS, MISSING, NAME_LEVELS, Similarity, compare, name_level
from indexer.sides import Side
from records import Gender, Kind, Person, PersonRole, Relation, Source
from tests.plugins.backends import make

from ..federation.linkage_model import model


def side(
    source: Source,
    native_id: str,
    name: str,
    relative: str | None,
    *,
    kind: Kind = Kind.MISSING_PERSON,
    relation: Relation | None = Relation.SON_OF,
    on: date | None = date(2024, 3, 1),
) -> Side:
    person = Person(
        role=PersonRole.MISSING if kind is Kind.MISSING_PERSON else PersonRole.SUBJECT,
        name=name,
        relative_name=relative,
        relation=relation if relative else None,
        gender=Gender.MALE,
    )
    record = make(source, native_id, kind, people=(person,), event_date=on)
    return Side.of(record, person)


def test_a_given_name_reads_with_its_fathers_name_when_the_fathers_agree() -> None:
    """`Murugan`, son of `Kandasamy`, and `K. MURUGAN` whose father is `KANDASAMY`: the initial
    is the father's name (issue 15), which both records write."""
    similar = Similarity()
    child = side(Source.KHOYAPAYA, "KP-1", "Murugan", "Kandasamy")
    report = side(Source.CCTNS, "MP-1", "K. MURUGAN", "KANDASAMY")
    alone = side(Source.CCTNS, "MP-2", "K. MURUGAN", None)
    assert name_level(child, alone, similar) == len(NAME_LEVELS)  # partly: a word is missing
    assert name_level(child, report, similar) < len(NAME_LEVELS)


def test_no_inference_through_a_relative_that_differs() -> None:
    similar = Similarity()
    child = side(Source.KHOYAPAYA, "KP-1", "Murugan", "Kandasamy")
    other = side(Source.CCTNS, "MP-1", "K. MURUGAN", "KRISHNAN")
    assert name_level(child, other, similar) == len(NAME_LEVELS)


def test_brothers_stay_different_names_whatever_their_father() -> None:
    similar = Similarity()
    a = side(Source.KHOYAPAYA, "KP-1", "Suresh", "Prakash Rao")
    b = side(Source.CCTNS, "MP-1", "RAMESH RAO", "PRAKASH RAO")
    assert name_level(a, b, similar) > len(NAME_LEVELS)


def test_missing_reports_of_one_disappearance_and_of_two() -> None:
    similar = Similarity()
    a = side(Source.KHOYAPAYA, "KP-1", "Murugan", "Kandasamy", on=date(2024, 3, 1))
    days_later = side(Source.CCTNS, "MP-1", "K. MURUGAN", "KANDASAMY", on=date(2024, 3, 9))
    a_year_later = side(Source.CCTNS, "MP-2", "K. MURUGAN", "KANDASAMY", on=date(2025, 3, 9))
    accused = side(Source.CCTNS, "AC-1", "K. MURUGAN", "KANDASAMY", kind=Kind.ACCUSED)
    assert compare(a, days_later, similar).levels[MISSING] == 0
    assert compare(a, a_year_later, similar).levels[MISSING] == 1
    assert compare(a, accused, similar).levels[MISSING] is None


def test_a_model_file_without_a_newer_comparison_loads_with_it_silent() -> None:
    data = model().to_json()
    del data["comparisons"]["missing"]
    loaded = Model.from_json(data)
    assert loaded.weights[FIELDS.index("missing")] == (0.0, 0.0)
    assert loaded.weights[0] == model().weights[0]

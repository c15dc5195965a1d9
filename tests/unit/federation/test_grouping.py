"""Grouping scored records into profiles: index links and query-time agreement."""

from __future__ import annotations

from datetime import UTC, datetime

from federation.grouping import _Similarity, agreement, birth_year_of, group
from federation.rescoring import Scored
from matching import api as matching
from records import Kind, Person, Provenance, Record, Source

T0 = datetime(2024, 5, 1, tzinfo=UTC)


def scored(
    native_id: str,
    person: Person,
    score: float,
    *,
    state: str | None = "MH",
    district: str | None = "PUNE",
    profile: str | None = None,
) -> Scored:
    record = Record(
        record_id=f"cctns:{native_id}",
        source=Source.CCTNS,
        kind=Kind.ACCUSED,
        state=state,
        district=district,
        people=(person,),
        provenance=Provenance(
            source=Source.CCTNS, native_id=native_id, source_updated_at=T0, fetched_at=T0
        ),
    )
    return Scored(record, person, matching.MatchResult(score=score), profile)


def ids(groups: list) -> list[set[str]]:  # type: ignore[type-arg]
    return [{m.record.record_id for m in g.members} for g in groups]


def test_index_links_join_with_their_reason() -> None:
    a = scored("A", Person(name="RAJENDRA PATIL"), 0.9, profile="p-1")
    b = scored("B", Person(name="RAJU"), 0.2, profile="p-1")
    [g] = group([a, b], [("cctns:A", "cctns:B", "fir")])
    assert g.confidence == 0.9
    [link] = g.links
    assert link.kind == "index" and link.reasons == ("same FIR and police station",)


def test_same_profile_without_a_direct_link_still_joins() -> None:
    a = scored("A", Person(name="RAJENDRA PATIL"), 0.9, profile="p-1")
    b = scored("B", Person(name="RAJU"), 0.2, profile="p-1")
    [g] = group([a, b])
    assert g.links[0].reasons == ("linked at index time through other records",)


def test_query_time_agreement_needs_name_year_and_a_third_fact() -> None:
    base = Person(name="RAJENDRA SHANKAR PATIL", relative_name="SHANKAR PATIL", birth_year=1990)
    relative = scored("A", base, 0.9)
    same_relative = scored(
        "B",
        Person(name="Rajendra Shankar Patil", relative_name="Shankar Patil", birth_year=1991),
        0.8,
        state="KA",
        district="BENGALURU",
    )
    [g] = group([relative, same_relative])
    [link] = g.links
    assert link.kind == "query"
    assert any("relative" in r for r in link.reasons)
    assert 0.6 <= link.confidence < 1.0


def test_name_and_year_alone_do_not_join() -> None:
    a = scored("A", Person(name="RAMESH KUMAR", birth_year=1985), 0.9, state="MH", district="PUNE")
    b = scored("B", Person(name="RAMESH KUMAR", birth_year=1985), 0.9, state="UP", district="AGRA")
    assert ids(group([a, b])) == [{"cctns:A"}, {"cctns:B"}]


def test_different_birth_years_never_join() -> None:
    p = dict(name="RAMESH KUMAR", relative_name="SURESH KUMAR")
    a = scored("A", Person(**p, birth_year=1985), 0.9)  # type: ignore[arg-type]
    b = scored("B", Person(**p, birth_year=1975), 0.9)  # type: ignore[arg-type]
    assert len(group([a, b])) == 2


def test_place_agreement_joins() -> None:
    a = scored("A", Person(name="SUNITA DEVI", birth_year=1990), 0.9)
    b = scored("B", Person(name="Sunita Devi", birth_year=1990), 0.7)
    [g] = group([a, b])
    assert any("place agrees" in r for r in g.links[0].reasons)


def test_profiles_ordered_by_confidence() -> None:
    weak = scored("W", Person(name="X Y"), 0.3, profile="p-w")
    strong = scored("S", Person(name="A B"), 0.95, profile="p-s")
    assert ids(group([weak, strong])) == [{"cctns:S"}, {"cctns:W"}]


def test_birth_year_from_age_on_a_date() -> None:
    s = scored("A", Person(name="A", age_from=30, age_to=34, age_on=datetime(2024, 1, 1).date()), 1)
    assert birth_year_of(s.person, s.record) == 1992


class _CountingSimilarity(_Similarity):
    def __init__(self) -> None:
        super().__init__()
        self.asked: list[str] = []

    def __call__(self, a: str, b: Person) -> float:
        self.asked.append(a)
        return super().__call__(a, b)

    def written(self, a: str, b: str) -> float:
        self.asked.append(a)
        return super().written(a, b)


def test_relatives_who_disagree_stop_the_pair_before_the_name_model() -> None:
    """Same name and year, different places, fathers sharing a first-name key but not a name:
    no join, decided by the relative's model alone (the name model is not asked)."""
    a = scored(
        "A",
        Person(name="RAMESH KUMAR", relative_name="SURESH PATIL", birth_year=1985),
        0.9,
        state="MH",
        district="PUNE",
    )
    b = scored(
        "B",
        Person(name="RAMESH KUMAR", relative_name="SURESH PAWAR", birth_year=1985),
        0.9,
        state="UP",
        district="AGRA",
    )
    similar = _CountingSimilarity()
    assert agreement(a, b, similar) is None
    assert similar.asked == ["SURESH PATIL"]
    agreeing = scored(
        "C",
        Person(name="Ramesh Kumar", relative_name="Suresh Patil", birth_year=1986),
        0.8,
        state="UP",
        district="AGRA",
    )
    link = agreement(a, agreeing, similar)
    assert link is not None and any("relative" in r for r in link.reasons)
    assert similar.asked[1:] == ["SURESH PATIL", "RAMESH KUMAR"]

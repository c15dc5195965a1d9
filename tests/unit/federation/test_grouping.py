"""Grouping scored records into profiles: joins on evidence, never across a disagreement.

Each cannot-link rule has a case that plain union-find over the same joins would have merged:
A joins B, B joins C, and A and C disagree. The profile must not hold both A and C.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from federation.decisions import Judgement, Verdict
from federation.grouping import Group, Readings, _Pairs, birth_year_of, group
from federation.linkage import load_model
from federation.rescoring import Scored
from matching import api as matching
from records import (
    Gender,
    Identifier,
    IdType,
    Kind,
    Person,
    PersonRole,
    Relation,
    Source,
    Vehicle,
)
from tests.plugins.backends import make

from .linkage_model import model

MODEL = model()
FIR = "MH/0412/2024/123"
ADDRESS = "H NO 12, GANESH PETH, PUNE"
OTHER_ADDRESS = "FLAT 9, SECTOR 17, VASHI, NAVI MUMBAI"
PHONE = "+919876543210"


def scored(
    source: Source,
    native_id: str,
    kind: Kind,
    person: Person,
    score: float = 0.9,
    *,
    agreement: float | None = None,
    profile: str | None = None,
    state: str | None = "MH",
    district: str | None = "PUNE",
    **fields: Any,
) -> Scored:
    record = make(
        source, native_id, kind, people=(person,), state=state, district=district, **fields
    )
    return Scored(record, person, matching.MatchResult(score, agreement=agreement), profile)


def accused(native_id: str, person: Person, score: float = 0.9, **fields: Any) -> Scored:
    return scored(Source.CCTNS, native_id, Kind.ACCUSED, person, score, **fields)


def ids(groups: list[Group]) -> list[set[str]]:
    return [{m.record.record_id for m in g.members} for g in groups]


def together(groups: list[Group], a: str, b: str) -> bool:
    return any({a, b} <= members for members in ids(groups))


def refusals(groups: list[Group]) -> list[str]:
    return [reason for g in groups for r in g.refused for reason in r.reasons]


def chain(a: Person, b: Person, c: Person, **fields: Any) -> list[Scored]:
    """A and B share a phone; B and C an address: each pair alone joins."""
    return [
        accused("A", a.model_copy(update={"phones": (PHONE,)}), **fields),
        accused("B", b.model_copy(update={"phones": (PHONE,), "address": ADDRESS}), **fields),
        accused("C", c.model_copy(update={"address": ADDRESS}), **fields),
    ]


def assert_cut(
    records: list[Scored], reason: str, links: list[tuple[str, str, str]] | None = None
) -> None:
    """A–B and B–C each join on their own (so union-find over those joins gives A–B–C), but A
    and C disagree: grouping the three must keep A and C apart, and say why."""
    a, b, c = records
    for pair in ((a, b), (b, c)):
        alone = group(list(pair), links or [], model=MODEL)
        assert len(alone) == 1, f"{pair[0].record.record_id}–{pair[1].record.record_id} alone"
    groups = group(records, links or [], model=MODEL)
    first, last = a.record.record_id, c.record.record_id
    assert not together(groups, first, last), ids(groups)
    middle = b.record.record_id
    assert together(groups, first, middle) or together(groups, middle, last)
    assert any(reason in r for r in refusals(groups)), refusals(groups)


# --- each cannot-link rule, where plain union-find would have merged -------------------------


def test_different_fathers_are_never_chained_into_one_profile() -> None:
    name = "SREEJITH MENON"
    records = chain(
        Person(name=name, relative_name="RAMESH MENON", relation=Relation.SON_OF),
        Person(name=name),
        Person(name=name, relative_name="MAHESH NAIR", relation=Relation.SON_OF),
    )
    assert_cut(records, "different father's name")


def test_birth_years_beyond_the_slack_are_never_chained() -> None:
    records = chain(
        Person(name="RAMESH KUMAR YADAV", birth_year=1980),
        Person(name="RAMESH KUMAR YADAV"),
        Person(name="RAMESH KUMAR YADAV", birth_year=1996),
    )
    assert_cut(records, "different birth year")


def test_different_genders_are_never_chained() -> None:
    records = chain(
        Person(name="KIRAN PATIL", gender=Gender.MALE),
        Person(name="KIRAN PATIL"),
        Person(name="KIRAN PATIL", gender=Gender.FEMALE),
    )
    assert_cut(records, "different gender")


def test_two_driving_licences_are_never_chained() -> None:
    dl = (Identifier(type=IdType.DRIVING_LICENCE, value="MH1420110062821"),)
    other = (Identifier(type=IdType.DRIVING_LICENCE, value="MH1220150000001"),)
    person = Person(name="RAJENDRA PATIL")
    a, b, c = chain(person, person, person)
    a = scored(Source.SARATHI, "MH1420110062821", Kind.DRIVING_LICENCE, a.person, identifiers=dl)
    c = scored(Source.SARATHI, "MH1220150000001", Kind.DRIVING_LICENCE, c.person, identifiers=other)
    assert_cut([a, b, c], "different driving licence number")


def test_two_passports_are_never_chained() -> None:
    person = Person(name="JOHN MICHAEL SMITH")
    a, b, c = chain(person, person, person)
    a = scored(
        Source.IVFRT,
        "FRRO-1",
        Kind.FOREIGNER,
        a.person,
        identifiers=(Identifier(type=IdType.PASSPORT, value="X1234567"),),
    )
    c = scored(
        Source.IVFRT,
        "FRRO-2",
        Kind.FOREIGNER,
        c.person,
        identifiers=(Identifier(type=IdType.PASSPORT, value="Y7654321"),),
    )
    assert_cut([a, b, c], "different passport number")


def test_co_accused_are_never_one_person_even_through_an_inmate_linked_to_both() -> None:
    """The independent world's case: an inmate linked by "same FIR" to both co-accused."""
    fir = (Identifier(type=IdType.FIR, value=FIR),)
    p_suresh = accused("A", Person(name="P. SURESH"), identifiers=fir)
    s_suresh = accused("C", Person(name="S. SURESH"), identifiers=fir)
    inmate = scored(Source.EPRISONS, "MH/Y/1", Kind.INMATE, Person(name="Suresh"), identifiers=fir)
    links = [
        ("cctns:A", "eprisons:MH/Y/1", "fir"),
        ("cctns:C", "eprisons:MH/Y/1", "fir"),
    ]
    assert_cut([p_suresh, inmate, s_suresh], "co-accused on the same FIR", links)


def test_a_supervisors_split_holds_against_evidence_and_strong_links() -> None:
    person = Person(name="RAJENDRA PATIL")
    a, b, c = chain(person, person, person)
    split = Judgement("cctns:A", "cctns:C", Verdict.DIFFERENT, "two men", "sup:1", _T, "d1")
    groups = group([a, b, c], [("cctns:A", "cctns:C", "driving_licence")], model=MODEL,
                   judgements={("cctns:A", "cctns:C"): split})  # fmt: skip
    assert not together(groups, "cctns:A", "cctns:C")
    assert any("split by a supervisor: two men" in r for r in refusals(groups))


_T = datetime(2024, 5, 1, tzinfo=UTC)


# --- what joins, and what does not ------------------------------------------------------------


def test_place_alone_never_corroborates_a_name() -> None:
    """Same name, same state, same district, same gender: a district holds thousands."""
    a = accused("A", Person(name="SUNITA DEVI", gender=Gender.FEMALE))
    b = accused("B", Person(name="Sunita Devi", gender=Gender.FEMALE))
    assert ids(group([a, b], model=MODEL)) == [{"cctns:A"}, {"cctns:B"}]


def test_name_and_birth_year_alone_do_not_join() -> None:
    a = accused("A", Person(name="RAMESH KUMAR", birth_year=1985), state="MH", district="PUNE")
    b = accused("B", Person(name="RAMESH KUMAR", birth_year=1985), state="UP", district="AGRA")
    assert ids(group([a, b], model=MODEL)) == [{"cctns:A"}, {"cctns:B"}]


def test_licence_holder_and_vehicle_owner_join_without_a_birth_year() -> None:
    """Vahan has no birth date: name, father's or husband's name, address and phone agree."""
    licence = scored(
        Source.SARATHI,
        "MH1420110062821",
        Kind.DRIVING_LICENCE,
        Person(
            name="Rajendra Patil",
            relative_name="Shankar Patil",
            relation=Relation.RELATIVE,
            birth_date=date(1990, 2, 11),
            gender=Gender.MALE,
            address="H No 12, Ganesh Peth, Pune",
        ),
    )
    owner = scored(
        Source.VAHAN,
        "MH12AB1234#1",
        Kind.VEHICLE_REGISTRATION,
        Person(
            role=PersonRole.OWNER,
            name="SHRI RAJENDRA PATIL",
            relative_name="SHANKAR PATIL",
            relation=Relation.RELATIVE,
            address="H NO 12, GANESH PETH, PUNE",
        ),
        vehicle=Vehicle(registration_no="MH12AB1234", owner_serial=1),
    )
    [g] = group([licence, owner], model=MODEL)
    [link] = g.links
    assert link.kind == "query" and link.confidence >= 0.995
    compared = {e.comparison for e in link.evidence}
    assert {"name", "relative", "address"} <= compared and "birth" not in compared


def _holder_and_owner(score: float, agreement: float) -> list[Scored]:
    holder = Person(
        name="Rajendra Patil",
        relative_name="Shankar Patil",
        relation=Relation.RELATIVE,
        address="H No 12, Ganesh Peth, Pune",
        phones=(PHONE,),
    )
    owner = Person(
        role=PersonRole.OWNER,
        name="RAJENDRA PATIL",
        relative_name="SHANKAR PATIL",
        relation=Relation.RELATIVE,
        address="H NO 12, GANESH PETH, PUNE",
        phones=(PHONE,),
    )
    return [
        scored(
            Source.SARATHI,
            "MH1420110062821",
            Kind.DRIVING_LICENCE,
            holder,
            score,
            agreement=agreement,
        ),
        scored(
            Source.VAHAN,
            "MH12AB1234#1",
            Kind.VEHICLE_REGISTRATION,
            owner,
            score,
            agreement=agreement,
            vehicle=Vehicle(registration_no="MH12AB1234", owner_serial=1),
        ),
    ]


def test_a_common_name_that_agrees_with_the_query_is_joined_whatever_its_search_score() -> None:
    """The query-time floor is on how well a record's name agrees with the query, not on the
    search score, which since #15 also weighs how common the name is in the index: records of
    a common, correctly spelled name score a few in a thousand, and they were left apart."""
    [g] = group(_holder_and_owner(score=0.004, agreement=0.95), model=MODEL)
    assert g.links[0].kind == "query"


def test_records_whose_names_barely_agree_with_the_query_are_not_joined_at_query_time() -> None:
    groups = group(_holder_and_owner(score=0.004, agreement=0.01), model=MODEL)
    assert len(groups) == 2


def test_records_a_list_shows_are_joined_whatever_their_agreement_with_the_query() -> None:
    """Searching `Suresh Kumar`, a list of fifty shows `Rajendra Patil`'s licence and vehicle in
    its tail (each barely agrees with the query): they are one person's, and agree with each
    other on name, father's name, address and phone, so they are one row, not two. Records
    past the rows shown are not compared (the floor keeps what grouping costs)."""
    shown = group(_holder_and_owner(0.004, 0.01), model=MODEL, shown_from=0.001, shown_records=2)
    [g] = shown
    assert g.links[0].kind == "query"
    past = group(_holder_and_owner(0.004, 0.01), model=MODEL, shown_from=0.001, shown_records=1)
    assert len(past) == 2
    below = group(_holder_and_owner(0.0005, 0.01), model=MODEL, shown_from=0.001, shown_records=2)
    assert len(below) == 2  # under the confidence a profile needs to be shown


def test_shown_namesakes_are_still_never_chained_across_a_disagreement() -> None:
    """Three shown records of `Rajendra Patil` in a list's tail: the licence and the vehicle
    share a phone and an address, the vehicle and an accused the address (the vehicle names no
    relative). Union-find over those two joins would make one profile of all three; the
    licence's father is `Shankar Patil`, the accused's `Mahesh Deshmukh`: never one profile."""
    holder, owner = _holder_and_owner(0.004, 0.01)
    person = owner.person.model_copy(update={"relative_name": None, "relation": None})
    owner = Scored(owner.record.model_copy(update={"people": (person,)}), person, owner.match, None)
    other = accused(
        "X",
        Person(
            name="RAJENDRA PATIL",
            relative_name="MAHESH DESHMUKH",
            relation=Relation.SON_OF,
            address="H NO 12, GANESH PETH, PUNE",
        ),
        0.004,
        agreement=0.01,
    )
    # each pair alone joins (the vehicle's owner names no relative)
    for pair in ((holder, owner), (owner, other)):
        [alone] = group(list(pair), model=MODEL, shown_from=0.001, shown_records=2)
        assert alone.links[0].kind == "query"
    groups = group([holder, owner, other], model=MODEL, shown_from=0.001, shown_records=3)
    assert not together(groups, holder.record.record_id, "cctns:X")
    assert sorted(map(len, ids(groups))) == [1, 2]
    assert "different father's name" in refusals(groups)


def test_inmate_and_accused_join_on_name_relative_and_fir() -> None:
    fir = (Identifier(type=IdType.FIR, value=FIR),)
    a = accused(
        "A", Person(name="RAJENDRA SHANKAR PATIL", relative_name="SHANKAR PATIL"), identifiers=fir
    )
    inmate = scored(
        Source.EPRISONS,
        "MH/Y/1",
        Kind.INMATE,
        Person(name="Rajendra Patil", relative_name="Shankar Patil"),
        identifiers=fir,
    )
    [g] = group([a, inmate], model=MODEL)
    assert any(e.level == "same FIR and police station" for e in g.links[0].evidence)


def _accused_and_inmate(inmate_fir: Identifier, state: str, district: str) -> list[Scored]:
    """Rajendra Patil, accused on the Maharashtra FIR, and an inmate of that name held in
    `state` on `inmate_fir`; no relative on either record."""
    a = accused(
        "A",
        Person(name="RAJENDRA PATIL", gender=Gender.MALE),
        identifiers=(Identifier(type=IdType.FIR, value=FIR),),
    )
    inmate = scored(
        Source.EPRISONS,
        f"{state}/P/1",
        Kind.INMATE,
        Person(name="Rajendra Patil", gender=Gender.MALE),
        state=state,
        district=district,
        identifiers=(inmate_fir,),
    )
    return [a, inmate]


def test_an_inmate_whose_case_does_not_state_the_fir_s_state_joins_its_accused() -> None:
    """Held in Bihar on a Maharashtra FIR: the case names station 0412 and FIR 123/2024, not
    the state (a partial FIR). Grouping looked for a shared FIR among full FIRs only, so with
    no relative on the inmate's record the two were never compared."""
    stateless = Identifier(type=IdType.FIR, value="0412/2024/123", partial=True)
    [g] = group(_accused_and_inmate(stateless, "BR", "PATNA"), model=MODEL)
    assert any(e.level == "same FIR and police station" for e in g.links[0].evidence)


def test_full_firs_of_two_states_are_two_cases_though_station_and_number_repeat() -> None:
    """Station codes repeat from state to state: a Kerala inmate whose case states its FIR's
    state and a Maharashtra accused of the same station code, year and number are namesakes of
    two cases. Comparing FIRs without their state alone called that "same FIR"."""
    kerala = Identifier(type=IdType.FIR, value="KL/0412/2024/123")
    a, inmate = _accused_and_inmate(kerala, "KL", "THIRUVANANTHAPURAM")
    groups = group([a, inmate], model=MODEL)
    assert not together(groups, a.record.record_id, inmate.record.record_id)


def _missing_child(source: Source, native_id: str, name: str, father: str, **fields: Any) -> Scored:
    """A child reported missing, as KhoyaPaya (the given name; the reporting father a contact)
    or CCTNS (the full name, `F/O` the father) write it."""
    child = Person(
        role=PersonRole.MISSING,
        name=name,
        relative_name=father,
        relation=Relation.SON_OF if source is Source.KHOYAPAYA else Relation.FATHER_OF,
        gender=Gender.MALE,
        age_from=14,
        age_to=14,
        age_on=date(2023, 11, 29),
    )
    return scored(
        source, native_id, Kind.MISSING_PERSON, child, state="WB", district="KOLKATA", **fields
    )


def test_a_child_s_given_name_meets_the_full_name_through_the_father() -> None:
    """KhoyaPaya writes `Tapas`, son of `Sourav Ghosh`; CCTNS `TAPAS GHOSH`, F/O `SOURAV GHOSH`.
    A one-word name's blocking keys share nothing with a two-word name's pairs, so the two
    reports of one child were never compared; read with the father's surname they are (whether
    they then join is the weights': name, father, birth, gender and district)."""
    kp = _missing_child(Source.KHOYAPAYA, "KP-2023-WB-000001", "Tapas", "Sourav Ghosh")
    cctns = _missing_child(Source.CCTNS, "WB-PS5258-2024-MP-0001", "TAPAS GHOSH", "SOURAV GHOSH")
    pairs = _Pairs([kp, cctns], Readings(MODEL))
    pairs.index([0, 1])
    assert pairs.neighbours(0) == [(1, 1)]  # the father's name, and now a key of the name
    [g] = group([kp, cctns], model=load_model(None))  # the packaged, estimated weights
    assert {m.person.name for m in g.members} == {"Tapas", "TAPAS GHOSH"}  # the child, twice


def test_a_child_with_another_father_or_a_brother_is_not_joined() -> None:
    """The same given name and surname with a different father is another child; a brother
    (same father) has another given name: neither joins, however the names are keyed."""
    kp = _missing_child(Source.KHOYAPAYA, "KP-1", "Tapas", "Sourav Ghosh")
    other = _missing_child(Source.CCTNS, "WB-PS1-2024-MP-1", "TAPAS GHOSH", "BIMAL GHOSH")
    brother = _missing_child(Source.CCTNS, "WB-PS1-2024-MP-2", "RAJU GHOSH", "SOURAV GHOSH")
    for weights in (MODEL, load_model(None)):
        assert len(group([kp, other, brother], model=weights)) == 3


def test_a_strong_link_overrides_a_disagreement_and_shows_it() -> None:
    dl = (Identifier(type=IdType.DRIVING_LICENCE, value="MH1420110062821"),)
    a = accused("A", Person(name="RAJENDRA PATIL", birth_year=1980), identifiers=dl)
    b = scored(
        Source.SARATHI,
        "MH1420110062821",
        Kind.DRIVING_LICENCE,
        Person(name="Rajendra Patil", birth_date=date(1990, 2, 11)),
        identifiers=dl,
    )
    [g] = group([a, b], [("cctns:A", "sarathi:MH1420110062821", "driving_licence")], model=MODEL)
    [link] = g.links
    assert link.kind == "index" and link.conflicts == ("different birth year",)


def test_a_supervisors_confirmation_joins_and_shows_the_disagreement() -> None:
    a = accused("A", Person(name="RAJENDRA PATIL", birth_year=1980))
    b = accused("B", Person(name="RAJENDRA PATIL", birth_year=1990))
    same = Judgement("cctns:A", "cctns:B", Verdict.SAME, "same man, age misread", "sup:1", _T, "d")
    [g] = group([a, b], model=MODEL, judgements={("cctns:A", "cctns:B"): same})
    [link] = g.links
    assert link.kind == "manual" and "different birth year" in link.conflicts


def test_index_links_join_with_their_reason() -> None:
    a = accused("A", Person(name="RAJENDRA PATIL"), profile="c-1")
    b = accused("B", Person(name="RAJU"), 0.2, profile="c-1")
    [g] = group([a, b], [("cctns:A", "cctns:B", "fir")], model=MODEL)
    assert g.confidence == 0.9
    assert g.links[0].kind == "index" and "same FIR and police station" in g.links[0].reasons[0]


def test_same_index_profile_without_a_direct_link_still_joins() -> None:
    a = accused("A", Person(name="RAJENDRA PATIL"), profile="c-1")
    b = accused("B", Person(name="RAJU"), 0.2, profile="c-1")
    [g] = group([a, b], model=MODEL)
    assert g.links[0].reasons == ("linked at index time through other records",)


def test_profiles_ordered_by_confidence() -> None:
    weak = accused("W", Person(name="X Y"), 0.3, profile="c-w")
    strong = accused("S", Person(name="A B"), 0.95, profile="c-s")
    assert ids(group([weak, strong], model=MODEL)) == [{"cctns:S"}, {"cctns:W"}]


def test_keep_returns_the_shown_profiles_as_they_are_without_it() -> None:
    """`keep` builds only the profiles a search shows: the best ones reaching `shown_from`, with
    the same members, links and refusals as when every profile is built."""
    records = chain(
        Person(name="SREEJITH MENON", relative_name="RAMESH MENON", relation=Relation.SON_OF),
        Person(name="SREEJITH MENON"),
        Person(name="SREEJITH MENON", relative_name="MAHESH NAIR", relation=Relation.SON_OF),
    )
    records += [
        accused("W", Person(name="X Y"), 0.3, profile="c-w"),
        accused("V", Person(name="X Z"), 0.3, profile="c-w"),
        accused("S", Person(name="A B"), 0.95),
        accused("T", Person(name="A C"), 0.2),
    ]
    every = group(records, model=MODEL, shown_from=0.25)
    assert len(every) == 5
    for keep in (0, 1, 2, 3, 10):
        kept = group(records, model=MODEL, shown_from=0.25, keep=keep)
        shown = [g for g in every if g.confidence >= 0.25][:keep]
        assert ids(kept) == ids(shown)
        assert [(g.links, g.refused) for g in kept] == [(g.links, g.refused) for g in shown]
    assert any(g.refused for g in group(records, model=MODEL, shown_from=0.25, keep=2))


def test_birth_year_from_age_on_a_date() -> None:
    s = accused("A", Person(name="A", age_from=30, age_to=34, age_on=date(2024, 1, 1)))
    assert birth_year_of(s.person, s.record) == 1992

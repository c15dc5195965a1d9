"""Names that hold on records nobody here wrote (issue 15): a surname or an initial read off the
relative's name, a scanner's digits, keys one slip away, how common a name is, and what a query
gives beside the name. Real examples, on both sides of the comparison."""

from __future__ import annotations

from matching.api import (
    PersonQuery,
    analyse,
    corroboration_keys,
    inferred_keys,
    name_keys,
    score,
)
from matching.keys import near_keys, year_keys
from matching.parse import parse_name
from matching.relatives import INITIAL, SURNAME, inferred_from
from records import Gender, Person


def best(query: PersonQuery, records: list[Person]) -> list[float]:
    a = analyse(query)
    return [score(a, r).score for r in records]


def features(query: PersonQuery, record: Person, **kw: object) -> set[str]:
    return {r.feature for r in score(analyse(query), record, **kw).reasons}  # type: ignore[arg-type]


# -- 1. the surname (or the initial) is in the relative, not in the name ---------------------------


def test_a_given_name_and_the_fathers_name_find_the_surname() -> None:
    query = PersonQuery(name="Ramesh", relative_name="Suresh Patil")
    right, marathi, other = best(
        query,
        [Person(name="RAMESH PATIL"), Person(name="Ramesh Suresh Patil"),
         Person(name="Ramesh Shinde")],
    )  # fmt: skip
    assert right > 0.8 and marathi > 0.8 and other < 0.1
    assert SURNAME in features(query, Person(name="RAMESH PATIL"))


def test_a_record_that_leaves_the_surname_to_the_relative_is_found_by_the_whole_name() -> None:
    query = PersonQuery(name="Ramesh Patil")
    beside = Person(name="RAMESH", relative_name="SURESH PATIL")
    inside = Person(name="RAMESH S/O SURESH PATIL")
    assert best(query, [beside, inside]) == [best(query, [beside])[0]] * 2
    assert best(query, [beside])[0] > 0.8
    assert SURNAME in features(query, inside)
    # and the index holds the keys of the name the record implies
    assert name_keys("Ramesh Patil") & inferred_keys("RAMESH", "SURESH PATIL")
    assert name_keys("Ramesh Patil") & inferred_keys("RAMESH S/O SURESH PATIL", None)


def test_a_tamil_initial_is_the_fathers_name() -> None:
    with_father = PersonQuery(name="K. Murugan", relative_name="Kandasamy")
    spelled, other = best(with_father, [Person(name="Murugan Kandasamy"),
                                        Person(name="Murugan Karuppan")])  # fmt: skip
    assert spelled > 0.8 and spelled > other
    bare = PersonQuery(name="Murugan", relative_name="Kandasamy")
    alone = best(PersonQuery(name="Murugan"), [Person(name="K. MURUGAN")])[0]
    assert best(bare, [Person(name="K. MURUGAN")])[0] > 5 * alone
    assert INITIAL in features(bare, Person(name="MURUGAN KANDASAMY"))
    # a record written as the son of Kandasamy is K. Murugan, more than Murugan alone is
    son, alone_ = best(PersonQuery(name="K. Murugan"),
                       [Person(name="MURUGAN S/O KANDASAMY"), Person(name="MURUGAN")])  # fmt: skip
    assert son > alone_


def test_a_sikh_daughter_of_a_singh_is_a_kaur_and_fathers_middle_names_are_not_surnames() -> None:
    forms = [f.text() for f in inferred_from("Harpreet", "Gurdev Singh", True)]
    assert "harprit kor" in forms
    assert not inferred_from("Sunita Devi", "Ram Kumar", True)  # Kumar is no family name
    assert not inferred_from("Rajesh Sharma", "Suresh Verma", False)  # has a surname already


# -- 2. records are noisy too: scanners' digits and slips in either name ---------------------------


def test_a_scanners_digits_are_read_as_the_letters_they_look_like() -> None:
    assert [f.text() for f in parse_name("RAJE5H SHARMA").forms] == ["rajes sarma"]
    assert {f.text() for f in parse_name("SUNI1").forms} == {"suni", "sunil"}  # I or l
    assert best(PersonQuery(name="Rajesh Sharma"), [Person(name="RAJE5H 5HARMA")])[0] > 0.9
    assert best(PersonQuery(name="Mohan Lal"), [Person(name="M0HAN 1AL")])[0] > 0.5


def test_a_scanners_letter_confusions_are_read_as_the_letters_meant() -> None:
    # `rn` for `m`, a lower-case `l` for a capital `I` and back: damaged words, not other names
    for query, record in [
        ("Salman Khan", "SALRNAN KHAN"),
        ("Vinod Kumar", "VlNOD KUMAR"),
        ("Mohini Shah", "MOHlNl SHAH"),
        ("Imran Khan", "lMRAN KHAN"),
        ("Sunil Rao", "SuniI Rao"),
    ]:
        damaged, clean = best(PersonQuery(name=query), [Person(name=record), Person(name=query)])
        assert 0.6 < damaged < clean, (query, record, damaged)
    # a real `rn` is not an `m` that makes another name the same
    assert best(PersonQuery(name="Kamal Singh"), [Person(name="KARNAIL SINGH")])[0] < 0.3


def test_pair_keys_one_slip_away_reach_names_no_key_of_their_own_reaches() -> None:
    for query, record in [
        ("R. Lalshmi", "R. LAKSHMI"),  # a letter lost
        ("Arif Malil", "A. Malik"),  # one changed
        ("V. Sebli", "V. SELVI"),  # two swapped
        ("M. Katrhik", "M. Karthik"),
    ]:
        assert not name_keys(query) & name_keys(record), (query, record)
        assert near_keys(parse_name(query).forms) & name_keys(record), (query, record)
    assert not near_keys(parse_name("Rajesh Kumar Sharma Verma").forms)  # pairs to spare


def test_a_word_two_slips_away_says_so_and_one_slip_or_a_spelling_does_not() -> None:
    def notes(query: str, record: str) -> list[tuple[str | None, str | None, float]]:
        reasons = score(analyse(PersonQuery(name=query)), Person(name=record)).reasons
        return [(r.query, r.record, r.weight) for r in reasons if r.feature == "edit_distance_2"]

    assert notes("Mahendra Singh", "MAHNDRE SINGH") == [("mahendra", "mahndre", 0.0)]
    assert notes("Harpreet Gill", "HARPEEET GILL") == []  # one slip
    assert notes("Rajesh Malhotra", "RAJSEH MALHOTRA") == []  # a swap is one slip
    assert notes("Lakshmi Devi", "LAXMI DEVI") == []  # a spelling, not a slip


# -- 3. scores mean something: common names count less, corroboration more -------------------------


def test_a_common_name_says_less_and_corroboration_brings_it_back() -> None:
    record = Person(name="Reshma Khan", birth_year=1990, gender=Gender.FEMALE)
    alone = PersonQuery(name="Reshma")
    rare = score(analyse(alone), record, frequency=2).score
    common = score(analyse(alone), record, frequency=500).score
    assert common < rare and common < 0.05
    told = PersonQuery(name="Reshma", birth_year=1990, gender="F", state="MH")
    assert score(analyse(told), record, state="MH", frequency=500).score > 2 * common
    assert "name_frequency" in features(alone, record, frequency=500)
    # without a frequency (comparing two records' names) a name counts as if it were unique
    assert score(analyse(PersonQuery(name="Reshma Khan")), record).score > 0.9


def test_a_relative_with_another_first_name_is_another_family_member() -> None:
    record = Person(name="Ramesh Patil", relative_name="Ganesh Patil")
    reasons = score(analyse(PersonQuery(name="Ramesh Patil", relative_name="Suresh Patil")),
                    record).reasons  # fmt: skip
    assert next(r for r in reasons if r.feature == "relative_name").weight < 0
    same = score(analyse(PersonQuery(name="Ramesh Patil", relative_name="Suresh")),
                 Person(name="Ramesh Patil", relative_name="Suresh Patil")).reasons  # fmt: skip
    assert next(r for r in same if r.feature == "relative_name").weight > 0


# -- 5. what the query gives beside the name steers retrieval ------------------------------------


def test_corroboration_keys_carry_the_relative_and_the_birth_years() -> None:
    a = analyse(PersonQuery(name="Ramesh Patil", relative_name="Suresh Patil", birth_year=1985))
    keys = corroboration_keys(a)
    assert "rel:b:PTL|SRS" in keys
    assert year_keys(frozenset({"t:RMS"}), 1983, 1987) <= keys  # the tolerance's two spans
    assert not keys & a.keys  # they lift what the name found, never retrieve by themselves
    assert year_keys(frozenset({"t:RMS", "b:PTL|RMS"}), 1985, 1985) == {"y:RMS|397"}


def test_agreement_is_the_score_without_the_names_frequency() -> None:
    """Grouping's query-time floor reads `agreement`: how well the names agree, on the scale
    two records are compared on, however common the name is in the index."""
    record = Person(name="Reshma Khan", birth_year=1990, gender=Gender.FEMALE)
    query = analyse(PersonQuery(name="Reshma Khan"))
    common = score(query, record, frequency=5000)
    assert common.score < 0.05 < 0.9 < common.agreement
    assert common.agreement == score(query, record).score == score(query, record).agreement

"""The names benchmark's data: what it holds and which people a query is a right answer for."""

import random
from collections import Counter

from bench.names.dataset import build
from bench.names.generate import Query
from bench.names.noise import keyboard, ocr
from bench.names.people import Person, population
from bench.names.pools import COMMUNITIES
from bench.names.queries import consistent, fits

HINDI = next(c for c in COMMUNITIES if c.name == "hindi")
TAMIL = next(c for c in COMMUNITIES if c.name == "tamil")


def person(pid: str, given: str, surname: str | None, father: list[str], year: int = 1980,
           house: str | None = None, comm=HINDI, alias: str | None = None) -> Person:  # fmt: skip
    return Person(pid, comm, "M", [given], [], surname, house, father, "S/O", year, "UP", alias)


RAMESH = person("a", "Ramesh", "Sharma", ["Suresh", "Sharma"])
NAMESAKE = person("b", "Ramesh", "Sharma", ["Mahesh", "Sharma"], year=1961)
RAKESH = person("c", "Rakesh", "Sharma", ["Suresh", "Sharma"])
MURUGAN = person("d", "Murugan", None, ["Kandasamy"], house="Kandasamy", comm=TAMIL)
MURUGAN_K = person("e", "Murugan", None, ["Karuppan"], house="Karuppan", comm=TAMIL)


def test_a_name_fits_namesakes_and_initials_but_not_other_names() -> None:
    assert fits(NAMESAKE, ["Ramesh", "Sharma"], RAMESH)
    assert fits(RAKESH, ["R.", "Sharma"], RAMESH)  # an initial fits any R.
    assert not fits(RAKESH, ["Ramesh", "Sharma"], RAMESH)
    assert fits(MURUGAN_K, ["K.", "Murugan"], MURUGAN)  # a Tamil initial: another K. father
    assert not fits(MURUGAN_K, ["Murugan", "Kandasamy"], MURUGAN)


def test_what_the_query_gives_beside_the_name_tells_namesakes_apart() -> None:
    plain = Query("Ramesh Sharma", "transliteration", "a")
    assert consistent(NAMESAKE, plain, RAMESH)
    assert not consistent(NAMESAKE, Query("x", "typo", "a", birth_year=1980), RAMESH)
    assert not consistent(NAMESAKE, Query("x", "typo", "a", relative_name="Suresh"), RAMESH)
    assert consistent(NAMESAKE, Query("x", "typo", "a", gender="M", state="UP"), RAMESH)


def test_damage_is_what_typing_and_scanning_do() -> None:
    rng = random.Random(1)
    assert ocr("SHARMA", rng) != "SHARMA"
    twice = keyboard("Ramesh", rng, edits=2)
    assert twice[0] == "R" and twice != "Ramesh"


def test_a_fifth_of_people_have_a_namesake_and_people_have_several_records() -> None:
    people = population(random.Random(2), 2000, "p")
    names = Counter(p.name_key for p in people)
    assert sum(1 for p in people if names[p.name_key] > 1) / len(people) >= 0.2
    data = build(seed=3, gallery_size=600, per_class=10)
    per_person = Counter(data.pid_of.values())
    assert sum(1 for n in per_person.values() if n > 1) / len(per_person) > 0.6


def test_labels_name_every_right_answer_and_negatives_have_none() -> None:
    data = build(seed=3, gallery_size=600, per_class=12)
    negatives = [q for q in data.queries if q.target is None]
    assert negatives and all(not q.also for q in negatives)
    several = [q for q in data.queries if q.also]
    assert several, "namesakes and initials make some queries fit several people"
    for q in several:
        assert q.target not in q.also and len(set(q.also)) == len(q.also)
        target = data.people.get(q.target) if q.target else None
        for pid in q.also:
            assert target is None or consistent(data.people[pid], q, target)
    classes = Counter(q.cls for q in data.queries)
    for cls in ("relative_surname", "south_initial", "one_word", "damaged_record"):
        assert classes[cls] > 0, cls

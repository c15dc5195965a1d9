"""Descriptions compared by meaning: each comparison on reports worded as people word them — a
true pair it finds, and a near miss it rejects, with the reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from alerts import clothing, languages, marks, matchers
from alerts.cases import FOUND, MISSING, Case
from alerts.evidence import Uniform
from alerts.persons import age, age_centre, compare, exclusions, place, timing

MISSING_CHILD = Case(
    record_id="khoyapaya:KP-2024-BR-000101",
    side=MISSING,
    source="khoyapaya",
    status="OPEN",
    state="BR",
    district="PATNA",
    police_station=None,
    station_name=None,
    event_date="2024-03-02",
    names=("Sonu",),
    gender="M",
    born_from=2014,
    born_to=2015,
    child=True,
    marks="burn mark on right hand, mole near left eye",
    clothing="red t-shirt, blue half pant",
    languages=("BHOJPURI", "HINDI"),
)
# Found nine days later in the neighbouring state, nameless, described by a shelter's staff.
FOUND_CHILD = Case(
    record_id="khoyapaya:KP-2024-UP-000388",
    side=FOUND,
    source="khoyapaya",
    status="OPEN",
    state="UP",
    district="VARANASI",
    police_station=None,
    station_name=None,
    event_date="2024-03-11",
    gender="M",
    born_from=2013,
    born_to=2017,
    child=True,
    marks="JALE KA NISHAN - RT. HAND",
    clothing="T shirt (lal) and shorts blue",
    languages=("HINDI",),
)


def test_marks_are_read_for_what_they_are_and_where() -> None:
    assert marks.read_marks("til below lt. eye") == (marks.MarkSeen("mole", "eye", "left"),)
    assert marks.read_marks("black spot on back of right hand") == (
        marks.MarkSeen("mole", "hand", "right"),
    )
    assert marks.read_marks("Janam ka nishan on face") == (
        marks.MarkSeen("birthmark", "face", None),
    )
    assert marks.read_marks("NIL") == () and marks.read_marks("no visible mark") == ()
    # a white patch is not a mole, however "spot"-like
    assert marks.read_marks("white spot on chin")[0].kind == "patch"


def test_the_same_mark_in_other_words_is_strong_evidence() -> None:
    evidence = marks.evidence(MISSING_CHILD, FOUND_CHILD, Uniform())
    assert evidence is not None and evidence.weight >= 1.5
    assert evidence.detail == marks.MarkLevel.SAME


def test_a_mark_vaguely_placed_says_less_and_another_kind_speaks_against() -> None:
    exact = marks.evidence(MISSING_CHILD, FOUND_CHILD, Uniform())
    near = marks.evidence(MISSING_CHILD, replace(FOUND_CHILD, marks="burn on arm"), Uniform())
    unsaid = marks.evidence(MISSING_CHILD, replace(FOUND_CHILD, marks="old burn scar"), Uniform())
    assert exact is not None and near is not None and unsaid is not None
    assert (near.detail, unsaid.detail) == (marks.MarkLevel.NEAR, marks.MarkLevel.KIND)
    assert 0 < near.weight < exact.weight and 0 < unsaid.weight < exact.weight
    # near miss: a tattoo on the right arm is not the burn on the right hand
    other = marks.evidence(
        MISSING_CHILD, replace(FOUND_CHILD, marks="tattoo on right arm"), Uniform()
    )
    assert other is not None and other.weight < 0 and other.detail == marks.MarkLevel.DIFFERENT


def test_a_mark_on_the_other_side_is_weak_evidence_not_a_contradiction() -> None:
    swapped = marks.evidence(
        MISSING_CHILD, replace(FOUND_CHILD, marks="mole near right eye"), Uniform()
    )
    exact = marks.evidence(
        MISSING_CHILD, replace(FOUND_CHILD, marks="til below left eye"), Uniform()
    )
    assert swapped is not None and exact is not None
    assert 0 <= swapped.weight < exact.weight and swapped.detail == marks.MarkLevel.SIDE


def test_clothing_is_compared_garment_by_garment_in_any_words() -> None:
    assert clothing.read_clothing("T shirt (lal) and shorts blue") == (
        clothing.Garment("tshirt", "red"),
        clothing.Garment("shorts", "blue"),
    )
    assert clothing.read_clothing("navy blue nikar with safed kurta") == (
        clothing.Garment("shorts", "navy"),
        clothing.Garment("kurta", "white"),
    )
    evidence = clothing.evidence(MISSING_CHILD, FOUND_CHILD, Uniform())
    assert evidence is not None and evidence.weight >= 1.5


def test_other_clothes_weeks_later_say_little_days_later_more() -> None:
    changed = replace(FOUND_CHILD, clothing="green frock")
    soon = clothing.evidence(MISSING_CHILD, replace(changed, event_date="2024-03-03"), Uniform())
    late = clothing.evidence(MISSING_CHILD, replace(changed, event_date="2024-04-20"), Uniform())
    assert soon is not None and late is not None
    assert soon.weight < late.weight <= 0
    # near miss: the same garment in another colour is against, not for
    blue_shirt = clothing.evidence(
        MISSING_CHILD, replace(FOUND_CHILD, clothing="blue t-shirt"), Uniform()
    )
    assert blue_shirt is not None and blue_shirt.weight < 0


def test_languages_by_their_one_name() -> None:
    bengali = replace(MISSING_CHILD, languages=("BANGLA",))
    found = replace(FOUND_CHILD, languages=("BENGALI", "HINDI"))
    evidence = languages.evidence(bengali, found, Uniform())
    assert evidence is not None and evidence.weight > 0
    # a Bhojpuri speaker written down as speaking Hindi shares it; Tamil does not
    assert (languages.evidence(MISSING_CHILD, FOUND_CHILD, Uniform()) or evidence).weight > 0
    tamil = languages.evidence(MISSING_CHILD, replace(FOUND_CHILD, languages=("TAMIL",)), Uniform())
    assert tamil is not None and tamil.weight < 0


def test_age_ranges_overlap_and_a_narrow_estimate_says_more() -> None:
    wide = age(MISSING_CHILD, replace(FOUND_CHILD, born_from=2010, born_to=2018), Uniform())
    narrow = age(MISSING_CHILD, replace(FOUND_CHILD, born_from=2014, born_to=2016), Uniform())
    assert wide is not None and narrow is not None and narrow.weight > wide.weight >= 0
    # a finder's estimate one year off is against, not excluded
    off = replace(FOUND_CHILD, born_from=2016, born_to=2019)
    assert exclusions(MISSING_CHILD, off) is None
    evidence = age(MISSING_CHILD, off, Uniform())
    assert evidence is not None and evidence.weight < 0
    # near miss: five years off cannot be the same child
    assert exclusions(MISSING_CHILD, replace(FOUND_CHILD, born_from=2019, born_to=2021))


def test_an_age_near_the_middle_of_the_estimate_says_more_than_one_at_its_end() -> None:
    # found aged 7 to 11 (born 2013-2017): the missing child, born 2014-2015, is near the middle
    middle = age_centre(
        MISSING_CHILD, replace(FOUND_CHILD, born_from=2013, born_to=2017), Uniform()
    )
    end = age_centre(MISSING_CHILD, replace(FOUND_CHILD, born_from=2014, born_to=2019), Uniform())
    assert middle is not None and end is not None
    assert middle.weight > 0 > end.weight
    assert (middle.detail, end.detail) == ("near its middle", "towards its end")
    # read the same whichever report carries the estimate
    swapped = age_centre(
        replace(MISSING_CHILD, born_from=2013, born_to=2017),
        replace(FOUND_CHILD, born_from=2014, born_to=2015),
        Uniform(),
    )
    assert swapped is not None and swapped.weight == middle.weight
    # near misses: two stated ages are not estimates; outside the estimate `age` has spoken
    exact = replace(FOUND_CHILD, born_from=2014, born_to=2015)
    assert age_centre(MISSING_CHILD, exact, Uniform()) is None
    outside = replace(FOUND_CHILD, born_from=2016, born_to=2019)
    assert age_centre(MISSING_CHILD, outside, Uniform()) is None


def test_found_sooner_says_more_and_without_a_cliff_at_a_months_end() -> None:
    def after(days: int) -> float:
        found = replace(FOUND_CHILD, event_date=(date(2024, 3, 2) + timedelta(days)).isoformat())
        evidence = timing(MISSING_CHILD, found, Uniform())
        assert evidence is not None
        return evidence.weight

    weights = [after(d) for d in (0, 3, 9, 29, 31, 60, 120, 400, 900)]
    assert weights == sorted(weights, reverse=True)
    assert weights[0] == weights[1] == 1.4 and weights[-1] == -1.0
    assert after(9) > after(29) and after(29) - after(31) < 0.05
    # two years later speaks against: a report that old is seldom the same child's
    assert after(900) < 0 < after(60)


def test_found_before_going_missing_is_excluded() -> None:
    early = replace(FOUND_CHILD, event_date="2024-02-20")
    assert exclusions(MISSING_CHILD, early) == "found before going missing"


def test_a_neighbouring_state_is_nearer_than_across_the_country() -> None:
    near = place(MISSING_CHILD, FOUND_CHILD, Uniform())
    far = place(MISSING_CHILD, replace(FOUND_CHILD, state="KL", district="ERNAKULAM"), Uniform())
    assert near is not None and far is not None and near.weight > far.weight


def test_the_true_child_ranks_first_and_is_sent_the_look_alike_is_not() -> None:
    # near miss: same age, sex, place and time, but another mark, other clothes, Tamil
    look_alike = replace(
        FOUND_CHILD,
        record_id="khoyapaya:KP-2024-UP-000390",
        marks="cut mark on chin",
        clothing="school uniform",
        languages=("TAMIL",),
    )
    ranked = matchers.ranked(MISSING_CHILD, [look_alike, FOUND_CHILD])
    assert ranked[0].b.record_id == FOUND_CHILD.record_id
    sent = matchers.to_send(MISSING_CHILD, [look_alike, FOUND_CHILD])
    assert [m.b.record_id for m in sent] == [FOUND_CHILD.record_id]
    match = compare(MISSING_CHILD, look_alike)
    assert match is not None and match.score < matchers.THRESHOLDS["missing_child_found"]


def test_hindi_on_one_side_says_little_against_a_punjabi_child() -> None:
    punjabi = replace(MISSING_CHILD, languages=("PUNJABI",))
    link = languages.evidence(punjabi, FOUND_CHILD, Uniform())  # the found report says only Hindi
    other = languages.evidence(punjabi, replace(FOUND_CHILD, languages=("TAMIL",)), Uniform())
    assert link is not None and other is not None and other.weight < link.weight == 0.0


def test_wordings_the_simulator_never_writes_are_read_too() -> None:
    assert marks.read_marks("old stitch marks on forehead; lahsun on neck") == (
        marks.MarkSeen("scar", "forehead", None),
        marks.MarkSeen("birthmark", "neck", None),
    )
    assert clothing.read_clothing("wine coloured kameez, black pajama") == (
        clothing.Garment("shirt", "maroon"),
        clothing.Garment("pyjama", "black"),
    )
    assert languages.read_languages("Asomiya / Oriya") == ("assamese", "odia")
    # an unknown word is left out, not guessed
    assert (
        clothing.read_clothing("colourful clothes") == ()
        and languages.read_languages("mother tongue") == ()
    )

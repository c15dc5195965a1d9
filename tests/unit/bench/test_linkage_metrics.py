"""The linkage benchmark's measures, on clusterings small enough to count by hand."""

from __future__ import annotations

from bench.linkage.metrics import BCubed, Pairwise, Profiles, Splits, people_in

TRUTH = {
    "cctns:a1": frozenset({"P1"}),
    "vahan:a2": frozenset({"P1"}),
    "sarathi:a3": frozenset({"P1"}),
    "cctns:b1": frozenset({"P2"}),
    "ncrp:ab": frozenset({"P1", "P2"}),  # a complaint naming both as suspects
}


def test_pairwise_counts_per_source_pair() -> None:
    measured = Pairwise()
    measured.add([{"cctns:a1", "vahan:a2", "cctns:b1"}, {"sarathi:a3"}], TRUTH)
    assert measured.true_positive == {"cctns–vahan": 1}
    assert measured.false_positive == {"cctns–cctns": 1, "cctns–vahan": 1}
    assert measured.false_negative == {"cctns–sarathi": 1, "sarathi–vahan": 1}
    assert measured.precision() == 1 / 3
    assert measured.recall() == 1 / 3
    assert measured.precision("cctns–vahan") == 0.5


def test_bcubed_per_record() -> None:
    measured = BCubed()
    measured.add([{"cctns:a1", "vahan:a2"}, {"cctns:b1"}], TRUTH)
    assert measured.precision == 1.0 and measured.recall == 1.0
    split = BCubed()
    split.add([{"cctns:a1"}, {"vahan:a2"}], TRUTH)
    assert split.precision == 1.0 and split.recall == 0.5


def test_a_profile_of_two_people_is_mixed_and_a_shared_record_is_not() -> None:
    assert people_in({"cctns:a1", "cctns:b1"}, TRUTH) == 2
    assert people_in({"cctns:a1", "ncrp:ab", "vahan:a2"}, TRUTH) == 1
    profiles = Profiles()
    profiles.add([{"cctns:a1", "cctns:b1"}, {"cctns:a1", "vahan:a2"}, {"sarathi:a3"}], TRUTH)
    assert (profiles.multi_record, profiles.mixed) == (2, 1)


def test_a_found_person_in_two_profiles_is_split() -> None:
    splits = Splits()
    splits.add("P1", [{"cctns:a1", "vahan:a2"}, {"sarathi:a3"}], TRUTH)
    splits.add("P2", [{"cctns:b1"}], TRUTH)
    splits.add("P3", [{"cctns:b1"}], TRUTH)  # not found: not counted
    assert (splits.found, splits.split) == (2, 1)
    assert splits.by_pair == {"cctns–sarathi": 1}

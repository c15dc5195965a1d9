"""Canonical spellings: one per name however it is spelled."""

import pytest

from matching.phonetic import canonical, coarse


@pytest.mark.parametrize(
    "family",
    [
        ["Mohammed", "Mohammad", "Muhammad", "Mohd", "Md", "Mohamed"],
        ["Laxmi", "Lakshmi", "Luxmi"],
        ["Chaudhary", "Chowdhury", "Choudhary", "Chaudhari"],
        ["Srinivas", "Shrinivas", "Sreenivas", "Srinivasa"],
        ["Sheikh", "Shaikh"],
        ["Syed", "Sayyed", "Sayed"],
        ["Qureshi", "Kureshi"],
        ["Rajendra", "Rajender", "Rajinder"],
        ["Gurpreet", "Gurprit"],
        ["Dnyaneshwar", "Gyaneshwar", "Jnaneshwar"],
        ["Vishwanath", "Vishvanath"],
        ["Pandey", "Pande"],
        ["Siddaramaiah", "Siddaramayya", "Siddaramaiya"],
        ["Subbaiah", "Subbayya", "Subbaya"],
        ["Patnaik", "Pattanayak", "Pattanaik"],
        ["Ramaswamy", "Ramasamy", "Ramaswami", "Ramasami"],  # -swamy/-samy, any name before it
        ["Muthuswamy", "Muthusamy"],
        ["Abdul", "Abdur", "Abdus"],  # Abdur Rahman, Abdus Salam: the article assimilated
    ],
)
def test_variant_families_share_one_canonical_spelling(family: list[str]) -> None:
    assert len({canonical(x.lower()) for x in family}) == 1, family


@pytest.mark.parametrize(
    ("a", "b"),
    [("Senthil", "Sendil"), ("Kandasamy", "Gandasami"), ("Vijay", "Bijay"), ("Sourav", "Saurabh")],
)
def test_coarse_keys_bridge_what_scripts_lose(a: str, b: str) -> None:
    assert coarse(canonical(a.lower())) == coarse(canonical(b.lower()))


@pytest.mark.parametrize(("a", "b"), [("Ramesh", "Suresh"), ("Irfan", "Imran"), ("Patil", "Gill")])
def test_different_names_stay_different(a: str, b: str) -> None:
    assert canonical(a.lower()) != canonical(b.lower())

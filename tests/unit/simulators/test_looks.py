"""A missing person's reports describe one appearance, with the noise real reports carry: the
found report mostly agrees with the missing one by meaning, never always, and rarely in the
same words."""

from __future__ import annotations

import random

from alerts.clothing import read_clothing
from alerts.marks import read_marks
from simulators.world import looks


def _pairs(n: int) -> list[tuple[looks.Look, random.Random, random.Random]]:
    out = []
    for i in range(n):
        look = looks.look_of(7, f"P{i:07d}", "hindi", "MF"[i % 2], child=True)
        out.append((look, random.Random(f"m{i}"), random.Random(f"f{i}")))
    return out


def test_the_look_is_the_persons_and_the_same_every_time() -> None:
    assert looks.look_of(7, "P0000001", "tamil", "F", True) == looks.look_of(
        7, "P0000001", "tamil", "F", True
    )
    assert looks.look_of(7, "P0000001", "tamil", "F", True).languages == ("Tamil",)


def test_found_reports_agree_by_meaning_mostly_not_always_and_rarely_word_for_word() -> None:
    both = agree = verbatim = 0
    for look, m_rng, f_rng in _pairs(400):
        missing = looks.describe_marks(look, m_rng, found=False, child=True)
        found = looks.describe_marks(look, f_rng, found=True, child=True)
        kinds_m = {x.kind for x in read_marks(missing)}
        kinds_f = {x.kind for x in read_marks(found)}
        if kinds_m and kinds_f:
            both += 1
            agree += bool(kinds_m & kinds_f)
            verbatim += missing == found
    assert both > 100
    assert 0.7 < agree / both < 0.98
    assert verbatim / both < 0.2


def test_a_finders_age_estimate_is_off_by_a_year_or_two_sometimes_more() -> None:
    rng = random.Random(3)
    estimates = [looks.estimate_age(9, rng) for _ in range(500)]
    inside = sum(low <= 9 <= high for low, high in estimates)
    assert 0.8 < inside / 500 < 1.0
    assert all(1 <= low < high for low, high in estimates)


def test_clothes_are_changed_more_often_the_later_a_child_is_found() -> None:
    def same_top(days: int) -> int:
        hits = 0
        for look, _, f_rng in _pairs(300):
            said = looks.describe_clothing(look, f_rng, days_later=days, gender="M")
            worn = {g.item for g in read_clothing(said)}
            hits += look.top[1] in worn
        return hits

    assert same_top(2) > same_top(40) > 0

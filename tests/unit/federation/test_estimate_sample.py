"""The linkage estimate's sample of person records is a function of the records, not of the order
an index reads them in (the order they arrived in)."""

from __future__ import annotations

import random

from federation.estimate import sample_sides
from records import Kind, Person, Record, Source
from tests.plugins.backends import make


def _accused(n: int) -> Record:
    return make(
        Source.CCTNS, f"MH-PS0001-2024-{n:04d}-A1", Kind.ACCUSED, people=(Person(name=f"P {n}"),)
    )


def test_the_sample_is_the_same_in_any_order() -> None:
    records = [_accused(n) for n in range(40)]
    first = sample_sides(records, 10, seed=0)
    assert first.records == 40
    chosen = [s.record_id for s in first.sides]
    assert len(set(chosen)) == 10 and chosen == sorted(chosen)
    rng = random.Random(1)
    for _ in range(5):
        shuffled = records[:]
        rng.shuffle(shuffled)
        assert [s.record_id for s in sample_sides(shuffled, 10, seed=0).sides] == chosen
    assert [s.record_id for s in sample_sides(records, 100, seed=0).sides] == sorted(
        r.record_id for r in records
    )

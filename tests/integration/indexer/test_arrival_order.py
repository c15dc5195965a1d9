"""The same records, written in different orders, give the same links, profiles, candidates and
search outcomes, on every engine reachable here (embedded always, OpenSearch when
`ICJS_TEST_OPENSEARCH_URL` is set). The harness is `bench.linkage.orders`; these are its
smallest cases, and one small simulated world."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import pytest

from bench.linkage.orders import (
    arrivals,
    compare_orders,
    fresh_index,
    planned_searches,
    world_records,
)
from indexer.backends.base import Backend, CandidateQuery, Filters
from indexer.links import MAX_HOLDERS
from matching.api import name_keys, name_text
from records import Identifier, IdType, Kind, Person, Record, Source
from tests.plugins.backends import FIR, make

ENGINES = ["embedded"] + (["opensearch"] if os.environ.get("ICJS_TEST_OPENSEARCH_URL") else [])


def _accused(native: str) -> Record:
    return make(
        Source.CCTNS,
        native,
        Kind.ACCUSED,
        state="MH",
        people=(Person(name="SURESH PATIL"),),
        identifiers=(Identifier(type=IdType.FIR, value=FIR),),
    )


def _inmate() -> Record:
    """An inmate of `_accused`'s FIR and name: the FIR does not say which co-accused he is."""
    return make(
        Source.EPRISONS,
        "I1",
        Kind.INMATE,
        state="MH",
        people=(Person(name="Suresh Patil"),),
        identifiers=(Identifier(type=IdType.FIR, value=FIR),),
    )


def _sharing_a_licence(n: int) -> list[Record]:
    """`n` accused of different names holding one DL number (a placeholder past `MAX_HOLDERS`)."""
    return [
        make(
            Source.CCTNS,
            f"MH-PS0001-2024-{i:04d}-A1",
            Kind.ACCUSED,
            people=(Person(name=f"PERSON {i}"),),
            identifiers=(Identifier(type=IdType.DRIVING_LICENCE, value="MH0000000000000"),),
        )
        for i in range(n)
    ]


def _links(backend: Backend, records: Sequence[Record]) -> set[tuple[str, str, str, str]]:
    return {(x.a, x.b, x.reason, x.key) for x in backend.links([r.record_id for r in records])}


@pytest.mark.parametrize("engine", ENGINES)
def test_an_inmate_fitting_two_co_accused_is_linked_to_neither_whatever_came_first(
    engine: str, tmp_path: Path
) -> None:
    """Two co-accused of one FIR of one name and an inmate of it: the FIR does not say which of
    them he is. Written inmate first, the first co-accused used to keep the link it made
    before the second arrived."""
    inmate = _inmate()
    records = [_accused("A1"), _accused("A2"), inmate]
    orders = [[[r] for r in order] for order in itertools.permutations(records)]
    for batches in [*orders, [records]]:
        with fresh_index(engine, tmp_path) as backend:
            for batch in batches:
                assert not backend.upsert(batch).failed
            backend.flush()
            assert _links(backend, records) == set(), [r.record_id for b in batches for r in b]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_delete_leaves_the_links_of_the_records_that_stay(engine: str, tmp_path: Path) -> None:
    """Deleting the co-accused who made an inmate ambiguous, or the holders that made a key a
    placeholder, gives the links of an index that never held them."""
    inmate = _inmate()
    shared = _sharing_a_licence(MAX_HOLDERS + 3)
    kept = [_accused("A1"), inmate, *shared[:MAX_HOLDERS]]
    extra = [_accused("A2"), *shared[MAX_HOLDERS:]]
    with fresh_index(engine, tmp_path) as never:
        assert not never.upsert(kept).failed
        never.flush()
        expected = _links(never, kept)
    assert ("cctns:A1", "eprisons:I1", "fir") in {x[:3] for x in expected}
    assert sum(x[2] == "driving_licence" for x in expected) == MAX_HOLDERS * (MAX_HOLDERS - 1) // 2
    with fresh_index(engine, tmp_path) as backend:
        for record in [*kept, *extra]:
            assert not backend.upsert([record]).failed
        backend.delete([r.record_id for r in extra])
        backend.flush()
        assert _links(backend, kept) == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_an_update_that_leaves_a_fir_re_decides_its_holders(engine: str, tmp_path: Path) -> None:
    """The second co-accused's FIR corrected to another case: the inmate is then linked to the
    first, as in an index that held the corrected record from the start."""
    inmate = _inmate()
    first, second = _accused("A1"), _accused("A2")
    corrected = second.model_copy(
        update={
            "identifiers": (Identifier(type=IdType.FIR, value="MH/0412/2024/999"),),
            "provenance": second.provenance.model_copy(
                update={"source_updated_at": second.provenance.source_updated_at.replace(hour=11)}
            ),
        }
    )
    with fresh_index(engine, tmp_path) as never:
        assert not never.upsert([first, inmate, corrected]).failed
        never.flush()
        expected = _links(never, [first, inmate, corrected])
    assert ("cctns:A1", "eprisons:I1", "fir") in {x[:3] for x in expected}
    with fresh_index(engine, tmp_path) as backend:
        for record in (first, second, inmate, corrected):
            assert backend.upsert([record]).indexed == 1
        backend.flush()
        assert _links(backend, [first, inmate, corrected]) == expected


@pytest.mark.parametrize("engine", ENGINES)
def test_a_key_that_became_a_placeholder_links_nothing_whatever_came_first(
    engine: str, tmp_path: Path
) -> None:
    """A DL number held by more than `MAX_HOLDERS` records is a placeholder: written one batch
    of them at a time, the links it made while it had fewer used to stay."""
    records = _sharing_a_licence(MAX_HOLDERS + 5)
    for batches in ([records], [records[:MAX_HOLDERS], records[MAX_HOLDERS:]]):
        with fresh_index(engine, tmp_path) as backend:
            for batch in batches:
                assert not backend.upsert(batch).failed
            backend.flush()
            assert _links(backend, records) == set()


@pytest.mark.parametrize("engine", ENGINES)
def test_records_scoring_alike_are_cut_by_record_id_not_by_arrival(
    engine: str, tmp_path: Path
) -> None:
    """Twenty namesakes, a limit of five: the five kept are those of the smallest record ids,
    whichever arrived first; by name keys, through a filter, and by fuzzy text alone."""
    records = [
        make(
            Source.CCTNS,
            f"MH-PS0002-2024-{n:04d}-A1",
            Kind.ACCUSED,
            state="MH",
            people=(Person(name="RAMESH KUMAR YADAV"),),
        )
        for n in range(20)
    ]
    smallest = sorted(r.record_id for r in records)[:5]
    name = "Ramesh Kumar Yadav"
    queries = [
        CandidateQuery(name_keys=name_keys(name), limit=5),
        CandidateQuery(
            name_keys=name_keys(name), limit=5, filters=Filters(states=frozenset({"MH"}))
        ),
        CandidateQuery(name_text=name_text(name), limit=5),
    ]
    for order in (records, records[::-1]):
        with fresh_index(engine, tmp_path) as backend:
            for record in order:
                assert not backend.upsert([record]).failed
            backend.flush()
            for query in queries:
                found = [c.record.record_id for c in backend.candidates(query)]
                assert found == smallest, query


def test_a_small_world_gives_the_same_answers_in_every_order(tmp_path: Path) -> None:
    """A simulated world's records: the sources in turn, reversed, shuffled; the links, the
    profiles, the candidates and the search outcomes of each index equal the first's (and,
    with a node, the cluster's equal the embedded index's)."""
    records = world_records(11, 300, tmp_path)
    orders = arrivals(records, 1, 11)
    del orders["one record a write, reversed"]  # a thousand transactions: the bench runs it
    searches = planned_searches(records, 40, 11)
    found = compare_orders(ENGINES, records, orders, searches, tmp_path)
    differing = {k: d.counts() for k, d in found.items() if any(d.counts().values())}
    assert differing == {}

"""Embedded candidate retrieval: the cheaper plan returns what the plain SQL returns."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from indexer.backends import sqlite_sql as sql
from indexer.backends.base import CandidateQuery, Filters, LabelRule
from indexer.backends.embedded import EmbeddedBackend
from indexer.backends.sqlite_search import _key_hits
from matching.api import name_keys, name_text
from records import Kind, Person, Record, Sensitivity, Source
from tests.plugins.backends import T0, make

FIRST = ["RAMESH", "RAMESH KUMAR", "RAMESH K", "SURESH", "RAMESHWAR"]
LAST = ["PATIL", "PAATIL", "PATEL", "SHINDE"]


def world(n: int) -> list[Record]:
    """Names sharing more or fewer keys with "Ramesh Patil"; every third record labelled
    sexual offence, states alternating, so that filters remove some of the best-counted ones."""
    return [
        make(
            Source.CCTNS,
            f"P-{i:05d}",
            Kind.ACCUSED,
            state=["MH", "KA", "UP"][i % 3],
            sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE}) if i % 3 == 0 else frozenset(),
            people=(Person(name=f"{FIRST[i % 5]} {LAST[(i // 5) % 4]}"),),
        )
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedBackend:
    backend = EmbeddedBackend(tmp_path_factory.mktemp("search") / "icjs.db")
    assert not backend.upsert(world(400)).failed
    return backend


def plain_key_hits(
    backend: EmbeddedBackend, keys: list[str], filters: Filters, limit: int
) -> list[tuple[int, int]]:
    """The plan this module replaced: join every posting to its row, filter, count, cut."""
    where, params = sql.filter_sql(filters)
    with backend.file.read() as (con, v):
        return [
            (rid, hits)
            for rid, hits in con.execute(
                f"SELECT k.rid, COUNT(*) FROM keys_v{v} k JOIN records_v{v} r ON r.rid = k.rid "
                f"WHERE k.key IN ({sql.placeholders(len(keys))}) AND {where} "
                "GROUP BY k.rid ORDER BY COUNT(*) DESC, k.rid LIMIT ?",
                [*keys, *params, limit],
            )
        ]


FILTERS = {
    "none": Filters(),
    "hidden label": Filters(hidden=(LabelRule(Sensitivity.SEXUAL_OFFENCE),)),
    "label except own state": Filters(
        hidden=(LabelRule(Sensitivity.SEXUAL_OFFENCE, frozenset({"MH"})),)
    ),
    "one state": Filters(states=frozenset({"UP"})),
    "nothing": Filters(kinds=frozenset()),
}


@pytest.mark.parametrize("label", list(FILTERS))
@pytest.mark.parametrize("limit", [1, 7, 50, 1000])
def test_key_hits_equal_the_plain_join(backend: EmbeddedBackend, label: str, limit: int) -> None:
    keys = sorted(name_keys("Ramesh Patil"))
    filters = FILTERS[label]
    expected = plain_key_hits(backend, keys, filters, limit)
    where, params = sql.filter_sql(filters)
    with backend.file.read() as (con, v):
        got = _key_hits(con, v, keys, where, params, limit)[0] if where != "0" else []
    assert got == expected
    if label == "one state" and limit == 50:
        assert len(got) == 50  # the filter removed two thirds: several chunks were needed


def test_candidates_in_order_within_filters(backend: EmbeddedBackend) -> None:
    filters = FILTERS["hidden label"]
    query = CandidateQuery(
        name_keys=name_keys("Ramesh Patil"),
        name_text=name_text("Ramesh Patil"),
        filters=filters,
        limit=40,
    )
    got = backend.candidates(query)
    assert len(got) == 40
    assert all(Sensitivity.SEXUAL_OFFENCE not in c.record.sensitivity for c in got)
    scores = [c.retrieval_score for c in got]
    assert scores == sorted(scores, reverse=True)


def test_a_rewritten_record_is_parsed_again(tmp_path: Path) -> None:
    backend = EmbeddedBackend(tmp_path / "icjs.db")
    first = make(Source.CCTNS, "X-1", Kind.ACCUSED, people=(Person(name="RAMESH PATIL"),))
    backend.upsert([first])
    query = CandidateQuery(name_keys=name_keys("Ramesh Patil"), limit=10)
    assert [c.record for c in backend.candidates(query)] == [first]
    second = make(
        Source.CCTNS,
        "X-1",
        Kind.ACCUSED,
        updated=T0 + timedelta(days=1),
        people=(Person(name="RAMESH PATIL", birth_year=1980),),
    )
    backend.upsert([second])
    assert [c.record for c in backend.candidates(query)] == [second]
    backend.close()


def test_decisive_keys_skip_the_fuzzy_query_without_changing_the_candidates(
    backend: EmbeddedBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With `limit` records sharing two keys or more, fuzzy-only records cannot get in: the
    candidates are those of the full plan. Their fuzzy share is taken from their own text, so a
    record beyond the full plan's BM25 cut gets it too (never more than 1, never less)."""
    import indexer.backends.sqlite_search as search

    query = CandidateQuery(
        name_keys=name_keys("Ramesh Patil"),
        name_text=name_text("Ramesh Patil"),
        filters=FILTERS["hidden label"],
        limit=20,
    )
    decided: list[bool] = []
    real = search._keys_decide

    def spy(hits: list[tuple[int, int]], shares: dict[int, float]) -> bool:
        decided.append(real(hits, shares))
        return decided[-1]

    monkeypatch.setattr(search, "_keys_decide", spy)
    shortcut = backend.candidates(query)
    assert decided == [True]
    monkeypatch.setattr(search, "_keys_decide", lambda hits, shares: False)
    full = backend.candidates(query)
    assert {c.record.record_id for c in shortcut} == {c.record.record_id for c in full}
    full_scores = {c.record.record_id: c.retrieval_score for c in full}
    for c in shortcut:
        assert (
            full_scores[c.record.record_id]
            <= c.retrieval_score
            <= (int(full_scores[c.record.record_id]) + 1)
        )
    wide = CandidateQuery(name_keys=query.name_keys, name_text=query.name_text, limit=1000)
    assert not search._keys_may_decide(wide, [(1, 5)] * 10)  # fewer than `limit`: fuzzy asked


def test_one_key_and_a_trigram_share_decide_too() -> None:
    """A record found only by fuzzy text scores at most 1: key records scoring more on one key
    plus their own share leave it no room (`E. Ajay`: every Ajay shares one key and `aja`,
    `jay`); one key record without a share scores 1 and could tie with it, so fuzzy is asked."""
    import indexer.backends.sqlite_search as search

    hits = [(1, 1), (2, 1), (3, 2)]
    assert search._keys_decide(hits, {1: 1.0, 2: 0.5})
    assert not search._keys_decide(hits, {1: 1.0})
    assert search._keys_decide([(1, 2), (2, 2)], {})

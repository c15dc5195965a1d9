"""The embedded backend's fuzzy query skips BM25 ranking when the vocabulary's counts show
every record holding an asked trigram fits within its limit: the scores it adds are those of the
ranked query it replaced, whether or not the limit binds (on a real FTS5 trigram index)."""

from __future__ import annotations

import sqlite3
from collections import defaultdict

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from indexer.backends import sqlite_sql as sql
from indexer.backends.sqlite_search import _all_fit, _fuzzy, _share
from indexer.documents import min_shared_grams, query_grams

# few letters, so that names share trigrams and the limit binds in some examples
words = st.text("aekn", min_size=3, max_size=7)
names = st.lists(st.lists(words, min_size=1, max_size=3).map(" ".join), max_size=60)


def _index(texts: list[str]) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute("CREATE VIRTUAL TABLE names_v1 USING fts5(text, tokenize='trigram')")
    con.execute(sql.vocab_ddl(1))
    con.execute("CREATE TABLE records_v1 (rid INTEGER PRIMARY KEY, record_id TEXT, state TEXT)")
    for rid, text in enumerate(texts, start=1):
        con.execute("INSERT INTO names_v1 (rowid, text) VALUES (?, ?)", (rid, text))
        record_id = f"x:{(rid * 37) % 101:03d}"  # not in the order of arrival
        state = "MH" if rid % 3 else "KA"
        con.execute("INSERT INTO records_v1 VALUES (?, ?, ?)", (rid, record_id, state))
    return con


def _ranked(
    con: sqlite3.Connection, grams: frozenset[str], where: str, params: list[object], limit: int
) -> dict[int, float]:
    """The query as it was: always ranked by BM25 (ties by record id)."""
    need = min_shared_grams(len(grams))
    counts = dict(con.execute("SELECT term, doc FROM names_v1_vocab"))
    scores: dict[int, float] = defaultdict(float)
    for rid, text in con.execute(
        "SELECT n.rowid, n.text FROM names_v1 n JOIN records_v1 r ON r.rid = n.rowid "
        f"WHERE n.text MATCH ? AND {where} ORDER BY n.rank, r.record_id LIMIT ?",
        [sql.fts_query(sql.rarest(grams, need, counts)), *params, limit * 2],
    ):
        share = _share(grams, need, text)
        if share:
            scores[rid] += share
    return dict(scores)


@settings(max_examples=150, deadline=None)
@given(names, st.lists(words, min_size=1, max_size=2).map(" ".join), st.integers(1, 12))
def test_the_scores_of_the_ranked_query(texts: list[str], query: str, limit: int) -> None:
    con = _index(texts)
    grams = query_grams(query)
    assume(grams)  # retrieval asks for fuzzy matches only with some (an honorific alone has none)
    for where, params in (("1", []), ("r.state = ?", ["KA"])):
        scores: dict[int, float] = defaultdict(float)
        _fuzzy(con, 1, grams, where, list(params), limit, scores)
        assert dict(scores) == _ranked(con, grams, where, list(params), limit)


def test_fits_only_on_counts_known_for_every_asked_trigram() -> None:
    assert _all_fit(["abc", "bcd"], {"abc": 3, "bcd": 4}, 7)
    assert not _all_fit(["abc", "bcd"], {"abc": 3, "bcd": 5}, 7)
    assert not _all_fit(["abc", "xyz"], {"abc": 1}, 7)  # unknown is not "held by none"

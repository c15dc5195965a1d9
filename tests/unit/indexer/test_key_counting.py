"""The embedded backend's key counting equals SQL's `GROUP BY rid ORDER BY COUNT(*) DESC, rid`,
which it replaced for speed: same records, same counts, same order, ties included."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.backends.sqlite_search import _counted, _key_hits

KEYS = [f"k{i}" for i in range(6)]
postings = st.dictionaries(
    st.sampled_from(KEYS), st.sets(st.integers(1, 60), max_size=40), max_size=len(KEYS)
)


def _index(postings: dict[str, set[int]]) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE TABLE keys_v1 (key TEXT, rid INTEGER, PRIMARY KEY (key, rid)) WITHOUT ROWID"
    )
    con.execute("CREATE TABLE records_v1 (rid INTEGER PRIMARY KEY, state TEXT)")
    con.executemany(
        "INSERT INTO keys_v1 VALUES (?, ?)", [(k, r) for k, rids in postings.items() for r in rids]
    )
    con.executemany(
        "INSERT INTO records_v1 VALUES (?, ?)", [(r, "MH" if r % 3 else "KA") for r in range(1, 61)]
    )
    return con


def _by_sql(con: sqlite3.Connection, keys: list[str]) -> list[tuple[int, int]]:
    return con.execute(
        f"SELECT rid, COUNT(*) FROM keys_v1 WHERE key IN ({','.join('?' * len(keys))}) "
        "GROUP BY rid ORDER BY COUNT(*) DESC, rid",
        keys,
    ).fetchall()


@settings(max_examples=200)
@given(postings, st.lists(st.sampled_from([*KEYS, "absent"]), min_size=1, unique=True))
def test_counting_is_the_group_by_it_replaced(
    postings: dict[str, set[int]], keys: list[str]
) -> None:
    con = _index(postings)
    rids, counts = _counted(con, 1, keys)
    assert list(zip(rids.tolist(), counts.tolist(), strict=True)) == _by_sql(con, keys)


@settings(max_examples=100)
@given(postings, st.lists(st.sampled_from(KEYS), min_size=1, unique=True), st.integers(1, 30))
def test_filtered_hits_are_the_best_counted_that_pass(
    postings: dict[str, set[int]], keys: list[str], limit: int
) -> None:
    con = _index(postings)
    state = {rid: st_ for rid, st_ in con.execute("SELECT rid, state FROM records_v1")}
    expected = [(rid, n) for rid, n in _by_sql(con, keys) if state[rid] == "KA"][:limit]
    assert _key_hits(con, 1, keys, "r.state = ?", ["KA"], limit) == expected
    assert _key_hits(con, 1, keys, "1", [], limit) == _by_sql(con, keys)[:limit]

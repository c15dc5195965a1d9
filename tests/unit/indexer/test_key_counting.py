"""The embedded backend's key counting equals SQL's `GROUP BY rid ORDER BY COUNT(*) DESC, rid`,
which it replaced for speed: same records, same counts, same order, ties included; boost keys
lift only records a name key found; key frequencies are the rarest held key's posting count.
Where a limit cuts records that score alike, those of the smallest record ids are kept (not of
the smallest rids: a rid is the order records arrived in)."""

from __future__ import annotations

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.backends.sqlite_search import _counted, _key_hits, _near_counted, key_frequencies

KEYS = [f"k{i}" for i in range(6)]
BOOSTS = [f"b{i}" for i in range(3)]
postings = st.dictionaries(
    st.sampled_from(KEYS + BOOSTS), st.sets(st.integers(1, 60), max_size=40), max_size=9
)


def _index(postings: dict[str, set[int]]) -> sqlite3.Connection:
    con = sqlite3.connect(":memory:")
    con.execute(
        "CREATE TABLE keys_v1 (key TEXT, rid INTEGER, PRIMARY KEY (key, rid)) WITHOUT ROWID"
    )
    con.execute("CREATE TABLE records_v1 (rid INTEGER PRIMARY KEY, record_id TEXT, state TEXT)")
    con.executemany(
        "INSERT INTO keys_v1 VALUES (?, ?)", [(k, r) for k, rids in postings.items() for r in rids]
    )
    con.executemany(
        "INSERT INTO records_v1 VALUES (?, ?, ?)",
        [(r, _record_id(r), "MH" if r % 3 else "KA") for r in range(1, 61)],
    )
    return con


def _record_id(rid: int) -> str:
    return f"x:{(rid * 37) % 61:02d}"  # not in the order of arrival


def _by_sql(
    con: sqlite3.Connection, keys: list[str], boosts: tuple[str, ...] = (), weight: float = 0.5
) -> list[tuple[int, float]]:
    marks = ",".join("?" * len(keys))
    lifts = ",".join("?" * len(boosts)) or "NULL"
    return con.execute(
        f"SELECT n.rid, COUNT(*) + ? * (SELECT COUNT(*) FROM keys_v1 b WHERE b.rid = n.rid "
        f"AND b.key IN ({lifts})) AS s FROM keys_v1 n WHERE n.key IN ({marks}) "
        "GROUP BY n.rid ORDER BY s DESC, n.rid",
        [weight, *boosts, *keys],
    ).fetchall()


@settings(max_examples=200)
@given(
    postings,
    st.lists(st.sampled_from([*KEYS, "absent"]), min_size=1, unique=True),
    st.lists(st.sampled_from([*BOOSTS, "absent"]), unique=True),
)
def test_counting_is_the_group_by_it_replaced(
    postings: dict[str, set[int]], keys: list[str], boosts: list[str]
) -> None:
    con = _index(postings)
    rids, scores, _ = _counted(con, 1, keys, boosts, 0.5)
    assert list(zip(rids.tolist(), scores.tolist(), strict=True)) == _by_sql(
        con, keys, tuple(boosts)
    )


@settings(max_examples=100)
@given(postings, st.lists(st.sampled_from(KEYS), min_size=1, unique=True), st.integers(1, 30))
def test_filtered_hits_are_the_best_counted_that_pass(
    postings: dict[str, set[int]], keys: list[str], limit: int
) -> None:
    con = _index(postings)
    state = {rid: st_ for rid, st_ in con.execute("SELECT rid, state FROM records_v1")}

    def best(passing: list[tuple[int, float]]) -> list[tuple[int, float]]:
        return sorted(sorted(passing, key=lambda x: (-x[1], _record_id(x[0])))[:limit])

    counted = _by_sql(con, keys)
    got = _key_hits(con, 1, keys, "r.state = ?", ["KA"], limit)[0]
    assert sorted(got) == best([(rid, n) for rid, n in counted if state[rid] == "KA"])
    assert sorted(_key_hits(con, 1, keys, "1", [], limit)[0]) == best(counted)


@settings(max_examples=100)
@given(postings, st.lists(st.sampled_from(KEYS), min_size=1, unique=True))
def test_frequencies_are_the_postings_of_the_rarest_key_held(
    postings: dict[str, set[int]], keys: list[str]
) -> None:
    con = _index(postings)
    rids, _, held = _counted(con, 1, keys)
    got = key_frequencies(rids.tolist(), held)
    for rid in rids.tolist():
        counts = [len(postings[k]) for k in keys if rid in postings.get(k, ())]
        assert got[rid] == min(counts)


def test_near_keys_find_only_what_no_name_key_found() -> None:
    con = _index({"k0": {1, 2}, "k1": {2, 3}, "k2": {4}, "b0": {3, 5}})
    rids, _, _ = _counted(con, 1, ["k0"])
    near, scores = _near_counted(con, 1, ["k1", "k2", "absent"], rids, ["b0"], 0.5, 0.5)
    # 2 holds a name key; 3 is lifted by its boost key; 5 holds only a boost key: not found
    assert list(zip(near.tolist(), scores.tolist(), strict=True)) == [(3, 1.0), (4, 0.5)]

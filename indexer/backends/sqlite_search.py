"""Candidate retrieval of the embedded backend, inside a read transaction the caller holds.

Kept apart from `embedded.py` (connections, transactions, lifecycle) so that the hot path of a
person search is in one place, and from `sqlite_store.py` (writes).

Three things make it cheaper than the plain SQL it replaces, without changing which records it
returns:

- **Name keys are counted before they are filtered.** "Records sharing the most keys, within the
  filters" used to join every posting to its record row to test the filters, then count, then
  keep the best `limit`: with a common surname that is tens of thousands of row look-ups for 300
  kept. Counting the postings alone and testing the filters on the best-counted records in
  order, a chunk at a time, until `limit` pass, keeps exactly the same records in the same order
  (the filters do not depend on the count) and looks up a few hundred rows. The counting
  itself is numpy's over each key's postings read as one string (`_counted`), not SQL's.
- **The fuzzy query is skipped when name keys decide.** A record found only by fuzzy text
  scores at most 1; when `limit` records each score more on keys (two keys or more, or one key
  and their own share of the query's trigrams, read from their name text), none can get in,
  and BM25 over every record holding one of the query's rarer trigrams (tens of thousands on a
  national index, most of a search's time) would only add to the scores of records already
  chosen. Same records, except that a key record the full plan's BM25 cut left without its
  share (scoring 1) could there lose a tie to a fuzzy-only record of smaller record id: here the key
  record stays. The order of records sharing as many keys may differ from the full plan's for
  the same reason. That order only decides among records the matcher scores equally (which of
  many equal namesakes come first, or within a result limit): see `bench.api.compare`.
- **The fuzzy query is not ranked when its limit cannot cut** (`_all_fit`): when the
  vocabulary's counts of the asked trigrams add up to no more than its limit, BM25's best are
  all of them, and what they add is summed per record and ordered by score and record id anyway.

Where a limit cuts among records that score alike, those of the smallest record ids are kept, at
every cut (keys, near keys, identifiers, BM25, the final one), as the cluster backend sorts: a
rid is the order records arrived in, and two indexes of the same records, filled in different
orders, must return the same candidates (`bench.linkage.orders`). The record ids of a tie group
are read only when a cut splits it.

No schema change: index files written before keep working as they are.

Parsed records are not cached across searches: a cache of 10,000 `Record`s doubled the objects
the garbage collector tracks and made each full collection (the p95 of a search) twice as long
for no gain in the mean (measured at 100,000 records).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict

import numpy as np
import numpy.typing as npt

from indexer.backends import sqlite_sql as sql
from indexer.backends.base import Candidate, CandidateQuery
from indexer.documents import min_shared_grams, query_grams
from records import record_from_index

_CHUNK = 500  # ids per IN (…) list


def _fetched(con: sqlite3.Connection, v: int, keys: list[str]) -> dict[str, npt.NDArray[np.int64]]:
    """The rids holding each of `keys` that any record holds, ascending, in `keys`' order: a
    range scan of the primary key per key, read as one string (`group_concat` visits the
    range in key order), in one statement per few hundred keys, not one per key (a search
    asks for a dozen or two name and boost keys, and a statement costs more than reading a
    short posting list)."""
    found: dict[str, npt.NDArray[np.int64]] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        for key, text in con.execute(
            f"SELECT key, group_concat(rid) FROM keys_v{v} "
            f"WHERE key IN ({sql.placeholders(len(chunk))}) GROUP BY key",
            chunk,
        ):
            if not text:
                continue
            rids = np.fromstring(text, dtype=np.int64, sep=",")
            if rids.size > 1 and not bool(np.all(rids[1:] > rids[:-1])):
                rids = np.unique(rids)  # not in order after all: never rely on it
            found[key] = rids
    return {key: found[key] for key in keys if key in found}


Postings = dict[str, npt.NDArray[np.int64]]


def _counted(
    con: sqlite3.Connection,
    v: int,
    keys: list[str],
    boosts: list[str] | None = None,
    weight: float = 0.5,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], Postings]:
    """(rids, scores, postings) of every record holding one of `keys`, best first, ties by rid:
    a record scores one per key of `keys` and `weight` per key of `boosts` (which retrieve
    nothing by themselves). `postings` are the keys' rids, for their frequencies. Counted with
    numpy on each key's postings: three times faster than SQL's GROUP BY, whose temporary
    B-tree took ~1 µs a posting (a common surname's key has tens of thousands at 1,000,000
    records)."""
    postings: Postings = _fetched(con, v, list(dict.fromkeys(keys)))
    if not postings:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64), postings
    rids, counts = np.unique(np.concatenate(list(postings.values())), return_counts=True)
    return (*_lifted(con, v, rids, counts.astype(np.float64), boosts, weight), postings)


def _near_counted(
    con: sqlite3.Connection,
    v: int,
    near: list[str],
    held: npt.NDArray[np.int64],
    boosts: list[str] | None,
    weight: float,
    near_weight: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """(rids, scores) of the records holding a key of `near` and none of the name keys (whose
    rids, ascending, are `held`): `near_weight` each, lifted by the boosts; best first."""
    found = _many_postings(con, v, near)
    if not found:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64)
    rids = np.setdiff1d(np.concatenate(found), held)  # sorted, distinct
    return _lifted(con, v, rids, np.full(rids.size, near_weight), boosts, weight)


def _lifted(
    con: sqlite3.Connection,
    v: int,
    rids: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64],
    boosts: list[str] | None,
    weight: float,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """`scores` of `rids` (ascending) plus `weight` per boost key each holds, best first, ties
    by rid."""
    fetched = _fetched(con, v, list(dict.fromkeys(boosts))) if boosts and rids.size else {}
    for key in boosts or ():
        found = fetched.get(key)
        if found is None:
            continue
        at = np.searchsorted(rids, found)
        held = at < rids.size
        held[held] = rids[at[held]] == found[held]
        scores[at[held]] += weight  # a key's rids are distinct: no index twice
    order = np.lexsort((rids, -scores))  # best first; ties by rid
    return rids[order], scores[order]


def _many_postings(con: sqlite3.Connection, v: int, keys: list[str]) -> list[npt.NDArray[np.int64]]:
    """The postings of many keys, most of them held by no record, in one statement each few
    hundred."""
    out: list[npt.NDArray[np.int64]] = []
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        for (text,) in con.execute(
            f"SELECT group_concat(rid) FROM keys_v{v} "
            f"WHERE key IN ({sql.placeholders(len(chunk))}) GROUP BY key",
            chunk,
        ):
            out.append(np.fromstring(text, dtype=np.int64, sep=","))
    return out


def key_frequencies(rids: list[int], postings: Postings) -> dict[int, int]:
    """For each of `rids`, how many records hold the rarest of the keys it holds (the length
    of that key's postings), for those holding any."""
    if not rids or not postings:
        return {}
    wanted = np.asarray(rids, dtype=np.int64)
    out = np.zeros(wanted.size, dtype=np.int64)
    for found in sorted(postings.values(), key=len):
        at = np.searchsorted(found, wanted)
        held = at < found.size
        held[held] = found[at[held]] == wanted[held]
        fresh = held & (out == 0)
        out[fresh] = found.size
    return {rid: int(n) for rid, n in zip(rids, out.tolist(), strict=True) if n}


def _key_hits(
    con: sqlite3.Connection,
    v: int,
    keys: list[str],
    where: str,
    params: list[object],
    limit: int,
    boosts: list[str] | None = None,
    weight: float = 0.5,
) -> tuple[list[tuple[int, float]], Postings]:
    """The `limit` records within the filters scoring best on `keys` (and `boosts`): (rid,
    score), best first (ties at the cut by record id: `_within`), and the keys' postings."""
    rids, scores, postings = _counted(con, v, keys, boosts, weight)
    return _within(con, v, rids, scores, where, params, limit), postings


def _within(
    con: sqlite3.Connection,
    v: int,
    rids: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64],
    where: str,
    params: list[object],
    limit: int,
) -> list[tuple[int, float]]:
    """The first `limit` of scored `rids` (best first, ties by rid) that pass the filters, where
    records scoring as much as the last one kept are taken by record id: a rid is
    the order records arrived in, and which of many equal records a search keeps must not
    depend on it (the cluster backend sorts on record id too)."""
    kept = _passing(con, v, rids, scores, where, params, limit)
    if len(kept) < limit:
        return kept  # every record passing: no cut
    last = kept[-1][1]
    tied = np.flatnonzero(scores == last)  # contiguous: `scores` is in order
    if rids[tied[-1]] == kept[-1][0]:
        return kept  # the last kept is the last scoring as much: the cut splits no tie
    above = [(rid, score) for rid, score in kept if score > last]
    chosen = _first_by_record_id(con, v, rids[tied].tolist(), where, params, limit - len(above))
    return above + [(rid, last) for rid in chosen]


def _passing(
    con: sqlite3.Connection,
    v: int,
    rids: npt.NDArray[np.int64],
    scores: npt.NDArray[np.float64],
    where: str,
    params: list[object],
    limit: int,
) -> list[tuple[int, float]]:
    """The first `limit` of scored `rids` (in their order) that pass the filters: tested on the
    records in that order, a chunk at a time, until `limit` have passed."""
    if where == "1":
        return list(zip(rids[:limit].tolist(), scores[:limit].tolist(), strict=True))
    out: list[tuple[int, float]] = []
    start, chunk = 0, limit + limit // 4 + 16  # most records pass: usually one round
    while len(out) < limit and start < len(rids):
        end = start + chunk
        counted = list(zip(rids[start:end].tolist(), scores[start:end].tolist(), strict=True))
        start = end
        passing: set[int] = set()
        for first in range(0, len(counted), _CHUNK):
            chunk_rids = [rid for rid, _ in counted[first : first + _CHUNK]]
            passing.update(
                rid
                for (rid,) in con.execute(
                    f"SELECT r.rid FROM records_v{v} r "
                    f"WHERE r.rid IN ({sql.placeholders(len(chunk_rids))}) AND {where}",
                    [*chunk_rids, *params],
                )
            )
        out.extend((rid, hits) for rid, hits in counted if rid in passing)
        chunk = min(chunk * 2, 8 * _CHUNK)
    return out[:limit]


def _first_by_record_id(
    con: sqlite3.Connection, v: int, rids: list[int], where: str, params: list[object], limit: int
) -> list[int]:
    """The `limit` of `rids` passing the filters with the smallest record ids, in that order:
    one statement (the rids as one JSON array), SQLite keeping the best `limit` as it reads."""
    return [
        rid
        for (rid,) in con.execute(
            f"SELECT r.rid FROM records_v{v} r "
            f"WHERE r.rid IN (SELECT value FROM json_each(?)) AND {where} "
            "ORDER BY r.record_id LIMIT ?",
            [json.dumps(rids), *params, limit],
        )
    ]


def candidate_scores(
    con: sqlite3.Connection, v: int, query: CandidateQuery
) -> tuple[list[tuple[int, float]], dict[int, int]]:
    """(rid, retrieval score) of the best `query.limit` candidates, best first, ties at every
    cut by record id (as the cluster backend breaks them; a rid is the order of arrival);
    and the key frequency of those sharing a name key (`Candidate.key_frequency`)."""
    scores: dict[int, float] = defaultdict(float)
    where, params = sql.filter_sql(query.filters)
    if where == "0":
        return [], {}
    key_hits: list[tuple[int, float]] = []
    postings: Postings = {}
    boosts = sorted(query.boost_keys)
    held = np.empty(0, dtype=np.int64)
    if query.name_keys:
        rids, points, postings = _counted(
            con, v, sorted(query.name_keys), boosts, query.boost_weight
        )
        key_hits = _within(con, v, rids, points, where, params, query.limit)
        for rid, hits in key_hits:
            scores[rid] += hits
        held = np.sort(rids)
    if query.near_keys and query.near_limit:
        rids, points = _near_counted(
            con, v, sorted(query.near_keys), held, boosts, query.boost_weight, query.near_weight
        )
        for rid, hits in _within(con, v, rids, points, where, params, query.near_limit):
            scores[rid] += hits
    if query.identifiers:
        clause, id_params = sql.identifier_sql(query.identifiers)
        rows = con.execute(
            f"SELECT i.rid, COUNT(*) FROM ids_v{v} i "
            f"JOIN records_v{v} r ON r.rid = i.rid "
            f"WHERE ({clause}) AND {where} GROUP BY i.rid "
            "ORDER BY COUNT(*) DESC, r.record_id LIMIT ?",
            [*id_params, *params, query.limit],
        )
        for rid, hits in rows:
            scores[rid] += 10.0 * hits
    grams = query_grams(query.name_text) if query.name_text else frozenset()
    if grams:
        if _keys_may_decide(query, key_hits):
            shares = _text_shares(con, v, grams, key_hits)
            decided = _keys_decide(key_hits, shares)
        else:
            shares, decided = {}, False
        if decided:
            for rid, share in shares.items():
                scores[rid] += share
        else:
            _fuzzy(con, v, grams, where, params, query.limit, scores)
    best = _best(con, v, scores, query.limit)
    return best, key_frequencies([rid for rid, _ in best], postings)


def _best(
    con: sqlite3.Connection, v: int, scores: dict[int, float], limit: int
) -> list[tuple[int, float]]:
    """The best `limit` of `scores`, ties by record id (as the cluster backend breaks them), not
    by rid (the order records arrived in): read only when the cut splits a tie."""
    ordered = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ordered) <= limit or ordered[limit - 1][1] != ordered[limit][1]:
        return ordered[:limit]
    record_ids = dict(
        con.execute(
            f"SELECT rid, record_id FROM records_v{v} "
            "WHERE rid IN (SELECT value FROM json_each(?))",
            [json.dumps(list(scores))],
        )
    )
    return sorted(ordered, key=lambda kv: (-kv[1], record_ids[kv[0]]))[:limit]


def _keys_may_decide(query: CandidateQuery, key_hits: list[tuple[int, float]]) -> bool:
    """Whether name keys found a full set to decide on. Not with identifier terms: there,
    records found by identifiers push key records out, and which ones go depends on the fuzzy
    bonus."""
    return not query.identifiers and bool(key_hits) and len(key_hits) >= query.limit


def _keys_decide(key_hits: list[tuple[int, float]], shares: dict[int, float]) -> bool:
    """Whether name keys, with each key record's own trigram share, already fix the candidate
    set: a record found only by fuzzy text scores at most 1 (its share of the query's trigrams),
    so when every key record scores more (two keys, or one key and some of the trigrams) none
    can enter. The fuzzy query (the costliest of a search on a large index: BM25 over every
    record holding one of the query's rarer trigrams, 200 ms for `E. Ajay` at 1,000,000
    records) is then skipped."""
    return min(hits + shares.get(rid, 0.0) for rid, hits in key_hits) > 1.0


def _text_shares(
    con: sqlite3.Connection, v: int, grams: frozenset[str], key_hits: list[tuple[int, float]]
) -> dict[int, float]:
    """The fuzzy share of the key candidates, from their own indexed name text: what they would
    gain as fuzzy matches, ordering records that share as many keys."""
    need = min_shared_grams(len(grams))
    rids = [rid for rid, _ in key_hits]
    shares: dict[int, float] = {}
    for start in range(0, len(rids), _CHUNK):
        chunk = rids[start : start + _CHUNK]
        for rid, text in con.execute(
            f"SELECT rowid, text FROM names_v{v} WHERE rowid IN ({sql.placeholders(len(chunk))})",
            chunk,
        ):
            share = _share(grams, need, text)
            if share:
                shares[rid] = share
    return shares


def _share(grams: frozenset[str], need: int, text: str) -> float:
    """The share of the query's trigrams in a record's name text, or 0 below `need` of them (a
    trigram has no space, so "in the text" is "in one of its words")."""
    shared = sum(map(text.__contains__, grams))  # no Python frame per trigram
    return shared / len(grams) if shared >= need else 0.0


def _fuzzy(
    con: sqlite3.Connection,
    v: int,
    grams: frozenset[str],
    where: str,
    params: list[object],
    limit: int,
    scores: dict[int, float],
) -> None:
    """Add the fuzzy matches: records within the filters holding at least half the query's
    trigrams, the best `2 × limit` by BM25, each scoring its share of the trigrams."""
    need = min_shared_grams(len(grams))
    counts = dict(
        con.execute(
            f"SELECT term, doc FROM names_v{v}_vocab "
            f"WHERE term IN ({sql.placeholders(len(grams))})",
            sorted(grams),
        )
    )
    asked = sql.rarest(grams, need, counts)
    # BM25 ties (namesakes: the same text) by record id, not by arrival (rowid)
    order = "" if _all_fit(asked, counts, limit * 2) else "ORDER BY n.rank, r.record_id"
    rows = con.execute(
        f"SELECT n.rowid, n.text FROM names_v{v} n "
        f"JOIN records_v{v} r ON r.rid = n.rowid "
        f"WHERE n.text MATCH ? AND {where} {order} LIMIT ?",
        [sql.fts_query(asked), *params, limit * 2],
    )
    for rid, text in rows:
        share = _share(grams, need, text)
        if share:
            scores[rid] += share


def _all_fit(asked: list[str], doc_counts: dict[str, int], limit: int) -> bool:
    """Whether every record holding one of the `asked` trigrams fits within `limit`: then the
    best `limit` by BM25 are all of them, and ranking them (a third of the fuzzy query's time
    on a small index) changes nothing, since what they add is summed per record and the
    candidates are ordered by score and record id. Known from the vocabulary's counts (a record
    holding several is counted once per trigram: an upper bound); a trigram the vocabulary
    does not list as asked is taken as unknown, not as held by none."""
    return all(g in doc_counts for g in asked) and sum(doc_counts[g] for g in asked) <= limit


def load_candidates(
    con: sqlite3.Connection, v: int, best: list[tuple[int, float]], frequencies: dict[int, int]
) -> list[Candidate]:
    """The candidates for scored rids, ordered by score then record id."""
    rows: dict[int, tuple[str, str | None, str]] = {}
    rids = [rid for rid, _ in best]
    for start in range(0, len(rids), _CHUNK):
        chunk = rids[start : start + _CHUNK]
        for rid, record_id, profile_id, text in con.execute(
            f"SELECT rid, record_id, profile_id, json FROM records_v{v} "
            f"WHERE rid IN ({sql.placeholders(len(chunk))})",
            chunk,
        ):
            rows[rid] = (record_id, profile_id, text)
    out = [
        Candidate(
            record=record_from_index(rows[rid][2]),
            retrieval_score=score,
            profile_id=rows[rid][1],
            key_frequency=frequencies.get(rid),
        )
        for rid, score in best
        if rid in rows
    ]
    out.sort(key=lambda c: (-c.retrieval_score, c.record.record_id))
    return out

"""The cluster's candidate search, two ways side by side: this tree's `ElasticReads.candidates`
and the one before the node-cost work (f8c34e4, kept below as it was), on one OpenSearch index,
in alternating rounds. Reports the node's and our CPU per candidate search, and whether every
query's candidates are the same both ways.

    .venv/bin/python scripts/opensearch_node.py run -- .venv/bin/python -m bench.yente.nodecost \\
        [--gallery 5000] [--per-class 25] [--rounds 6]

The queries are the `CandidateQuery`s that `PersonSearchService.search` asks for `bench.names`'
queries (seed 7), recorded in one pass. A measurement tool, not a benchmark of record.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from bench.names.dataset import build
from bench.names.product import indexed
from bench.names.run import Product
from bench.yente.cpu import node_pid, process_cpu_s
from indexer.backends import queries as q
from indexer.backends.base import BackendError, Candidate, CandidateQuery
from indexer.backends.elastic import ElasticBackend
from indexer.backends.elastic_links import link_of
from indexer.backends.elastic_reads import ElasticReads
from indexer.documents import min_shared_grams, query_grams
from records import Record


def candidates_before(reads: ElasticReads, query: CandidateQuery) -> list[Candidate]:
    """`ElasticReads.candidates` as of f8c34e4: every sub-search fetches its hits' records,
    decoded by `Record.model_validate`."""
    alias = reads._alias
    searches: list[dict[str, Any]] = []
    if query.name_keys:
        key_query = q.key_query(
            query.filters, query.name_keys, query.boost_keys, query.boost_weight
        )
        searches.append(q.search_body(key_query, query.limit, q.KEY_SEARCH_FIELDS))
    if query.near_keys and query.near_limit:
        near = q.near_query(
            query.filters,
            query.near_keys,
            query.name_keys,
            query.boost_keys,
            query.boost_weight,
            query.near_weight,
        )
        searches.append(q.search_body(near, query.near_limit))
    id_clauses = q.identifier_clauses(query.identifiers)
    if id_clauses:
        searches.append(q.search_body(q.within(query.filters, id_clauses), query.limit))
    grams = query_grams(query.name_text) if query.name_text else frozenset()
    if grams:
        need = min_shared_grams(len(grams))
        fuzzy = q.within(query.filters, q.fuzzy_clauses(grams), need)
        searches.append(q.search_body(fuzzy, query.limit))
    if not searches:
        return []
    body: list[dict[str, Any]] = []
    for search in searches:
        body.extend([{"index": alias}, search])
    if query.name_keys:
        body.extend([{"index": alias}, _frequencies_body(query.name_keys)])
    result = reads._docs.msearch(body)
    scores: dict[str, float] = {}
    sources: dict[str, dict[str, Any]] = {}
    held: dict[str, frozenset[str]] = {}
    frequency: dict[str, int] = {}
    for response in result["responses"]:
        if "error" in response:
            raise BackendError(f"candidate search failed: {response['error']}")
        if "aggregations" in response:
            buckets = response["aggregations"]["keys"]["buckets"]
            frequency = {k: int(b["doc_count"]) for k, b in buckets.items()}
            continue
        for hit in response["hits"]["hits"]:
            scores[hit["_id"]] = scores.get(hit["_id"], 0.0) + float(hit["_score"] or 0.0)
            source = hit["_source"]
            sources[hit["_id"]] = source
            if "all_keys" in source:
                held[hit["_id"]] = query.name_keys.intersection(source["all_keys"])
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[: query.limit]
    return [
        Candidate(
            record=Record.model_validate(sources[i]["record"]),
            retrieval_score=score,
            profile_id=sources[i].get("profile_id"),
            key_frequency=min(
                (frequency[k] for k in held.get(i, ()) if frequency.get(k)), default=None
            ),
            links=tuple(link_of(x) for x in sources[i].get("links", ())),
        )
        for i, score in best
    ]


def _frequencies_body(keys: frozenset[str]) -> dict[str, Any]:
    """`queries.frequencies_body` as of f8c34e4."""
    ordered = sorted(keys)
    return {
        "size": 0,
        "track_total_hits": False,
        "query": {"terms": {"all_keys": ordered}},
        "aggs": {"keys": {"filters": {"filters": {k: {"term": {"all_keys": k}} for k in ordered}}}},
    }


Way = Callable[[CandidateQuery], list[Candidate]]


def _measure(way: Way, queries: list[CandidateQuery], node: int) -> tuple[float, float]:
    """(node, our) CPU ms per candidate search over `queries`."""
    py0, node0 = time.process_time(), process_cpu_s(node)
    for query in queries:
        way(query)
    n = len(queries)
    return 1000 * (process_cpu_s(node) - node0) / n, 1000 * (time.process_time() - py0) / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gallery", type=int, default=5000)
    parser.add_argument("--per-class", type=int, default=25)
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args(argv)
    url = os.environ["ICJS_TEST_OPENSEARCH_URL"]
    data = build(args.seed, args.gallery, args.per_class)
    node = node_pid(urlsplit(url.split(",")[0]).port or 9200)
    with indexed("opensearch", data) as backend:
        assert isinstance(backend, ElasticBackend)
        reads = backend._reads
        recorded: list[CandidateQuery] = []
        original = reads.candidates

        def recording(query: CandidateQuery) -> list[Candidate]:
            recorded.append(query)
            return original(query)

        reads.candidates = recording  # type: ignore[method-assign]
        product = Product("ours-opensearch", backend, data)
        for query in data.queries:
            product.rank(query)
        reads.candidates = original  # type: ignore[method-assign]
        ways: dict[str, Way] = {
            "before (f8c34e4)": lambda query: candidates_before(reads, query),
            "this tree": reads.candidates,
        }
        differ = sum(
            1
            for query in recorded
            if _seen(ways["before (f8c34e4)"](query)) != _seen(reads.candidates(query))
        )
        print(f"{len(recorded)} candidate searches; {differ} differ between the two ways")
        for way in ways.values():  # warm both
            _measure(way, recorded, node)
        figures: dict[str, list[tuple[float, float]]] = {name: [] for name in ways}
        for r in range(args.rounds):
            order = list(ways) if r % 2 == 0 else list(reversed(ways))
            for name in order:
                figures[name].append(_measure(ways[name], recorded, node))
            print(f"round {r + 1}: load average {os.getloadavg()[0]:.2f}")
        print("\nCPU ms per candidate search: node / ours (median of rounds; every round)")
        for name, rows in figures.items():
            nodes = [round(a, 1) for a, _ in rows]
            ours = [round(b, 1) for _, b in rows]
            print(
                f"  {name:18s} {statistics.median(nodes):6.1f} / {statistics.median(ours):5.1f}"
                f"   node {nodes}  ours {ours}"
            )
        ratios = [
            a[0] / b[0]
            for a, b in zip(figures["this tree"], figures["before (f8c34e4)"], strict=True)
        ]
        print(f"  node ratio this/before per round: {[round(x, 2) for x in ratios]}")
    return 0


def _seen(candidates: list[Candidate]) -> list[tuple[Any, ...]]:
    """Everything a candidate carries."""
    return [
        (
            c.record,
            c.record.model_fields_set,
            c.retrieval_score,
            c.profile_id,
            c.key_frequency,
            c.links,
        )
        for c in candidates
    ]


if __name__ == "__main__":
    raise SystemExit(main())

"""Where one person search's CPU goes on the cluster path: the node and our Python, per phase.

    .venv/bin/python scripts/opensearch_node.py run -- .venv/bin/python -m bench.yente.breakdown \
        [--gallery 5000] [--per-class 25] [--profile-api]

The world and queries are `bench.yente`'s (`bench.names`' dataset, seed 7). Every query is asked
through `PersonSearchService.search`, as the API does, on a fresh OpenSearch index. Reported:

- CPU per search: this process (`time.process_time`) and the node's JVM (/proc), over all queries;
- per engine call (`msearch`, `search`, `mget`): calls per search, the node's `took`, hits
  returned per sub-search and the JSON bytes of the responses (re-serialised, outside the timing);
- our Python by phase, from cProfile's cumulative times (CPU clock) of the functions that make
  each phase;
- each kind of engine call of one pass replayed alone (node and our CPU per search), with
  variants of the candidate and profile searches that tell matching, collecting, `_id` and
  `_source` apart and try cheaper forms (docs/decisions.md, "Throughput against yente");
- with `--profile-api`, the node's query-phase time of one search's sub-searches.

A measurement tool, not a benchmark of record: `make bench-yente` is the comparison with yente.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import time
from collections import defaultdict
from typing import Any
from urllib.parse import urlsplit

from bench.names.dataset import build
from bench.names.product import indexed
from bench.names.run import Product
from bench.yente.cpu import node_pid, process_cpu_s
from indexer.backends.elastic import ElasticBackend

# phase -> functions (file suffix, name) whose cumulative time is the phase; nested phases are
# listed from the outside in, and each is reported on its own (they overlap by design)
PHASES: dict[str, list[tuple[str, str]]] = {
    "search (whole)": [("federation/persons.py", "search")],
    "plan (query analysis, keys)": [("federation/planning.py", "plan_person")],
    "candidates (backend, whole)": [("indexer/backends/elastic_reads.py", "candidates")],
    "  engine calls (HTTP + JSON decode)": [("indexer/backends/engines.py", "msearch")],
    "  Record.model_validate": [("pydantic/main.py", "model_validate")],
    "rescore": [("federation/rescoring.py", "rescore")],
    "group": [("federation/persons.py", "_group")],
    "  index links look-up": [("federation/persons.py", "_index_links")],
    "restricted (profile look-ups)": [("federation/persons.py", "_restricted")],
    "profile views": [("federation/views.py", "profile_view")],
}


class Counting:
    """Wraps an engine's `docs`, counting calls, `took`, hits and response bytes."""

    def __init__(self, docs: Any) -> None:
        self._docs = docs
        self.calls: dict[str, int] = defaultdict(int)
        self.took: dict[str, list[int]] = defaultdict(list)
        self.hits: dict[str, list[int]] = defaultdict(list)
        self.bytes: dict[str, list[int]] = defaultdict(list)
        self.measure_bytes = False
        self.recorded: dict[str, list[Any]] = defaultdict(list)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._docs, name)

    def _note(self, what: str, result: Any) -> None:
        self.calls[what] += 1
        if self.measure_bytes:
            self.bytes[what].append(len(json.dumps(result)))
        responses = result.get("responses", [result]) if isinstance(result, dict) else []
        for i, r in enumerate(responses):
            if "took" in r:
                self.took[f"{what}[{i}]"].append(int(r["took"]))
            if "hits" in r:
                self.hits[f"{what}[{i}]"].append(len(r["hits"]["hits"]))
        if what == "msearch":
            ids = [h["_id"] for r in responses if "hits" in r for h in r["hits"]["hits"]]
            self.hits["msearch unique ids"].append(len(set(ids)))

    def msearch(self, searches: list[Any]) -> Any:
        self.recorded["msearch"].append(searches)
        result = self._docs.msearch(searches)
        self._note("msearch", result)
        return result

    def search(self, index: str, body: Any) -> Any:
        self.recorded["search"].append((index, body))
        result = self._docs.search(index, body)
        self._note("search", result)
        return result

    def mget(self, index: str, ids: list[str], source: Any) -> Any:
        self.recorded["mget"].append((index, ids, source))
        result = self._docs.mget(index, ids, source)
        self.calls["mget"] += 1
        return result


def _phases(stats: pstats.Stats, n: int) -> list[tuple[str, float]]:
    table = stats.stats  # type: ignore[attr-defined]
    out = []
    for phase, functions in PHASES.items():
        total = 0.0
        for (path, _line, name), (_cc, _nc, _tt, ct, _callers) in table.items():
            if any(path.endswith(suffix) and name == fn for suffix, fn in functions):
                total += ct
        out.append((phase, 1000 * total / n))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--gallery", type=int, default=5000)
    parser.add_argument("--per-class", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=2, help="timed passes over the queries")
    parser.add_argument("--profile-api", action="store_true")
    parser.add_argument("--pstats", help="write cProfile stats here")
    args = parser.parse_args(argv)
    url = os.environ["ICJS_TEST_OPENSEARCH_URL"]
    data = build(args.seed, args.gallery, args.per_class)
    queries = data.queries
    print(f"{len(data.people)} people, {len(data.records)} records, {len(queries)} queries")
    node = node_pid(urlsplit(url.split(",")[0]).port or 9200)
    with indexed("opensearch", data) as backend:
        assert isinstance(backend, ElasticBackend)
        reads = backend._reads
        counting = Counting(reads._docs)
        reads._docs = counting
        backend.index.engine.docs = counting  # type: ignore[misc]  # the link store's mget too
        product = Product("ours-opensearch", backend, data)
        for q in queries[:50]:  # warm: JIT, caches, connections
            product.rank(q)
        cpu_py: list[float] = []
        cpu_node: list[float] = []
        for _ in range(args.repeat):
            py0, node0 = time.process_time(), process_cpu_s(node)
            for q in queries:
                product.rank(q)
            cpu_py.append(1000 * (time.process_time() - py0) / len(queries))
            cpu_node.append(1000 * (process_cpu_s(node) - node0) / len(queries))
        print(f"\nCPU ms per search, {args.repeat} passes of {len(queries)} queries")
        print(f"  python (this process): {[round(x, 1) for x in cpu_py]}")
        print(f"  node (JVM):            {[round(x, 1) for x in cpu_node]}")
        # counts and bytes, one pass, outside the timing
        counting.calls.clear()
        counting.took.clear()
        counting.hits.clear()
        counting.measure_bytes = True
        for q in queries:
            product.rank(q)
        counting.measure_bytes = False
        n = len(queries)
        print("\nengine calls per search")
        for what, calls in sorted(counting.calls.items()):
            size = counting.bytes.get(what, [])
            kb = f", {statistics.mean(size) / 1024:.0f} KiB per response (mean)" if size else ""
            print(f"  {what}: {calls / n:.2f}{kb}")
        print("sub-searches: hits (mean, max) / took ms (mean)")
        for key in sorted(counting.hits):
            hits = counting.hits[key]
            took = counting.took.get(key, [0])
            print(
                f"  {key}: {len(hits)} answered, hits {statistics.mean(hits):.0f} / {max(hits)},"
                f" took {statistics.mean(took):.1f}"
            )
        counting.recorded.clear()
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for q in queries:
            product.rank(q)
        profiler.disable()
        stats = pstats.Stats(profiler)
        if args.pstats:
            stats.dump_stats(args.pstats)
        print("\nour Python per search, cProfile cumulative ms (inflated by the profiler):")
        for phase, ms in _phases(stats, n):
            print(f"  {phase:40s} {ms:7.1f}")
        _replay(counting, node, n)
        if args.profile_api:
            _profile_api(backend, counting, product, queries[len(queries) // 2])
    return 0


_HIT_PATH = ",".join(
    f"responses.{path}"
    for path in ("hits.hits._id", "hits.hits._score", "hits.hits._source", "aggregations", "error")
)
_ONE_PATH = "hits.hits._id,hits.hits._source"


def _unsorted(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "sort"} | {"track_total_hits": False}


def _kind(search: dict[str, Any]) -> str:
    """Which of `ElasticReads.candidates`' sub-searches a body is."""
    text = json.dumps(search)
    if "aggs" in search and search.get("size") == 0:
        return "frequencies"  # to f8c34e4 a search of their own, now in the name-key search
    if "name_grams" in text:
        return "trigrams"
    if '"ids' in text:
        return "identifiers"
    if "must_not" in text and '"terms": {"all_keys"' in text:
        return "near keys"
    return "name keys"


def _only(msearches: list[list[Any]], kind: str) -> list[list[Any]]:
    """Each msearch cut to its sub-searches of one kind (empty ones dropped)."""
    out = []
    for body in msearches:
        pairs = [p for p in zip(body[::2], body[1::2], strict=True) if _kind(p[1]) == kind]
        if pairs:
            out.append([part for pair in pairs for part in pair])
    return out


def _replay(counting: Counting, node: int, n: int) -> None:
    """Each kind of engine call of one pass, replayed alone: the node's CPU and ours per search
    for that kind, and for variants of the candidate msearch that tell query from fetch."""
    docs = counting._docs
    client = docs._client
    msearches = counting.recorded["msearch"]

    def variant(change: Any) -> list[list[Any]]:
        return [[change(b) if "query" in b else b for b in body] for body in msearches]

    calls: dict[str, Any] = {
        "candidate msearch (as is)": lambda: [docs.msearch(b) for b in msearches],
        "  same, _source false (no fetch)": lambda: [
            docs.msearch(b) for b in variant(lambda x: {**x, "_source": False})
        ],
        "  same, size 0 (query only)": lambda: [
            docs.msearch(b) for b in variant(lambda x: {**x, "size": 0})
        ],
        "  same, no _id either (stored_fields _none_)": lambda: [
            docs.msearch(b)
            for b in variant(lambda x: {**x, "_source": False, "stored_fields": "_none_"})
        ],
        "  same, _source false, sorted by _score only": lambda: [
            docs.msearch(b) for b in variant(lambda x: {**x, "_source": False, "sort": ["_score"]})
        ],
        "  same, _source without all_keys": lambda: [
            docs.msearch(b) for b in variant(lambda x: {**x, "_source": ["record", "profile_id"]})
        ],
        "  same, filter_path (only _id, _score, _source)": lambda: [
            client.msearch(body=b, filter_path=_HIT_PATH) for b in msearches
        ],
        **{
            f"  only the {kind} sub-searches": (
                lambda kind=kind: [docs.msearch(b) for b in _only(msearches, kind)]
            )
            for kind in ("name keys", "near keys", "identifiers", "trigrams", "frequencies")
        },
        "profile searches": lambda: [docs.search(i, b) for i, b in counting.recorded["search"]],
        "  same, unsorted, no total": lambda: [
            docs.search(i, _unsorted(b)) for i, b in counting.recorded["search"]
        ],
        "  same, unsorted, no total, filter_path": lambda: [
            client.search(index=i, body=_unsorted(b), filter_path=_ONE_PATH)
            for i, b in counting.recorded["search"]
        ],
        "mget (links)": lambda: [docs.mget(i, ids, s) for i, ids, s in counting.recorded["mget"]],
    }
    print("\nreplayed alone, CPU ms per search: node / python")
    for name, call in calls.items():
        py0, node0 = time.process_time(), process_cpu_s(node)
        call()
        py, nd = time.process_time() - py0, process_cpu_s(node) - node0
        print(f"  {name:36s} {1000 * nd / n:6.1f} / {1000 * py / n:6.1f}")
    sizes = [len(ids) for _i, ids, _s in counting.recorded["mget"]]
    if sizes:
        print(f"  mget ids per call: mean {statistics.mean(sizes):.0f}, max {max(sizes)}")
    counting.recorded.clear()


def _profile_api(backend: ElasticBackend, counting: Counting, product: Product, query: Any) -> None:
    """The node's own profile of one search's candidate sub-searches (query phase time)."""
    counting.recorded.clear()
    product.rank(query)
    body = counting.recorded["msearch"][0]
    client = backend.index.engine.client  # type: ignore[attr-defined]
    print(f"\nnode profile of one search ({query.text!r}):")
    for header, search in zip(body[::2], body[1::2], strict=True):
        result = client.search(index=header["index"], body={**search, "profile": True})
        shard = result["profile"]["shards"][0]
        query_ns = sum(s["time_in_nanos"] for s in shard["searches"][0]["query"])
        print(
            f"  hits {len(result['hits']['hits'])}: query phase {query_ns / 1e6:.2f} ms,"
            f" took {result['took']} ms"
        )


if __name__ == "__main__":
    raise SystemExit(main())

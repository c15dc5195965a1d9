"""Reading and searching a cluster backend: every read goes through the alias, so it sees one
index version whichever a rebuild is filling."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from indexer.backends import queries as q
from indexer.backends.base import (
    BackendError,
    Candidate,
    CandidateQuery,
    Filters,
    Health,
    IndexLink,
    IndexStats,
    stale_keys,
)
from indexer.backends.elastic_index import ElasticIndex, version_of
from indexer.backends.elastic_links import link_of
from indexer.documents import min_shared_grams, query_grams
from records import Record, Source, record_from_index

_PAGE = 1000


class ElasticReads:
    """`RecordSearch` and `ProfileLinks` on a cluster, and the index's stats and health."""

    def __init__(self, index: ElasticIndex) -> None:
        self._index = index
        self._alias = index.alias
        self._engine = index.engine
        self._docs = index.engine.docs

    def get(self, record_ids: Sequence[str]) -> list[Record]:
        wanted = list(dict.fromkeys(record_ids))
        found: dict[str, Record] = {}
        for start in range(0, len(wanted), _PAGE):
            for doc in self._docs.mget(self._alias, wanted[start : start + _PAGE], ["record"]):
                found[doc["_id"]] = record_from_index(doc["_source"]["record"])
        return [found[i] for i in wanted if i in found]

    def candidates(self, query: CandidateQuery) -> list[Candidate]:
        searches: list[dict[str, Any]] = []
        if query.name_keys:
            searches.append(
                q.key_search_body(
                    query.filters,
                    query.name_keys,
                    query.boost_keys,
                    query.boost_weight,
                    query.limit,
                )
            )
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
            body.extend([{"index": self._alias}, search])
        result = self._docs.msearch(body)
        scores: dict[str, float] = {}
        sources: dict[str, dict[str, Any]] = {}
        held: dict[str, frozenset[str]] = {}
        frequency: dict[str, int] = {}
        for response in result["responses"]:
            if "error" in response:
                error = response["error"]
                raise BackendError(f"candidate search failed: {error.get('type', error)}")
            if "aggregations" in response:  # the name-key search's
                buckets = response["aggregations"]["keys"]["buckets"]
                frequency = {k: int(b["doc_count"]) for k, b in buckets.items()}
            for hit in response["hits"]["hits"]:
                scores[hit["_id"]] = scores.get(hit["_id"], 0.0) + float(hit["_score"] or 0.0)
                source = hit["_source"]
                sources[hit["_id"]] = source
                if "all_keys" in source:
                    held[hit["_id"]] = query.name_keys.intersection(source["all_keys"])
        best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[: query.limit]
        return [
            Candidate(
                record=record_from_index(sources[i]["record"]),
                retrieval_score=score,
                profile_id=sources[i].get("profile_id"),
                key_frequency=min(
                    (frequency[k] for k in held.get(i, ()) if frequency.get(k)), default=None
                ),
                links=tuple(link_of(x) for x in sources[i].get("links", ())),
            )
            for i, score in best
        ]

    def count(self, filters: Filters | None = None) -> int:
        clauses = q.filter_clauses(filters)
        query = {"bool": clauses} if clauses else {"match_all": {}}
        return self._docs.count(self._alias, {"query": query})

    def _scan(self, query: dict[str, Any], source: list[str] | bool) -> Iterator[dict[str, Any]]:
        """Every matching document in `record_id` order (search_after: no scroll context)."""
        after: list[Any] | None = None
        while True:
            body: dict[str, Any] = {
                "query": query,
                "size": _PAGE,
                "sort": [{"record_id": "asc"}],
                "_source": source,
            }
            if after is not None:
                body["search_after"] = after
            hits = self._docs.search(self._alias, body)["hits"]["hits"]
            yield from hits
            if len(hits) < _PAGE:
                return
            after = hits[-1]["sort"]

    def ids(self, source: Source) -> Iterable[str]:
        for hit in self._scan({"term": {"source": Source(source).value}}, False):
            yield str(hit["_id"])

    def records(self) -> Iterator[Record]:
        for hit in self._scan({"match_all": {}}, ["record"]):
            yield record_from_index(hit["_source"]["record"])

    def profiles(self, profile_ids: Collection[str]) -> dict[str, list[Record]]:
        wanted = sorted(set(profile_ids))
        if not wanted:
            return {}
        found: dict[str, list[Record]] = {}
        # _scan walks in record_id order, so each profile's list is in record id order
        for hit in self._scan({"terms": {"profile_id": wanted}}, ["record", "profile_id"]):
            record = record_from_index(hit["_source"]["record"])
            found.setdefault(hit["_source"]["profile_id"], []).append(record)
        return found

    def links(self, record_ids: Sequence[str]) -> list[IndexLink]:
        return self._index.link_store(self._index.current_index()).edges_touching(record_ids)

    def stats(self) -> IndexStats:
        index = self._index.current_index()
        result = self._docs.search(
            self._alias,
            {
                "size": 0,
                "aggs": {
                    "sources": {
                        "terms": {"field": "source", "size": 100},
                        "aggs": {"kinds": {"terms": {"field": "kind", "size": 100}}},
                    },
                    "with_links": {
                        "filter": {"exists": {"field": "links.a"}},
                        "aggs": {"profiles": {"cardinality": {"field": "profile_id"}}},
                    },
                },
            },
        )
        aggs = result["aggregations"]
        by = {
            b["key"]: {k["key"]: k["doc_count"] for k in b["kinds"]["buckets"]}
            for b in aggs["sources"]["buckets"]
        }
        link_count = sum(
            len(hit["_source"].get("links", []))
            for hit in self._scan({"exists": {"field": "links.a"}}, ["links"])
        )
        return IndexStats(
            version=version_of(index),
            total=sum(n for kinds in by.values() for n in kinds.values()),
            by_source_kind=by,
            profiles=int(aggs["with_links"]["profiles"]["value"]),
            links=link_count // 2,
            keys_version=self._index.keys_version(index),
            fir_keys_version=self._index.fir_keys_version(index),
        )

    def health(self) -> Health:
        ok, detail = self._engine.health()
        if not ok:
            return Health(ok=False, detail=detail)
        try:
            index = self._index.current_index()
            stale = stale_keys(self._index.keys_version(index), self._index.fir_keys_version(index))
        except BackendError as exc:
            return Health(ok=False, detail=str(exc))
        detail = f"{detail}; {self._alias} → {index}"
        return Health(ok=True, detail=f"{detail}; {stale}" if stale else detail)

"""Mappings, document bodies and query bodies for Elasticsearch and OpenSearch: pure functions
returning plain dicts, built once, testable without an engine.

The terms every engine matches on are computed in Python (`indexer.documents`), so the mapping is
keywords for everything retrieval compares (keys, trigrams, identifiers, filters) and a `text`
field only for people reading the index. Each retrieval is a `bool` of `constant_score` clauses,
so the engine's score is exactly what the embedded backend computes: one point per shared name
key, ten per identifier clause, and shared/total query trigrams for the fuzzy side.

Builders compose: `key_query` / `identifier_query` / `fuzzy_query` make the matching part, and
`within(filters, query)` wraps any of them in the policy filter.
"""

from __future__ import annotations

import hashlib
from typing import Any

from indexer.backends.base import Filters, IdentifierTerm
from indexer.documents import (
    FRAGMENT_TYPES,
    IndexDocument,
    id_term,
    identifier_suffixes,
)
from matching.keys import KEYS_VERSION
from records.firs import FIR_KEYS_VERSION

Body = dict[str, Any]

_KEYWORD: Body = {"type": "keyword"}

# How soon a write to the records index is searchable, in normal running: what an index is
# created with, and what a rebuild's switch and the end of a full sync's bulk load set back.
REFRESH_INTERVAL = "1s"


def index_body(shards: int, replicas: int, *, refresh_interval: str = REFRESH_INTERVAL) -> Body:
    """Settings and explicit mappings of one index version (`dynamic: strict`: a field we did
    not declare is a bug, not a new mapping)."""
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "refresh_interval": refresh_interval,
                # retrieval takes a few hundred candidates; deep paging is export's search_after
                "max_result_window": 10_000,
            },
            "analysis": {
                "analyzer": {
                    "name_trigrams": {"tokenizer": "trigram", "filter": ["lowercase"]},
                },
                "tokenizer": {
                    "trigram": {
                        "type": "ngram",
                        "min_gram": 3,
                        "max_gram": 3,
                        "token_chars": ["letter", "digit"],
                    }
                },
            },
        },
        "mappings": {
            "_meta": {"keys_version": KEYS_VERSION, "fir_keys_version": FIR_KEYS_VERSION},
            "dynamic": "strict",
            "properties": {
                "record_id": _KEYWORD,
                "source": _KEYWORD,
                "kind": _KEYWORD,
                "state": _KEYWORD,
                "labels": _KEYWORD,
                "version": {"type": "long"},
                "checksum": {"type": "keyword", "index": False},
                "profile_id": _KEYWORD,
                "name_keys": _KEYWORD,
                "alias_keys": _KEYWORD,
                "relative_keys": _KEYWORD,
                "all_keys": _KEYWORD,
                # For people browsing the index (Dashboards/Kibana): the names as text with an
                # n-gram subfield. Retrieval uses `name_grams`, computed in Python, so that every
                # engine counts the very same trigrams.
                "name_text": {
                    "type": "text",
                    "fields": {"ngram": {"type": "text", "analyzer": "name_trigrams"}},
                },
                "name_grams": _KEYWORD,
                "ids": _KEYWORD,
                "ids_partial": _KEYWORD,
                "ids_rev": _KEYWORD,
                "link_keys": _KEYWORD,
                "links": {
                    "type": "object",
                    "properties": {
                        "a": _KEYWORD,
                        "b": _KEYWORD,
                        "reason": _KEYWORD,
                        "key": _KEYWORD,
                    },
                },
                "record": {"type": "object", "enabled": False},  # canonical record, not indexed
            },
        },
    }


def checksum(doc: IndexDocument) -> str:
    """Tells an unchanged re-sync from a changed record of the same version, without reading
    the stored record back."""
    return hashlib.sha256(doc.record_json.encode()).hexdigest()[:32]


def document_body(
    doc: IndexDocument,
    *,
    profile_id: str,
    links: list[Body] | None = None,
) -> Body:
    """The `_source` of one record."""
    return {
        "record_id": doc.record_id,
        "source": doc.source,
        "kind": doc.kind,
        "state": doc.state,
        "labels": list(doc.labels),
        "version": doc.version,
        "checksum": checksum(doc),
        "profile_id": profile_id,
        "name_keys": sorted(doc.name_keys),
        "alias_keys": sorted(doc.alias_keys),
        "relative_keys": sorted(doc.relative_keys),
        "all_keys": sorted(doc.all_keys),
        "name_text": " ".join(doc.name_words),
        "name_grams": sorted(doc.name_grams),
        "ids": sorted(set(doc.id_terms)),
        "ids_partial": sorted(set(doc.partial_id_terms)),
        "ids_rev": sorted(set(doc.reversed_id_terms)),
        "link_keys": sorted(doc.link_keys),
        "links": links or [],
        "record": doc.record.model_dump(mode="json", exclude_defaults=True),
    }


def filter_clauses(filters: Filters | None) -> Body:
    """The policy part of a query as a `bool` (filter + must_not); `{}` when unrestricted."""
    if filters is None:
        return {}
    must: list[Body] = []
    must_not: list[Body] = []
    if filters.sources is not None:
        must.append({"terms": {"source": sorted(s.value for s in filters.sources)}})
    if filters.kinds is not None:
        must.append({"terms": {"kind": sorted(k.value for k in filters.kinds)}})
    if filters.states is not None:
        must.append({"terms": {"state": sorted(filters.states)}})
    for rule in filters.hidden:
        hidden: Body = {"bool": {"filter": [{"term": {"labels": rule.label.value}}]}}
        if rule.except_states:
            hidden["bool"]["must_not"] = [{"terms": {"state": sorted(rule.except_states)}}]
        must_not.append(hidden)
    out: Body = {}
    if must:
        out["filter"] = must
    if must_not:
        out["must_not"] = must_not
    return out


def within(filters: Filters | None, should: list[Body], minimum: int = 1) -> Body:
    """`should` clauses (at least `minimum` of them) inside the filters."""
    query: Body = {"bool": {"should": should, "minimum_should_match": minimum}}
    query["bool"].update(filter_clauses(filters))
    return query


def _scored(clause: Body, points: float) -> Body:
    return {"constant_score": {"filter": clause, "boost": points}}


def key_clauses(keys: frozenset[str]) -> list[Body]:
    return [_scored({"term": {"all_keys": key}}, 1.0) for key in sorted(keys)]


def key_query(
    filters: Filters | None, keys: frozenset[str], boosts: frozenset[str], weight: float
) -> Body:
    """Records holding a name key (one point each), lifted by `weight` for each boost key they
    also hold; boost keys alone retrieve nothing (`CandidateQuery`)."""
    names: Body = {"bool": {"should": key_clauses(keys), "minimum_should_match": 1}}
    return _lifted(filters, names, boosts, weight)


def near_query(
    filters: Filters | None,
    near: frozenset[str],
    keys: frozenset[str],
    boosts: frozenset[str],
    weight: float,
    near_weight: float,
) -> Body:
    """Records holding a near key and no name key (`near_weight`), lifted by the boosts."""
    query = _lifted(filters, _scored({"terms": {"all_keys": sorted(near)}}, near_weight), boosts,
                    weight)  # fmt: skip
    if keys:
        query["bool"].setdefault("must_not", []).append({"terms": {"all_keys": sorted(keys)}})
    return query


def _lifted(
    filters: Filters | None, retrieving: Body, boosts: frozenset[str], weight: float
) -> Body:
    query: Body = {"bool": {"must": [retrieving]}}
    if boosts:
        query["bool"]["should"] = [
            _scored({"term": {"all_keys": key}}, weight) for key in sorted(boosts)
        ]
    for clause, value in filter_clauses(filters).items():
        query["bool"][clause] = list(value)
    return query


def key_search_body(
    filters: Filters | None,
    keys: frozenset[str],
    boosts: frozenset[str],
    weight: float,
    size: int,
) -> Body:
    """The name-key search (`key_query`'s best `size`, with their keys) and how many records of
    the whole index hold each of `keys` (aggregation `keys`), in one sub-search. The query is
    every record holding a name key, unfiltered: the frequencies count over it (how common a
    name is does not depend on who asks), and the policy filters apply to the hits alone, as a
    `post_filter`; filters score nothing, so the hits and their scores are `key_query`'s within
    them. One search instead of two (the key search, then a `size: 0` search of the same
    postings for the counts) saves the node a sub-search's matching and its fixed cost."""
    body = search_body(key_query(None, keys, boosts, weight), size, KEY_SEARCH_FIELDS)
    policy = filter_clauses(filters)
    if policy:
        body["post_filter"] = {"bool": policy}
    ordered = sorted(keys)
    body["aggs"] = {
        "keys": {"filters": {"filters": {k: {"term": {"all_keys": k}} for k in ordered}}}
    }
    return body


def identifier_clauses(terms: tuple[IdentifierTerm, ...]) -> list[Body]:
    """Same semantics as `sqlite_sql.identifier_sql`: exact value, "ends with" (prefix of the
    reversed value), and stored chassis/engine fragments that end the queried value."""
    clauses: list[Body] = []
    for term in terms:
        if not term.value:
            continue
        if term.suffix:
            clause: Body = {"prefix": {"ids_rev": id_term(term.type, term.value[::-1])}}
        else:
            clause = {"term": {"ids": id_term(term.type, term.value)}}
        clauses.append(_scored(clause, 10.0))
        if term.type in FRAGMENT_TYPES:
            fragments = [id_term(term.type, f) for f in identifier_suffixes(term.value)]
            if fragments:
                clauses.append(_scored({"terms": {"ids_partial": fragments}}, 10.0))
    return clauses


def fuzzy_clauses(grams: frozenset[str]) -> list[Body]:
    share = 1.0 / len(grams)
    return [_scored({"term": {"name_grams": g}}, share) for g in sorted(grams)]


# a hit's links come with it: grouping needs the links of the candidates with a profile, and
# reading them here saves a multi-get of every candidate after the search
SEARCH_FIELDS = ["record", "profile_id", "links"]
# name searches also read each hit's keys: which of the query's it holds gives its frequency
KEY_SEARCH_FIELDS = [*SEARCH_FIELDS, "all_keys"]


def search_body(query: Body, size: int, fields: list[str] = SEARCH_FIELDS) -> Body:
    return {
        "query": query,
        "size": size,
        "_source": fields,
        "sort": ["_score", {"record_id": "asc"}],
        "track_total_hits": False,
    }

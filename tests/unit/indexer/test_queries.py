"""The Elasticsearch/OpenSearch bodies are plain data: checked here without an engine."""

from __future__ import annotations

from indexer.backends import queries as q
from indexer.backends.base import Filters, IdentifierTerm, LabelRule
from indexer.documents import to_document
from records import IdType, Kind, Sensitivity, Source
from tests.plugins.backends import sample_world


def test_every_document_field_is_mapped_and_the_mapping_is_strict() -> None:
    body = q.index_body(shards=3, replicas=1)
    mapping = body["mappings"]
    assert mapping["dynamic"] == "strict"
    assert body["settings"]["index"]["number_of_shards"] == 3
    assert body["settings"]["index"]["number_of_replicas"] == 1
    for record in sample_world():
        doc = q.document_body(to_document(record), profile_id="p-x")
        assert set(doc) <= set(mapping["properties"]), set(doc) - set(mapping["properties"])
    assert mapping["properties"]["record"] == {"type": "object", "enabled": False}


def test_filters_become_filter_and_must_not_clauses() -> None:
    filters = Filters(
        sources=frozenset({Source.VAHAN, Source.CCTNS}),
        kinds=frozenset({Kind.ACCUSED}),
        states=frozenset({"MH"}),
        hidden=(
            LabelRule(Sensitivity.SEXUAL_OFFENCE, frozenset({"MH"})),
            LabelRule(Sensitivity.CHILD),
        ),
    )
    assert q.filter_clauses(filters) == {
        "filter": [
            {"terms": {"source": ["cctns", "vahan"]}},
            {"terms": {"kind": ["accused"]}},
            {"terms": {"state": ["MH"]}},
        ],
        "must_not": [
            {
                "bool": {
                    "filter": [{"term": {"labels": "sexual_offence"}}],
                    "must_not": [{"terms": {"state": ["MH"]}}],
                }
            },
            {"bool": {"filter": [{"term": {"labels": "child"}}]}},
        ],
    }
    assert q.filter_clauses(None) == {}
    assert q.filter_clauses(Filters()) == {}


def test_identifier_clauses_cover_exact_suffix_and_stored_fragments() -> None:
    clauses = q.identifier_clauses(
        (
            IdentifierTerm(IdType.REGISTRATION, "MH12AB1234"),
            IdentifierTerm(IdType.CHASSIS, "0123456", suffix=True),
            IdentifierTerm(IdType.CHASSIS, ""),  # empty: would match everything, dropped
        )
    )
    inner = [c["constant_score"]["filter"] for c in clauses]
    assert inner == [
        {"term": {"ids": "registration:MH12AB1234"}},
        {"prefix": {"ids_rev": "chassis:6543210"}},
        {"terms": {"ids_partial": ["chassis:0123456", "chassis:123456", "chassis:23456"]}},
    ]


def test_fuzzy_clauses_score_the_shared_fraction() -> None:
    query = q.within(None, q.fuzzy_clauses(frozenset({"raj", "aje", "jen"})), 2)
    should = query["bool"]["should"]
    assert query["bool"]["minimum_should_match"] == 2
    assert {c["constant_score"]["filter"]["term"]["name_grams"] for c in should} == {
        "raj",
        "aje",
        "jen",
    }
    assert all(abs(c["constant_score"]["boost"] - 1 / 3) < 1e-9 for c in should)

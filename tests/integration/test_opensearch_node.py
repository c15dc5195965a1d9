"""The node `make test` starts is real: it indexes, analyses and searches."""

from __future__ import annotations

import os

from opensearchpy import OpenSearch


def test_node_indexes_and_searches(opensearch_client: OpenSearch, index_prefix: str) -> None:
    index = f"{index_prefix}-smoke"
    opensearch_client.indices.create(
        index=index,
        body={"mappings": {"properties": {"name": {"type": "text"}, "plate": {"type": "keyword"}}}},
    )
    opensearch_client.index(
        index=index, id="1", body={"name": "Rajendra Patil", "plate": "MH12AB1234"}
    )
    opensearch_client.index(
        index=index, id="2", body={"name": "Murugan Kandasamy", "plate": "TN01X0001"}
    )
    opensearch_client.indices.refresh(index=index)

    by_name = opensearch_client.search(index=index, body={"query": {"match": {"name": "patil"}}})
    assert [hit["_id"] for hit in by_name["hits"]["hits"]] == ["1"]
    by_plate = opensearch_client.search(
        index=index, body={"query": {"term": {"plate": "TN01X0001"}}}
    )
    assert [hit["_id"] for hit in by_plate["hits"]["hits"]] == ["2"]


def test_cluster_has_the_requested_nodes(opensearch_client: OpenSearch) -> None:
    expected = int(os.environ.get("ICJS_TEST_OPENSEARCH_NODES", "1"))
    health = opensearch_client.cluster.health()
    assert health["number_of_nodes"] == expected
    assert health["status"] in {"green", "yellow"}

"""Shared fixtures: the real OpenSearch node started by `make test`, and per-run index prefixes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import settings
from opensearchpy import OpenSearch

# Speed is measured in benchmarks, never asserted in tests: Hypothesis's default 200 ms deadline
# per example is a timed assertion that fails on a loaded machine (seen at load 30 on two cores).
settings.register_profile("icjs", deadline=None)
settings.load_profile("icjs")

# Fixture modules per area, so that each area keeps its fixtures beside its own code.
pytest_plugins = [
    "tests.plugins.simulators",
    "tests.plugins.backends",
    "tests.plugins.auth",
    "tests.plugins.api",
    "tests.plugins.postgres",
]


@pytest.fixture(scope="session")
def opensearch_url() -> str:
    """URL of the node `scripts/opensearch_node.py` started. Outside `make test` the tests that
    need it are skipped, except in CI, where a missing node is an error rather than a quiet skip."""
    url = os.environ.get("ICJS_TEST_OPENSEARCH_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("ICJS_TEST_OPENSEARCH_URL is not set: run the suite with `make test`")
        pytest.skip("no OpenSearch node: run `make test` (or set ICJS_TEST_OPENSEARCH_URL)")
    return url


@pytest.fixture(scope="session")
def opensearch_client(opensearch_url: str) -> Iterator[OpenSearch]:
    client = OpenSearch(hosts=[opensearch_url], timeout=30)
    yield client
    client.close()


@pytest.fixture
def index_prefix(opensearch_client: OpenSearch) -> Iterator[str]:
    """A fresh index prefix per test; everything under it is deleted afterwards."""
    prefix = f"icjs-test-{uuid.uuid4().hex[:10]}"
    yield prefix
    opensearch_client.indices.delete(index=f"{prefix}*", ignore_unavailable=True)

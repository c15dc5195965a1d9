"""Engine providers: built from settings (auth, TLS) without a cluster; errors carry no secrets."""

from __future__ import annotations

import socket

import pytest
from pydantic import SecretStr

from config import SearchSettings
from indexer.backends.base import BackendError
from indexer.backends.engines import ElasticsearchEngine, OpenSearchEngine, engine_for


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("backend", ["opensearch", "elasticsearch"])
def test_unreachable_cluster_is_unhealthy_and_the_password_never_shows(backend: str) -> None:
    settings = SearchSettings(
        backend=backend,  # type: ignore[arg-type]
        url=f"http://127.0.0.1:{closed_port()}",
        username="icjs",
        password=SecretStr("s3cret-pass"),
        request_timeout_s=1,
    )
    engine = engine_for(settings)
    assert isinstance(engine, OpenSearchEngine | ElasticsearchEngine)
    ok, detail = engine.health()
    assert not ok
    assert "s3cret-pass" not in detail
    with pytest.raises(BackendError) as caught:
        engine.docs.count("icjs-records", {"query": {"match_all": {}}})
    assert "s3cret-pass" not in str(caught.value)
    engine.close()


def test_api_key_and_several_hosts() -> None:
    settings = SearchSettings(
        backend="elasticsearch",
        url="http://127.0.0.1:9200, http://127.0.0.1:9201",
        api_key=SecretStr("a2V5OnNlY3JldA=="),
    )
    engine = ElasticsearchEngine(settings)
    assert len(engine.client.transport.node_pool.all()) == 2
    engine.close()


def test_embedded_is_not_a_cluster_engine() -> None:
    with pytest.raises(BackendError, match="not a cluster engine"):
        engine_for(SearchSettings())

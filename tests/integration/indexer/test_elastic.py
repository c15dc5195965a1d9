"""Cluster-backend behaviour a conformance test cannot show: per-item bulk failures, against the
real OpenSearch node (`make test`). The failures are staged by a proxy around the real engine
that withholds or refuses chosen items; everything else reaches the node."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch

from config import SearchSettings
from indexer.backends import elastic_writes
from indexer.backends.elastic import ElasticBackend
from indexer.backends.engines import Engine, OpenSearchEngine
from records import Kind, Person, Record, Source


class Staged:
    """The real engine, except that chosen bulk items get a chosen failure."""

    def __init__(self, engine: Engine, fail: dict[str, tuple[int, str]], times: int) -> None:
        self._engine = engine
        self._docs = engine.docs
        self._fail = fail
        self._times = times
        self.bulk_calls = 0

    def __getattr__(self, name: str) -> Any:
        if name == "docs":  # the documents, with `bulk` staged
            return self
        if name in ("admin", "name", "health", "close"):
            return getattr(self._engine, name)
        return getattr(self._docs, name)

    def bulk(self, operations: list[dict[str, Any]]) -> dict[str, Any]:
        self.bulk_calls += 1
        withheld: list[dict[str, Any]] = []
        sent: list[dict[str, Any]] = []
        i = 0
        while i < len(operations):
            action = operations[i]
            verb = next(iter(action))
            size = 1 if verb == "delete" else 2
            meta = action[verb]
            if meta["_id"] in self._fail and self._times > 0 and verb in ("create", "index"):
                status, kind = self._fail[meta["_id"]]
                error = {"type": kind, "reason": "staged by the test"}
                withheld.append({verb: {"_id": meta["_id"], "status": status, "error": error}})
            else:
                sent.extend(operations[i : i + size])
            i += size
        if withheld:
            self._times -= 1
        result = self._docs.bulk(sent) if sent else {"errors": False, "items": []}
        return {"errors": bool(withheld) or result["errors"], "items": withheld + result["items"]}


def backend_with(url: str, prefix: str, fail: dict[str, tuple[int, str]], times: int) -> Any:
    settings = SearchSettings(backend="opensearch", url=url, index_prefix=prefix)
    staged = Staged(OpenSearchEngine(settings), fail, times)
    return ElasticBackend(staged, prefix=prefix), staged  # type: ignore[arg-type]


def test_retryable_item_failures_are_retried_and_then_count(
    opensearch_url: str,
    index_prefix: str,
    sample_records: list[Record],
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(elastic_writes, "BACKOFF_S", 0.01)
    first = sample_records[0].record_id
    backend, _ = backend_with(
        opensearch_url, index_prefix, {first: (429, "es_rejected_execution_exception")}, times=2
    )
    result = backend.upsert(sample_records)
    assert (result.indexed, result.failed) == (len(sample_records), ())
    assert backend.get([first]) == [sample_records[0]]
    backend.close()


def test_permanent_item_failures_are_reported_never_counted(
    opensearch_url: str,
    index_prefix: str,
    sample_records: list[Record],
    opensearch_client: OpenSearch,
) -> None:
    bad = sample_records[1].record_id
    backend, _ = backend_with(
        opensearch_url, index_prefix, {bad: (400, "mapper_parsing_exception")}, times=99
    )
    result = backend.upsert(sample_records)
    assert result.indexed == len(sample_records) - 1
    assert [rid for rid, _ in result.failed] == [bad]
    assert "mapper_parsing_exception" in result.failed[0][1]
    assert backend.get([bad]) == []
    backend.close()


def test_a_retryable_failure_that_persists_is_reported(
    opensearch_url: str, index_prefix: str, sample_records: list[Record], monkeypatch: Any
) -> None:
    monkeypatch.setattr(elastic_writes, "BACKOFF_S", 0.01)
    stuck = sample_records[2].record_id
    backend, _ = backend_with(opensearch_url, index_prefix, {stuck: (503, "unavailable")}, times=99)
    result = backend.upsert(sample_records)
    assert result.indexed == len(sample_records) - 1
    assert result.failed[0][0] == stuck
    assert "gave up after" in result.failed[0][1]
    backend.close()


def test_write_blocked_index_fails_every_item_with_the_engine_reason(
    opensearch_url: str,
    index_prefix: str,
    sample_records: list[Record],
    opensearch_client: OpenSearch,
) -> None:
    backend, _ = backend_with(opensearch_url, index_prefix, {}, times=0)
    opensearch_client.indices.put_settings(
        index=f"{index_prefix}-records-v1", body={"index.blocks.write": True}
    )
    try:
        result = backend.upsert(sample_records[:3])
        assert result.indexed == 0
        assert len(result.failed) == 3
        assert all("cluster_block_exception" in reason for _, reason in result.failed)
    finally:
        opensearch_client.indices.put_settings(
            index=f"{index_prefix}-records-v1", body={"index.blocks.write": False}
        )
    backend.close()


def test_every_index_a_write_reads_has_the_records_replicas(
    opensearch_url: str, index_prefix: str, opensearch_client: OpenSearch
) -> None:
    """A node lost must not take with it the link keys (realtime linking reads them) or the
    rebuild lock (every write reads it): both get the records' replicas, during a rebuild too."""
    settings = SearchSettings(
        backend="opensearch", url=opensearch_url, index_prefix=index_prefix, replicas=1
    )
    backend = ElasticBackend(OpenSearchEngine(settings), prefix=index_prefix, replicas=1)
    try:

        def replicas(index: str) -> int:
            found = opensearch_client.indices.get_settings(index=index)
            return int(found[index]["settings"]["index"]["number_of_replicas"])

        index = backend.index
        first = index.current_index()
        assert replicas(first) == 1
        assert replicas(index.keys_index(first)) == 1
        with backend._versions.rebuild_lock():  # the lock a rebuild takes
            assert replicas(index.lock_index) == 1
    finally:
        backend.index.drop_all()
        backend.close()


def test_a_full_sync_spaces_refreshes_and_restores_them(
    opensearch_url: str, index_prefix: str, opensearch_client: OpenSearch
) -> None:
    """A bulk load (a full sync) refreshes every 30 s while it runs, then at once and every
    second again, also when the load fails; what it wrote is searchable when it ends."""
    from tests.plugins.backends import make

    settings = SearchSettings(backend="opensearch", url=opensearch_url, index_prefix=index_prefix)
    backend = ElasticBackend(OpenSearchEngine(settings), prefix=index_prefix)
    try:
        index = backend.index.current_index()

        def refresh_interval() -> str:
            found = opensearch_client.indices.get_settings(index=index)
            return str(found[index]["settings"]["index"]["refresh_interval"])

        record = make(Source.CCTNS, "BULK-1", Kind.ACCUSED, people=(Person(name="Ramesh Patil"),))
        with backend.bulk_load():
            assert refresh_interval() == elastic_writes.BULK_REFRESH
            assert backend.upsert([record]).indexed == 1
        assert refresh_interval() == "1s"
        assert backend.count() == 1  # refreshed at the end, not in a second
        try:
            with backend.bulk_load():
                raise RuntimeError("a source failed")
        except RuntimeError:
            pass
        assert refresh_interval() == "1s"
    finally:
        backend.index.drop_all()
        backend.close()

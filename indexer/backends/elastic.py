"""The Elasticsearch / OpenSearch backend: same contract as the embedded one, for clusters.

One object per role, over one `ElasticIndex` (the alias, its versioned indices, the rebuild
lock): `ElasticReads` (reading, searching, profiles, stats), `ElasticWrites` (guarded bulk
writes, links settled in the write path), `ElasticVersions` (the steps the one rebuild routine,
`indexer.backends.rebuild`, takes). `ElasticBackend` puts them behind the `Backend` protocol.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager

from config import SearchSettings
from indexer.backends.base import (
    BulkResult,
    Candidate,
    CandidateQuery,
    Filters,
    Health,
    IndexLink,
    IndexStats,
    RebuildResult,
)
from indexer.backends.elastic_index import ElasticIndex
from indexer.backends.elastic_reads import ElasticReads
from indexer.backends.elastic_versions import ElasticVersions
from indexer.backends.elastic_writes import ElasticWrites
from indexer.backends.engines import Engine, engine_for
from indexer.backends.rebuild import rebuild
from records import Record, Source


class ElasticBackend:
    def __init__(self, engine: Engine, *, prefix: str, shards: int = 1, replicas: int = 0) -> None:
        self.index = ElasticIndex(engine, prefix=prefix, shards=shards, replicas=replicas)
        self._reads = ElasticReads(self.index)
        self._writes = ElasticWrites(self.index)
        self._versions = ElasticVersions(self.index, self._reads, self._writes)

    @classmethod
    def from_settings(cls, settings: SearchSettings) -> ElasticBackend:
        return cls(
            engine_for(settings),
            prefix=settings.index_prefix,
            shards=settings.shards,
            replicas=settings.replicas,
        )

    # -- RecordWrites -----------------------------------------------------------------------

    def upsert(self, records: Sequence[Record]) -> BulkResult:
        return self._writes.upsert(records)

    def delete(self, record_ids: Sequence[str]) -> BulkResult:
        return self._writes.delete(record_ids)

    def flush(self) -> None:
        """Make every write so far searchable now, rather than within `refresh_interval`."""
        self._writes.flush()

    def bulk_load(self) -> AbstractContextManager[None]:
        """A full sync, with refreshes spaced out while it runs (`ElasticWrites.bulk_load`)."""
        return self._writes.bulk_load()

    # -- RecordSearch -----------------------------------------------------------------------

    def get(self, record_ids: Sequence[str]) -> list[Record]:
        return self._reads.get(record_ids)

    def candidates(self, query: CandidateQuery) -> list[Candidate]:
        return self._reads.candidates(query)

    def count(self, filters: Filters | None = None) -> int:
        return self._reads.count(filters)

    def ids(self, source: Source) -> Iterable[str]:
        return self._reads.ids(source)

    def records(self) -> Iterator[Record]:
        return self._reads.records()

    # -- ProfileLinks -----------------------------------------------------------------------

    def profiles(self, profile_ids: Collection[str]) -> dict[str, list[Record]]:
        return self._reads.profiles(profile_ids)

    def links(self, record_ids: Sequence[str]) -> list[IndexLink]:
        return self._reads.links(record_ids)

    # -- IndexLifecycle ---------------------------------------------------------------------

    def stats(self) -> IndexStats:
        return self._reads.stats()

    def health(self) -> Health:
        return self._reads.health()

    def rebuild(self, records: Iterable[Record] | None = None) -> RebuildResult:
        return rebuild(self._versions, records)

    def disk_bytes(self) -> int:
        """Primary store size of the current index version."""
        return self.index.engine.admin.store_bytes(self.index.current_index())

    def close(self) -> None:
        self.index.engine.close()

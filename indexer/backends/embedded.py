"""The embedded backend: one SQLite file in WAL mode. The default; zero set-up.

One object per role, over one `SqliteIndexFile` (connections, transactions, damage detection,
`indexer.backends.sqlite_file`): `EmbeddedReads` (reading, searching, profiles, stats),
`EmbeddedWrites` (each batch one transaction), `EmbeddedVersions` (the steps the one rebuild
routine, `indexer.backends.rebuild`, takes). `EmbeddedBackend` puts them behind the `Backend`
protocol.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path

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
from indexer.backends.rebuild import rebuild
from indexer.backends.sqlite_file import IndexUnavailable, SqliteIndexFile
from indexer.backends.sqlite_pool import DEFAULT_SIZE
from indexer.backends.sqlite_reads import EmbeddedReads
from indexer.backends.sqlite_versions import EmbeddedVersions, drop_abandoned_build
from indexer.backends.sqlite_writes import EmbeddedWrites
from records import Record, Source

__all__ = ["EmbeddedBackend", "IndexUnavailable"]


class EmbeddedBackend:
    """Opening never fails on a damaged file: every operation then raises `IndexUnavailable`
    saying what is wrong and what to do (`SqliteIndexFile`)."""

    def __init__(self, path: Path | str, *, connections: int = DEFAULT_SIZE) -> None:
        self.file = SqliteIndexFile(path, connections=connections, on_open=drop_abandoned_build)
        self._reads = EmbeddedReads(self.file)
        self._writes = EmbeddedWrites(self.file)
        self._versions = EmbeddedVersions(self.file)

    # -- RecordWrites -----------------------------------------------------------------------

    def upsert(self, records: Sequence[Record]) -> BulkResult:
        return self._writes.upsert(records)

    def delete(self, record_ids: Sequence[str]) -> BulkResult:
        return self._writes.delete(record_ids)

    def flush(self) -> None:
        """Writes are searchable at commit; only fold the WAL back into the file."""
        self._writes.flush()

    def bulk_load(self) -> AbstractContextManager[None]:
        """A full sync's upserts, written into a new version in key order, searchable all at
        once when the block ends (`EmbeddedVersions.bulk_load`)."""
        return self._versions.bulk_load()

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
        """Build a new index version from `records` (default: the stored canonical records),
        swap it in, drop the old one. Searches keep reading the old version until the swap."""
        return rebuild(self._versions, records)

    def disk_bytes(self) -> int:
        """Size of the database file and its WAL, after folding the WAL back in."""
        return self.file.disk_bytes()

    def close(self) -> None:
        """Close every connection (one lent out is closed when its transaction ends)."""
        self.file.close()

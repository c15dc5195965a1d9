"""What a sync run reports, and the sink and progress interfaces the engine talks to.

`RecordSink` is the part of the index backend contract the engine needs
(`indexer.backends.base.Backend` satisfies it); connectors do not import the indexer, the CLI
and the API pass a backend in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from records import Record, Source


class BulkOutcome(Protocol):
    @property
    def indexed(self) -> int: ...

    @property
    def deleted(self) -> int: ...

    @property
    def failed(self) -> Sequence[tuple[str, str]]: ...


class RecordSink(Protocol):
    def upsert(self, records: Sequence[Record]) -> BulkOutcome: ...

    def delete(self, record_ids: Sequence[str]) -> BulkOutcome: ...

    def ids(self, source: Source) -> Iterable[str]: ...


class Progress(Protocol):
    """Told about every committed page (the CLI draws `rich` bars from it)."""

    def begin(self, source: str) -> None: ...

    def advance(self, source: str, rows: int, total: int | None) -> None: ...

    def end(self, source: str, report: SourceReport) -> None: ...


@dataclass
class SourceReport:
    """One source's run. Every row fetched lands in exactly one of `indexed`, `updated`,
    `unchanged`, `quarantined`, `with_issues`, `removed` and `duplicates` (`accounted`)."""

    source: str
    status: str = "pending"  # ok, failed, circuit open, not configured
    fetched: int = 0  # rows seen
    indexed: int = 0  # records new to the index
    updated: int = 0  # records written again with a newer version
    unchanged: int = 0  # re-read (overlap, repeats) with a version already indexed
    quarantined: int = 0  # rows quarantined alone: nothing readable identifies them
    with_issues: int = 0  # records indexed with data issues (and listed in quarantine too)
    removed: int = 0  # rows that removed their record (CCTNS tombstones)
    duplicates: int = 0  # an older copy of an id seen again in the same pages (ignored)
    deleted: int = 0  # index deletions: tombstones, transfers' earlier owners, reconciliation
    quarantine_new: int = 0  # quarantine entries not seen before
    redacted: int = 0  # Aadhaar numbers removed
    retries: int = 0
    pages: int = 0
    write_s: float = 0.0  # time spent in the sink (index writes)
    reconciled: bool = False
    duration_s: float = 0.0
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def accounted(self) -> int:
        """Rows with an outcome; equals `fetched` once the run is over (a failed run can end
        with rows fetched but never written)."""
        return (
            self.indexed
            + self.updated
            + self.unchanged
            + self.quarantined
            + self.with_issues
            + self.removed
            + self.duplicates
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SyncReport:
    sources: dict[str, SourceReport] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(r.status == "ok" for r in self.sources.values())

    def as_dict(self) -> dict[str, Any]:
        return {name: r.as_dict() for name, r in self.sources.items()}

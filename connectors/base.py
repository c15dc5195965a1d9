"""What a connector is: a walker over a source's change feed, and a pure mapping of its rows.

The split matters. `walk` knows the transport (paging, cursors, tokens, files) and yields pages
with a resume point; `map_row` knows the source's fields and turns one row into a canonical
`Record` (or a `Tombstone`), raising `MappingError` for a bad row. The engine owns everything in
between (Aadhaar removal, de-duplication, the sink, checkpoints, quarantine), and quarantine
replay calls the same `map_row` on stored payloads.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from config import SourceSettings
from connectors.http import SourceClient
from records import DataIssue, Provenance, Record, Source, make_record_id


@dataclass(frozen=True)
class Row:
    """One source row as received.

    `problem` is set when the transport already knows the row is bad (a CSV line with the wrong
    number of cells); `version_hint` carries a version the row itself lacks (an ALIS row's
    file publication time)."""

    data: dict[str, Any]
    collection: str | None = None
    problem: str | None = None
    version_hint: datetime | None = None
    # issues found before mapping (text repaired or withheld: `connectors.text`)
    issues: tuple[DataIssue, ...] = ()


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    cursor: dict[str, Any] | None  # where the walk goes on after this page; None: it is over
    total: int | None = None  # rows the walk will see, when the source says
    # a version the walk has fully covered even if no row carried it (an ALIS file's publication
    # time, also when the file had no rows or was quarantined)
    watermark: datetime | None = None
    quarantine: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    # ^ (native id, reason, payload) for things that are not rows: a corrupt ALIS file
    resolved: list[str] = field(default_factory=list)  # such things now processed after all
    as_of: datetime | None = None  # the source's time when the walk began, when it says


@dataclass(frozen=True)
class Tombstone:
    """A delete the source announced (CCTNS `RECORD_STATUS: DELETED`)."""

    record_id: str
    native_id: str
    version: datetime


Mapped = Record | Tombstone


def utcnow() -> datetime:
    return datetime.now(UTC)


class Connector(ABC):
    """Base of the eight connectors. Subclasses set `source` and implement the abstract parts."""

    source: ClassVar[Source]
    streams: ClassVar[tuple[str, ...]] = ("all",)
    default_page_size: ClassVar[int] = 100
    # Whether an incremental walk starts `overlap_s` before the watermark. ALIS files never
    # change once published, so re-reading them would only cost downloads.
    uses_overlap: ClassVar[bool] = True
    # Whether the source has no deletes and needs periodic id reconciliation (e-Prisons).
    reconciles: ClassVar[bool] = False

    def __init__(
        self,
        client: SourceClient,
        settings: SourceSettings,
        *,
        work_dir: Path | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.client = client
        self.settings = settings
        self.page_size = settings.page_size or self.default_page_size
        self.work_dir = work_dir
        self.clock = clock
        # native ids of whole-file quarantine entries to try again (set by the engine)
        self.retry_native_ids: frozenset[str] = frozenset()

    @abstractmethod
    def walk(
        self, stream: str, since: datetime | None, cursor: dict[str, Any] | None
    ) -> AsyncIterator[Page]:
        """Pages of rows updated at or after `since` (all rows when None), starting at `cursor`
        when resuming. Each page's `cursor` must let a new process continue right after it."""

    @abstractmethod
    def native_id(self, row: Row) -> str | None:
        """The row's native id as the record id will carry it, or None when it has none."""

    @abstractmethod
    def map_row(self, row: Row, fetched_at: datetime) -> Mapped:
        """Row → canonical record; `MappingError` for a bad row. Pure: no I/O."""

    def superseded(self, record: Record) -> list[str]:
        """Record ids that `record` replaces under another id (Vahan: earlier owner serials of
        the same registration). The engine deletes those it holds."""
        return []

    def reconcile_ids(self) -> AsyncIterator[list[str]]:
        """Every native id the source holds now, in pages (sources that `reconciles`)."""
        raise NotImplementedError(f"{self.source} has no id reconciliation")

    # -- helpers for subclasses --------------------------------------------------------

    def provenance(
        self,
        native_id: str,
        updated_at: datetime,
        fetched_at: datetime,
        collection: str | None = None,
    ) -> Provenance:
        return Provenance(
            source=self.source,
            native_id=native_id,
            source_updated_at=updated_at,
            fetched_at=fetched_at,
            collection=collection,
        )

    def record_id(self, native_id: str) -> str:
        return make_record_id(self.source, native_id)

"""The sync engine: every configured source in parallel, each page through the same steps.

    walk page → remove Aadhaar → map (bad rows to quarantine) → keep the newest copy of each id
    → compare with the versions already indexed → write to the sink (refusals to quarantine)
    → commit versions, quarantine and checkpoint in one transaction

Consecutive small pages are written together (`FLUSH_RECORDS`, `FLUSH_S`); the checkpoint
moves only once their write returned, to the last of them.

A run needs the state file's sync lock (`connectors.lock`): `run_sync` takes it, and so must
anyone driving a `SyncEngine` directly (`icjs sync` does, round by round).

`on_written` (the alert step, NOC revocation) runs after each batch's write and before its
checkpoint; in a full sync that loads the index in bulk, after the load is current, over the
batches it wrote, in order (their ids are kept in the sync state with each checkpoint until the
hook returned, so a crash re-runs the hook on the next run, never skips it).

A walk is either full (from the beginning) or incremental (from the watermark minus the overlap
window). A walk interrupted by anything (crash, outage, kill) resumes from its last committed
page on the next run. A run never stops because of one source: each source ends with a status.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from config import SourceSettings, SyncSettings
from connectors.base import Connector, Mapped, Page, Row, Tombstone, utcnow
from connectors.clean import scrub_aadhaar
from connectors.errors import CircuitOpen, MappingError, SourceError
from connectors.feeds import from_iso, iso, later
from connectors.lock import sync_lock
from connectors.metrics import SyncMetrics, default_metrics
from connectors.reading import describe, read_row
from connectors.registry import open_connector
from connectors.report import BulkOutcome, Progress, RecordSink, SourceReport, SyncReport
from connectors.retry import CircuitBreaker, RetryPolicy
from records import Record, Source, make_record_id
from state import Database
from state.sync import Quarantined, StateStore, micros

log = logging.getLogger("icjs.sync")

# Reconciliation deletes ids the source stopped listing. If it would delete more than this share
# of a source's records at once, the listing is more likely broken than the prisons emptied:
# stop and say so instead.
RECONCILE_MAX_DELETE_SHARE = 0.5
SINK_BATCH = 1000
# Full re-walks after a reconciliation finds ids the walk missed. Each walk loses rows only to
# inserts made while it runs (position paging); three in a row losing some is a source that
# keeps shifting, which the next run's overlap and reconciliation catch instead.
RECONCILE_REWALKS = 3


# Small pages (an ALIS file of three rows, a quiet incremental window) are written together: a
# sink write has a fixed cost (a transaction, entity links), so one write of a few hundred
# records beats a hundred writes of three. The checkpoint still moves only after the write, so
# a crash re-reads at most the pages of one unwritten batch.
FLUSH_RECORDS = 200
FLUSH_S = 1.0
# A full walk writes a whole source: each write transaction rewrites every B-tree page its
# records touch, so fewer, larger transactions write fewer pages per record (bench/growth,
# docs/decisions.md "A full sync writes in large transactions"). A crash re-reads at most one
# batch, as before; only the batch is larger.
FULL_FLUSH_RECORDS = 2000
FULL_FLUSH_S = 10.0
# Inside a bulk load, larger still: what is left scattered (the record-id and link-key indexes,
# the sync state's versions) costs a page per page touched per commit, and pages touched grow
# more slowly than the batch (bench/growth, docs/decisions.md "A full sync with hooks loads in
# bulk"). A crash re-reads at most one batch of each source.
BULK_FLUSH_RECORDS = 8000
BULK_FLUSH_S = 30.0


@dataclass
class MappedPage:
    """One page (or several consecutive pages) after mapping and de-duplication.

    Every row fetched ends in exactly one count of the source's report (`SourceReport`
    reconciles them); `rows` says which items came from a row (a Vahan transfer's implied delete
    of the previous owner did not), and `dropped` counts row copies an item replaced."""

    items: dict[str, Mapped] = field(default_factory=dict)  # to write or delete, newest wins
    rows: set[str] = field(default_factory=set)  # ids of items that are rows
    quarantine: list[Quarantined] = field(default_factory=list)
    redactions: list[tuple[str, str, str]] = field(default_factory=list)
    newest: datetime | None = None
    stored: dict[str, int] = field(default_factory=dict)  # versions indexed before these pages
    written: set[str] = field(default_factory=set)  # ids the sink accepted
    removed: list[str] = field(default_factory=list)  # ids the sink deleted
    resolved: list[str] = field(default_factory=list)  # whole-file quarantine entries done
    deferred: list[str] = field(default_factory=list)  # ids written whose hooks run after a load
    dropped: int = 0  # row copies replaced by a newer copy of the same id in these pages
    dropped_by_delete: int = 0  # rows whose record an implied delete replaced
    payloads: dict[str, Any] = field(default_factory=dict)  # damaged records' rows as received

    @property
    def upserts(self) -> list[Record]:
        return [m for m in self.items.values() if isinstance(m, Record)]

    @property
    def deletes(self) -> list[Tombstone]:
        return [m for m in self.items.values() if isinstance(m, Tombstone)]

    def add(self, item: Mapped, *, row: bool = True) -> None:
        held = self.items.get(item.record_id)
        if held is not None and item.version < held.version:
            self.dropped += row
            return
        if held is not None and item.record_id in self.rows:
            if row:
                self.dropped += 1
            else:
                self.dropped_by_delete += 1
        self.items[item.record_id] = item
        if row:
            self.rows.add(item.record_id)
        else:
            self.rows.discard(item.record_id)

    def merge(self, later_page: MappedPage) -> None:
        """Fold in the page that came after this one."""
        for record_id, item in later_page.items.items():
            self.add(item, row=record_id in later_page.rows)
        self.dropped += later_page.dropped
        self.dropped_by_delete += later_page.dropped_by_delete
        self.payloads.update(later_page.payloads)
        self.quarantine += later_page.quarantine
        self.redactions += later_page.redactions
        self.newest = later(self.newest, later_page.newest)
        for record_id, version in later_page.stored.items():
            self.stored.setdefault(record_id, version)
        self.resolved += later_page.resolved


# kept under its old name for callers that map one row (replay, tests)
map_one = read_row


def quarantine_payload(row: Row) -> dict[str, Any]:
    return {"_problem": row.problem, **row.data} if row.problem else row.data


def row_from_payload(payload: Any, collection: str | None, version_hint: datetime | None) -> Row:
    data = dict(payload) if isinstance(payload, dict) else {"_value": payload}
    problem = data.pop("_problem", None)
    return Row(data, collection, problem if isinstance(problem, str) else None, version_hint)


class SyncEngine:
    def __init__(
        self,
        sink: RecordSink,
        state: StateStore,
        settings: SyncSettings,
        *,
        policy: RetryPolicy | None = None,
        metrics: SyncMetrics | None = None,
        progress: Progress | None = None,
        clock: Callable[[], datetime] = utcnow,
        flush_records: int | None = None,
        on_written: Callable[[Sequence[Record]], None] | None = None,
        on_removed: Callable[[Sequence[str]], None] | None = None,
        before_load: Callable[[], None] | None = None,
        after_load: Callable[[], None] | None = None,
    ) -> None:
        self.sink = sink
        # told about every batch of records the index accepted (the NOC revokes CLEAR
        # certificates of vehicles a new theft report names: `federation.revoke_on_reports`)
        self.on_written = on_written
        # told the ids of every batch the index deleted (a tombstone, a reconciliation), so that
        # what was built from those records (open alert cases) goes with them
        self.on_removed = on_removed
        # told when a bulk load is about to start and `on_written` will run after it (the alert
        # step reads the offenders' register then, from the index without the load's records)
        self.before_load = before_load
        self.after_load = after_load  # and when it has run over the load's batches
        self.state = state
        self.settings = settings
        self.policy = policy or RetryPolicy.from_settings(settings)
        self.metrics = metrics or default_metrics()
        self.progress = progress
        self.clock = clock
        self.breakers: dict[str, CircuitBreaker] = {}
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="icjs-sink")
        # records (or seconds) per write: `flush_records` when given (tests write per page), else
        # FLUSH_* for an incremental walk and FULL_FLUSH_* for a full one
        self.flush_records = flush_records
        # during a bulk load: larger batches, and `on_written` runs once the load is current
        # (`_run_deferred`)
        self._loading = False
        self._deferring = False

    def close(self) -> None:
        self._writer.shutdown(wait=True)

    @property
    def work_dir(self) -> Path:
        """Where files a source serves (ALIS exports) are kept between requests: next to the
        state file, or to where it would be when the state is a shared database."""
        anchor = self.state.path or self.settings.state_path
        return anchor.parent / f"{anchor.stem}-downloads"

    def breaker(self, name: str) -> CircuitBreaker:
        """One breaker per source, kept across runs of this engine (`--watch`)."""
        if name not in self.breakers:
            self.breakers[name] = CircuitBreaker(
                name, self.settings.breaker_failures, self.settings.breaker_reset_s
            )
        return self.breakers[name]

    async def run(self, sources: dict[str, SourceSettings], *, full: bool = False) -> SyncReport:
        report = SyncReport()
        names = [n for n, s in sources.items() if s.enabled]
        for name in names:
            report.sources[name] = SourceReport(name)
        # hooks a load stopped by a crash left, before anything else is written; once none is
        # left, what the hook kept for them goes (the register pinned before that load)
        failures = await self._run_deferred(names)
        if self.after_load is not None and not self.state.has_deferred():
            self.after_load()
        # A full walk rewrites every record: a sink that can load in bulk (build its indexes
        # once, at the end, and show the result all at once) is told so. It finishes the load
        # whatever happens here, since the checkpoints move as batches are written. The
        # `on_written` hook (the alert step searches the index for what a batch's records
        # match, and during a load searches see the old version) then runs over the batches
        # the load wrote, in order, once the load is current: each batch's ids are kept in the
        # sync state with its checkpoint and dropped once its hook returned (`_run_deferred`).
        bulk_load = getattr(self.sink, "bulk_load", None) if full and names else None
        if self.on_written is not None and self._sink_get() is None:
            bulk_load = None  # it could not read the batches back for the hook
        deferring = bulk_load is not None and self.on_written is not None
        if deferring and self.before_load is not None:
            self.before_load()
        load = bulk_load() if bulk_load is not None else nullcontext()
        await asyncio.to_thread(load.__enter__)
        self._loading, self._deferring = bulk_load is not None, deferring
        try:
            await asyncio.gather(
                *(self._run_source(n, sources[n], full, report.sources[n]) for n in names)
            )
        finally:
            self._loading = self._deferring = False
            await asyncio.to_thread(load.__exit__, None, None, None)
        try:
            failures.update(await self._run_deferred(names))
        finally:
            # batches a failed hook kept (or another source's) are still to be matched against
            # what `before_load` pinned: it stays until they are (the next run's drain above)
            if deferring and self.after_load is not None and not self.state.has_deferred():
                self.after_load()
        for name, error in failures.items():
            source = report.sources[name]
            source.status = "failed"
            source.error = "; ".join(e for e in (source.error, error) if e)
            self.state.fail_last_run(name, error)
        return report

    def _sink_get(self) -> Callable[[Sequence[str]], list[Record]] | None:
        """The sink's `get` (records by id), which reads a bulk load's batches back for the
        hook; None when the sink has none."""
        get = getattr(self.sink, "get", None)
        return get if callable(get) else None

    async def _run_deferred(self, names: Sequence[str]) -> dict[str, str]:
        """Run `on_written` over the batches a bulk load wrote before it (`StateStore.deferred`),
        in the order they were written, each batch's ids dropped once its hook returned: the
        alerts they cause are in the outbox before they are forgotten, and a crash here leaves
        them for the next run. Read back from the index, so a record deleted since is not
        hooked (its removal was). A source whose hook fails keeps the rest of its batches for
        the next run; the others go on. Returns the failures by source."""
        get = self._sink_get()
        if self.on_written is None or get is None:
            return {}
        failures: dict[str, str] = {}
        after = 0
        while True:
            entries = self.state.deferred(names, after=after)
            if not entries:
                return failures
            for entry in entries:
                after = entry.id
                if entry.source in failures:
                    continue
                # on the writer thread, as every call on the sink
                loop = asyncio.get_running_loop()
                held: list[Record] = await loop.run_in_executor(self._writer, get, entry.record_ids)
                found = {r.record_id: r for r in held}
                records = [found[i] for i in entry.record_ids if i in found]
                try:
                    # in pieces the size a full walk outside a load writes: the hook's matchers
                    # compare each record with what the batch registers (the offenders' register)
                    for start in range(0, len(records), FULL_FLUSH_RECORDS):
                        self.on_written(records[start : start + FULL_FLUSH_RECORDS])
                except Exception as exc:  # as a failed page: this source stops, others go on
                    log.exception("the sync's hook failed after the bulk load (%s)", entry.source)
                    failures[entry.source] = (
                        f"hook after the bulk load failed: {type(exc).__name__}: {exc} "
                        "(its records are hooked on the next run)"
                    )
                    continue
                self.state.hooked(entry.id)

    # -- one source ----------------------------------------------------------------------------

    async def _run_source(
        self, name: str, settings: SourceSettings, full: bool, report: SourceReport
    ) -> None:
        started = time.monotonic()
        if self.progress:
            self.progress.begin(name)
        run_id = self.state.start_run(name, full=full)
        connector: Connector | None = None
        try:
            connector = open_connector(
                name,
                settings,
                policy=self.policy,
                breaker=self.breaker(name),
                work_dir=self.work_dir / name,
                on_retry=lambda source, exc: self.metrics.retries.labels(source).inc(),
            )
            for stream in connector.streams:
                report.extra["failed_stream"] = stream  # until it completes
                await self._run_stream(connector, stream, full, report)
                report.extra.pop("failed_stream")
            if connector.reconciles and self._reconcile_due(name, full):
                missing = await self._reconcile(connector, report)
                for _ in range(RECONCILE_REWALKS):
                    if not missing:
                        break
                    # The walk missed rows that position paging shifted away: read it all once
                    # more (de-duplication makes the repeat cheap for the index), and check
                    # again, since rows can shift away under the second walk too.
                    report.extra["reconcile_missing"] = missing
                    for stream in connector.streams:
                        report.extra["failed_stream"] = stream
                        await self._run_stream(connector, stream, True, report)
                        report.extra.pop("failed_stream")
                    missing = await self._reconcile(connector, report)
                report.extra["reconcile_missing_after"] = missing
            report.status = "ok"
            self.metrics.last_success.labels(name).set(time.time())
        except CircuitOpen as exc:
            report.status, report.error = "circuit open", str(exc)
        except SourceError as exc:
            report.status, report.error = "failed", str(exc)
        except Exception as exc:  # a bug in one connector must not stop the other sources
            log.exception("sync of %s failed unexpectedly", name)
            report.status, report.error = "failed", f"unexpected {type(exc).__name__}: {exc}"
        finally:
            if connector is not None:
                report.retries += connector.client.retries
                await connector.client.aclose()
            report.duration_s = time.monotonic() - started
            self.state.finish_run(run_id, report.status, report.as_dict(), report.error)
            if self.progress:
                self.progress.end(name, report)

    def _reconcile_due(self, name: str, full: bool) -> bool:
        if full:
            return True
        last = self.state.checkpoint(name, "reconcile").last_reconcile
        every = timedelta(seconds=self.settings.reconcile_every_s)
        return last is None or self.clock() - last >= every

    async def _run_stream(
        self, connector: Connector, stream: str, full: bool, report: SourceReport
    ) -> None:
        name = connector.source.value
        checkpoint = self.state.checkpoint(name, stream)
        walk = checkpoint.walk
        if walk is not None and (walk.get("full") or not full):
            since = from_iso(walk.get("since"))
            cursor = walk.get("cursor") if isinstance(walk.get("cursor"), dict) else None
            newest = from_iso(walk.get("newest"))
            walk_full = bool(walk.get("full"))
        else:
            walk_full = full or checkpoint.watermark is None
            since = None
            if not walk_full and checkpoint.watermark is not None:
                overlap = self.settings.overlap_s if connector.uses_overlap else 0
                since = checkpoint.watermark - timedelta(seconds=overlap)
            cursor, newest = None, None
        connector.retry_native_ids = frozenset(
            e.native_id for e in self.state.quarantine_entries(name) if e.collection == "@file"
        )
        flush_records, flush_s = (
            (FULL_FLUSH_RECORDS, FULL_FLUSH_S) if walk_full else (FLUSH_RECORDS, FLUSH_S)
        )
        if walk_full and self._loading:
            flush_records, flush_s = BULK_FLUSH_RECORDS, BULK_FLUSH_S
        if self.flush_records is not None:
            flush_records, flush_s = self.flush_records, FLUSH_S
        batch = MappedPage()
        batch_started = time.monotonic()
        as_of: datetime | None = None
        async for page in connector.walk(stream, since, cursor):
            # the source's time: its body's `as_of` (CCTNS: when the walk began), else its
            # `Date` header at the first page; the earliest is what the walk is complete to
            seen = page.as_of or connector.client.server_time
            as_of = as_of or seen
            if seen is not None:
                self.state.saw(name, stream, seen)
            mapped = self._map_page(connector, page, walk_full, report)
            mapped.resolved = list(page.resolved)
            batch.merge(mapped)
            newest = later(later(newest, mapped.newest), page.watermark)
            done = page.cursor is None
            report.pages += 1
            if self.progress:
                self.progress.advance(name, len(page.rows), page.total)
            pending = len(batch.items) + len(batch.quarantine)
            if not (
                done or pending >= flush_records or time.monotonic() - batch_started >= flush_s
            ):
                continue
            await self._write(batch, report)
            watermark = later(checkpoint.watermark, newest) if done else checkpoint.watermark
            next_walk = None
            if not done:
                next_walk = {
                    "full": walk_full,
                    "since": iso(since),
                    "cursor": page.cursor,
                    "newest": iso(newest),
                }
            new_quarantine = self.state.commit_page(
                name,
                stream,
                watermark=watermark,
                walk=next_walk,
                success=done,
                written=[
                    (r.record_id, micros(r.version))
                    for r in batch.upserts
                    if r.record_id in batch.written
                ],
                deleted=batch.removed,
                quarantined=batch.quarantine,
                redactions=batch.redactions,
                as_of=as_of,
                defer_hooks=batch.deferred,
            )
            for native in batch.resolved:
                self.state.resolve_file(name, native)
            report.quarantine_new += new_quarantine
            self.metrics.quarantined.labels(name).inc(new_quarantine)
            batch, batch_started = MappedPage(), time.monotonic()

    # -- mapping and de-duplication -----------------------------------------------------------

    def _map_page(
        self, connector: Connector, page: Page, full: bool, report: SourceReport
    ) -> MappedPage:
        name = connector.source.value
        out = MappedPage()
        fetched_at = self.clock()
        best: dict[str, Mapped] = {}
        payloads: dict[str, dict[str, Any]] = {}
        for raw_row in page.rows:
            data, removed = scrub_aadhaar(raw_row.data)
            row = Row(data, raw_row.collection, raw_row.problem, raw_row.version_hint)
            native = connector.native_id(row)
            out.redactions.extend((native or "?", path, "aadhaar") for path in removed)
            try:
                mapped = read_row(connector, row, fetched_at)
            except MappingError as exc:
                out.quarantine.append(
                    Quarantined(
                        name,
                        native,
                        exc.reason,
                        quarantine_payload(row),
                        row.collection,
                        row.version_hint,
                    )
                )
                report.quarantined += 1
                continue
            version = mapped.version
            out.newest = later(out.newest, version)
            held = best.get(mapped.record_id)
            if held is not None:
                report.duplicates += 1
                if held.version > version:
                    continue
            best[mapped.record_id] = mapped
            payloads[mapped.record_id] = quarantine_payload(row)
        for native, reason, payload in page.quarantine:
            scrubbed, _ = scrub_aadhaar(payload)
            out.quarantine.append(Quarantined(name, native, reason, scrubbed, "@file"))
        report.fetched += len(page.rows)
        report.redacted += len(out.redactions)
        self.metrics.fetched.labels(name).inc(len(page.rows))
        self.metrics.redacted.labels(name).inc(len(out.redactions))

        stored = self.state.versions(list(best))
        replaced: list[str] = []
        for record_id, mapped in best.items():
            old = stored.get(record_id)
            stamp = micros(mapped.version)
            if isinstance(mapped, Tombstone):
                if old is None or old <= stamp:
                    out.add(mapped)
                else:
                    report.unchanged += 1
                continue
            if old is not None and (old > stamp or (old == stamp and not full)):
                # an older copy (damaged or not) of what the index holds adds nothing to it
                report.unchanged += 1
                continue
            out.add(mapped)
            if mapped.data_issues:
                out.payloads[record_id] = payloads[record_id]
            replaced.extend(connector.superseded(mapped))
        if replaced:
            for record_id, held_at in self.state.versions(replaced).items():
                tomb = Tombstone(record_id, record_id.partition(":")[2], _at(held_at))
                out.add(tomb, row=False)
        out.stored = stored
        return out

    # -- the sink -----------------------------------------------------------------------------

    async def _sink(
        self, call: Callable[[Sequence[Any]], BulkOutcome], items: Sequence[Any]
    ) -> BulkOutcome:
        """Run a sink call on the engine's one writer thread: backends are synchronous, and one
        thread means one backend connection (one page cache), writes in commit order."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, call, items)

    async def _timed(
        self,
        report: SourceReport,
        call: Callable[[Sequence[Any]], BulkOutcome],
        items: Sequence[Any],
    ) -> BulkOutcome:
        started = time.perf_counter()
        try:
            return await self._sink(call, items)
        finally:
            report.write_s += time.perf_counter() - started

    async def _write(self, page: MappedPage, report: SourceReport) -> None:
        """Sink calls run in a worker thread (backends are synchronous), so other sources keep
        fetching while one page is written. Counts each row's outcome in `report`."""
        report.duplicates += page.dropped
        report.removed += page.dropped_by_delete
        upserts = page.upserts
        if upserts:
            result = await self._timed(report, self.sink.upsert, upserts)
            failed = dict(result.failed)
            for record in upserts:
                if record.record_id in failed:
                    page.quarantine.append(
                        Quarantined(
                            record.source.value,
                            record.provenance.native_id,
                            f"index refused: {failed[record.record_id]}",
                            page.payloads.get(record.record_id, record.raw),
                            record.provenance.collection,
                            row_hint(record),
                        )
                    )
                    report.quarantined += 1
                    continue
                page.written.add(record.record_id)
                if record.data_issues:
                    # indexed with what could be read, and listed in quarantine with the row as
                    # received, so that `icjs quarantine replay` can read it again after a fix
                    page.quarantine.append(
                        Quarantined(
                            record.source.value,
                            record.provenance.native_id,
                            describe(record.data_issues),
                            page.payloads.get(record.record_id, record.raw),
                            record.provenance.collection,
                            row_hint(record),
                            indexed=True,
                        )
                    )
                    report.with_issues += 1
                elif record.record_id in page.stored:
                    report.updated += 1
                else:
                    report.indexed += 1
            written = len(upserts) - len(failed)
            self.metrics.indexed.labels(report.source).inc(written)
            if self.on_written is not None and written:
                accepted = [r for r in upserts if r.record_id not in failed]
                if self._deferring:
                    page.deferred.extend(r.record_id for r in accepted)
                else:
                    self.on_written(accepted)
        deletes = page.deletes
        if deletes:
            result = await self._timed(report, self.sink.delete, [t.record_id for t in deletes])
            failed = dict(result.failed)
            for tomb in deletes:
                row = tomb.record_id in page.rows
                if tomb.record_id in failed:
                    page.quarantine.append(
                        Quarantined(
                            report.source,
                            tomb.native_id,
                            f"index refused the delete: {failed[tomb.record_id]}",
                            {"_tombstone": tomb.record_id},
                        )
                    )
                    report.quarantined += row
                else:
                    page.removed.append(tomb.record_id)
                    report.removed += row
            report.deleted += result.deleted
            self.metrics.deleted.labels(report.source).inc(result.deleted)
            gone = [t.record_id for t in deletes if t.record_id not in failed]
            if self.on_removed is not None and gone:
                self.on_removed(gone)

    # -- reconciliation ------------------------------------------------------------------------

    async def _reconcile(self, connector: Connector, report: SourceReport) -> int:
        """Delete what the index holds and the source no longer lists; return how many listed
        ids the index lacks (rows the walk missed)."""
        name = connector.source.value
        self.state.reconcile_begin(name)
        listed = 0
        async for ids in connector.reconcile_ids():
            self.state.reconcile_add([make_record_id(name, i) for i in ids])
            listed += len(ids)
        gone: list[str] = []
        indexed = 0
        chunk: list[str] = []
        for record_id in self.sink.ids(connector.source):
            indexed += 1
            chunk.append(record_id)
            if len(chunk) >= SINK_BATCH:
                gone += self.state.reconcile_missing(chunk)
                chunk = []
        gone += self.state.reconcile_missing(chunk)
        if indexed and len(gone) > max(10, RECONCILE_MAX_DELETE_SHARE * indexed):
            raise SourceError(
                name,
                f"reconciliation would delete {len(gone)} of {indexed} records; "
                "refusing (the id listing looks incomplete)",
            )
        for start in range(0, len(gone), SINK_BATCH):
            batch = gone[start : start + SINK_BATCH]
            result = await self._sink(self.sink.delete, batch)
            report.deleted += result.deleted
            self.metrics.deleted.labels(name).inc(result.deleted)
            failed = {rid for rid, _ in result.failed}
            removed = [r for r in batch if r not in failed]
            if self.on_removed is not None and removed:
                self.on_removed(removed)
            self.state.commit_page(
                name,
                "reconcile",
                watermark=None,
                walk=None,
                success=False,
                deleted=[r for r in batch if r not in failed],
            )
        self.state.mark_reconciled(name, "reconcile", self.clock())
        self.state.record_reconciliation(name, self.clock(), listed, gone)
        report.reconciled = True
        report.extra["reconcile_listed"] = listed
        report.extra["reconcile_deleted"] = len(gone)
        return self.state.reconcile_unknown(name)


def row_hint(record: Record) -> datetime | None:
    """The version a row lacks and its transport gave (an ALIS file's publication time)."""
    return record.version if record.source is Source.ALIS else None


def _at(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp / 1_000_000, tz=UTC)


async def run_sync(
    sources: dict[str, SourceSettings],
    sink: RecordSink,
    state_path: Path | Database,
    sync_settings: SyncSettings,
    full: bool = False,
    progress: Progress | None = None,
    *,
    policy: RetryPolicy | None = None,
    metrics: SyncMetrics | None = None,
    flush_records: int | None = None,
    lock_wait: float = 0.0,
    on_written: Callable[[Sequence[Record]], None] | None = None,
    on_removed: Callable[[Sequence[str]], None] | None = None,
    before_load: Callable[[], None] | None = None,
    after_load: Callable[[], None] | None = None,
) -> SyncReport:
    """Sync `sources` into `sink` once, holding the state's sync lock (`connectors.lock`) for
    the run (`state_path`: a SQLite state file, or a state database): `SyncBusy` if another
    sync still holds it after `lock_wait` seconds.
    The demo and the tests come through here; `icjs sync` takes the lock per `--watch` round."""
    enabled = [n for n, s in sources.items() if s.enabled]
    async with sync_lock(state_path, wait=lock_wait, sources=enabled):
        with StateStore(state_path) as state:
            engine = SyncEngine(
                sink,
                state,
                sync_settings,
                policy=policy,
                metrics=metrics,
                progress=progress,
                flush_records=flush_records,
                on_written=on_written,
                on_removed=on_removed,
                before_load=before_load,
                after_load=after_load,
            )
            try:
                return await engine.run(sources, full=full)
            finally:
                engine.close()


def sources_in_order(names: Sequence[str]) -> list[str]:
    from records import source_names

    return [n for n in source_names() if n in names]

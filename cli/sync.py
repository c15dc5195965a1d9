"""`icjs sync`: pull the configured sources into the index, once or on a schedule.

One sync per state file at a time (`connectors.lock`). A second `icjs sync` is refused with one
line naming the holder and exit status 75 (EX_TEMPFAIL: try again later), unless `--wait`.
`--watch` holds the lock only while a round runs, so a manual run can go between rounds; its
own later rounds then wait for the lock instead of being refused.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NamedTuple

import typer
from rich.console import Console, Group, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from config import ConfigError, SourceSettings, SyncSettings, load_settings
from connectors import RecordSink, SourceReport, SyncEngine, SyncReport
from connectors.lock import Holder, SyncBusy, SyncLock, lock_for
from connectors.manifest import load_manifest, merge_sources
from records import Record, source_names
from state import Database
from state.databases import StateDatabases
from state.sync import StateStore

if TYPE_CHECKING:
    from alerts import AlertStep
    from config import Settings
    from indexer.backends.base import Backend


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "", style="progress.data.speed")


class RichProgress:
    """`connectors.report.Progress` drawn as one `rich` bar per source: rows, rate, and an ETA
    where the source says how many rows the walk will see."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._tasks: dict[str, TaskID] = {}

    def begin(self, source: str) -> None:
        self._tasks[source] = self._progress.add_task(source, total=None)

    def advance(self, source: str, rows: int, total: int | None) -> None:
        task = self._tasks[source]
        if total is not None and self._progress.tasks[task].total is None:
            self._progress.update(task, total=total)
        self._progress.advance(task, rows)

    def end(self, source: str, report: SourceReport) -> None:
        task = self._tasks[source]
        done = self._progress.tasks[task].completed
        self._progress.update(task, total=done, description=f"{source} [{report.status}]")


# The closing table: every row seen lands in one of the outcome columns (they add up to `seen`).
_REPORT_COLUMNS = (
    ("seen", "fetched"),
    ("indexed", "indexed"),
    ("updated", "updated"),
    ("unchanged", "unchanged"),
    ("with issues", "with_issues"),
    ("quarantined", "quarantined"),
    ("removed", "removed"),
    ("duplicates", "duplicates"),
)


def _table(title: str, columns: list[str]) -> Table:
    """A table that wraps its cells to the terminal's width instead of cutting them."""
    table = Table(title=title, expand=False)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i < 2 else "right", overflow="fold")
    return table


# Below this width a table of every column would fold its headers letter by letter: each
# source gets its own lines instead.
WIDE = 130


def report_view(report: SyncReport, width: int) -> RenderableType:
    """The closing table of a sync; on a narrow terminal, a few wrapped lines per source."""
    if width < WIDE:
        return Group(*(_report_lines(name, r) for name, r in report.sources.items()))
    table = _table("sync", ["source", "status", *(c for c, _ in _REPORT_COLUMNS), "time"])
    for name, r in report.sources.items():
        status = r.status if not r.error else f"{r.status}: {r.error}"
        counts = r.as_dict()
        table.add_row(
            name,
            status,
            *(str(counts[key]) for _, key in _REPORT_COLUMNS),
            f"{r.duration_s:.1f}s",
        )
    return table


def _report_lines(name: str, r: SourceReport) -> Text:
    counts = r.as_dict()
    status = r.status if not r.error else f"{r.status}: {r.error}"
    outcomes = " + ".join(f"{label} {counts[key]}" for label, key in _REPORT_COLUMNS[1:])
    return Text(f"{name}: {status} ({r.duration_s:.1f}s)\n  seen {r.fetched} = {outcomes}")


def status_view(status: dict[str, dict[str, Any]], width: int) -> RenderableType:
    """`icjs sync status`: one row per source, or on a narrow terminal one small table per
    source (field, value), wrapped, never cut."""
    rows = {name: _status_cells(row) for name, row in status.items()}
    headers = list(next(iter(rows.values())))
    if width < WIDE:
        tables = []
        for name, cells in rows.items():
            table = _table(name, ["field", "value"])
            for header in headers[1:]:
                table.add_row(header, cells[header])
            tables.append(table)
        return Group(*tables)
    table = _table("sync status", headers)
    for cells in rows.values():
        table.add_row(*cells.values())
    return table


def _status_cells(row: dict[str, Any]) -> dict[str, str]:
    run = row.get("last_run") or {}
    counts = run.get("counts") or {}
    failure = row.get("last_failure")
    lag = row.get("lag_s")
    recon = row.get("reconciliation")
    cells = {
        "source": row["source"] + ("" if run.get("reconciles", True) else " (counts off)"),
        "last success": _when(row.get("last_success")) or "never",
        "last failure": (
            f"{_when(failure['at'])} {failure['error'] or ''}".strip() if failure else ""
        ),
        "lag": _duration(lag) if lag is not None else "",
    }
    cells.update({label: str(counts.get(key, "")) for label, key in _REPORT_COLUMNS})
    cells["open: quarantined / with issues"] = (
        f"{row.get('quarantined', 0)} / {row.get('with_issues', 0)}"
    )
    cells["reconciliation"] = (
        f"{_when(recon['at'])}: {recon['listed']} listed, {recon['removed']} removed"
        + (f" ({', '.join(recon['removed_ids'][:3])})" if recon["removed"] else "")
        if recon
        else ""
    )
    return cells


def _when(value: str | None) -> str:
    return value[:19].replace("T", " ") if value else ""


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def _selected(
    sources: dict[str, SourceSettings], wanted: list[str] | None
) -> dict[str, SourceSettings]:
    for name in wanted or []:
        if name not in source_names():
            raise ConfigError(f"unknown source {name!r}; known: {', '.join(source_names())}")
    names = wanted or [n for n in source_names() if n in sources]
    chosen = {n: sources[n] for n in names if n in sources and sources[n].url}
    missing = [n for n in names if n not in chosen]
    if wanted and missing:
        raise ConfigError(f"source {missing[0]!r} has no url: configure [sources.{missing[0]}]")
    if not chosen:
        raise ConfigError("no source configured: set [sources.*] or pass --manifest FILE")
    return chosen


def _announce(console: Console, state: object, limit: float) -> Callable[[Holder | None], None]:
    def say(holder: Holder | None) -> None:
        who = holder.describe() if holder else "holder unknown"
        until = "" if math.isinf(limit) else f" (up to {limit:g} s)"
        console.print(f"waiting for the sync of {state} by {who} to finish{until}", soft_wrap=True)

    return say


async def _loop(
    sources: dict[str, SourceSettings],
    backend: RecordSink,
    settings: SyncSettings,
    *,
    state_db: Database,
    full: bool,
    watch: bool,
    interval: int,
    lock: SyncLock,
    on_written: Callable[[Sequence[Record]], None] | None = None,
    on_removed: Callable[[Sequence[str]], None] | None = None,
    before_load: Callable[[], None] | None = None,
    after_load: Callable[[], None] | None = None,
) -> bool:
    """One run, or one every `interval` seconds. The engine (and so each source's circuit
    breaker) lives across `--watch` runs.

    The sync lock is held per round, not for the life of a `--watch`: between rounds the watch
    has nothing in flight, and an officer's `--full` or single-source run should not have to
    stop the watch to get in. The first round is refused like any sync (a second watch started
    by mistake says so at once); later rounds wait for whoever slipped in, then go on from the
    checkpoints that run left. `lock` comes in held, for the first round."""
    console = Console(stderr=True)
    with StateStore(state_db) as state:
        engine = SyncEngine(
            backend,
            state,
            settings,
            on_written=on_written,
            on_removed=on_removed,
            before_load=before_load,
            after_load=after_load,
        )
        try:
            while True:
                with Progress(
                    TextColumn("{task.description:<24}"),
                    BarColumn(),
                    MofNCompleteColumn(),
                    RateColumn(),
                    TimeElapsedColumn(),
                    TimeRemainingColumn(),
                    console=console,
                ) as bars:
                    engine.progress = RichProgress(bars)
                    report = await engine.run(sources, full=full)
                lock.release()
                out = Console()
                out.print(report_view(report, out.width))
                if not watch:
                    return report.ok
                full = False
                await asyncio.sleep(interval)
                await lock.acquire_async(math.inf, _announce(console, state_db.display, math.inf))
        finally:
            engine.close()


def noc_revoker(
    target: Database | Path,
) -> tuple[Callable[[Sequence[Record]], None], Callable[[], None]]:
    """The sync's hook that revokes CLEAR NOCs of vehicles a new theft report names (and records
    the event for the alerts work), and its close. `target`: the NOC store's database (or the
    SQLite file)."""
    from federation import NocStore, revoke_on_reports

    store = NocStore(target)

    def revoke(records: Sequence[Record]) -> None:
        revoke_on_reports(store, records, now=datetime.now(UTC))

    return revoke, store.close


class SyncHooks(NamedTuple):
    """What a sync hands the engine: `written` (`on_written`), `removed` (`on_removed`), the
    `close` of what they opened, and the alert `step` (for its totals)."""

    written: Callable[[Sequence[Record]], None]
    close: Callable[[], None]
    step: AlertStep
    removed: Callable[[Sequence[str]], None]
    before_load: Callable[[], None]  # `SyncEngine.before_load`, `after_load`
    after_load: Callable[[], None]


def alert_hook(state: StateDatabases, backend: Backend, settings: Settings) -> SyncHooks:
    """The sync's hooks. Written pages: revoke NOCs a new theft report names, then the alert
    step (matchers into the outbox; `alerts.hook`), then the network graph's update
    (`network.hook`). Removed records: out of the alert cases and the graph. The directory of
    desks is `alerts.directory`."""
    from alerts.directory import Directory
    from alerts.hook import sync_hook
    from auth.policy import Policy
    from network.hook import store_path
    from network.hook import sync_hook as network_hook

    path = settings.alerts.directory
    directory = Directory.load(path) if path is not None and path.exists() else None
    policy = Policy.load(settings.auth.policy_path)  # whose retro-hits may be sent
    alerts, close_alerts, step = sync_hook(
        state.alerts, state.noc, backend, directory=directory, policy=policy
    )
    # the network graph is kept current by the same pages (network.hook)
    graph, forget_graph, close_graph = network_hook(store_path(settings.data_dir))

    def written(records: Sequence[Record]) -> None:
        alerts(records)
        graph(records)

    def removed(record_ids: Sequence[str]) -> None:
        step.forget(record_ids)
        forget_graph(record_ids)

    def close() -> None:
        close_alerts()
        close_graph()

    return SyncHooks(written, close, step, removed, alerts.before_load, alerts.after_load)


sync_app = typer.Typer(
    help="Pull the sources into the index (incremental, or --full); `icjs sync status`.",
    invoke_without_command=True,
)


@sync_app.command("status")
def status(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object, for machines.")] = False,
) -> None:
    """Per source: last success and failure, lag by the source's clock, the last run's counts
    (seen = indexed + updated + unchanged + with issues + quarantined + removed + duplicates),
    open quarantine, the last ids reconciliation."""
    from connectors.status import sync_status

    settings = load_settings()
    state = StateDatabases.open(settings)
    try:
        rows = sync_status(state.sync)
    finally:
        state.close()
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    out = Console()
    out.print(status_view({n: {"source": n, **r} for n, r in rows.items()}, out.width))


def register(app: typer.Typer) -> None:
    app.add_typer(sync_app, name="sync")

    @sync_app.callback()
    def sync(
        ctx: typer.Context,
        source: Annotated[
            list[str] | None, typer.Option("--source", "-s", help="Only this source (repeatable).")
        ] = None,
        full: Annotated[bool, typer.Option(help="Re-read everything, not only changes.")] = False,
        manifest: Annotated[
            Path | None,
            typer.Option(help="JSON of source URLs and credentials (as `icjs simulate` writes)."),
        ] = None,
        watch: Annotated[bool, typer.Option(help="Keep syncing every --interval seconds.")] = False,
        interval: Annotated[int, typer.Option(min=1, help="Seconds between --watch runs.")] = 300,
        wait: Annotated[
            float,
            typer.Option(
                min=0,
                metavar="SECONDS",
                help="If another sync of the same state file is running, wait up to this long "
                "for it (`inf`: no limit) instead of exiting with status 75.",
            ),
        ] = 0,
    ) -> None:
        """Pull the sources into the index: incremental from each checkpoint, or --full."""
        if ctx.invoked_subcommand is not None:
            return
        from indexer import open_backend

        settings = load_settings()
        sources = dict(settings.sources)
        console = Console(stderr=True)
        if manifest is not None:
            sources, warnings = merge_sources(sources, load_manifest(manifest))
            for warning in warnings:
                console.print(f"[yellow]{warning}[/yellow]")
        chosen = _selected(sources, source)
        state = StateDatabases.open(settings)  # SQLite: nothing is opened before it is used
        # The lock before anything else is opened: a refused sync touches neither index nor state.
        lock = lock_for(state.sync, sources=[n for n, s in chosen.items() if s.enabled])
        try:
            lock.acquire(wait, _announce(console, state.sync.display, wait))
        except SyncBusy as exc:
            state.close()
            typer.echo(f"icjs sync: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            state.close()
            raise typer.Exit(130) from None
        backend = open_backend(settings.search)
        hooks = alert_hook(state, backend, settings)
        try:
            try:
                ok = asyncio.run(
                    _loop(
                        chosen,
                        backend,
                        settings.sync,
                        state_db=state.sync,
                        full=full,
                        watch=watch,
                        interval=interval,
                        lock=lock,
                        on_written=hooks.written,
                        on_removed=hooks.removed,
                        before_load=hooks.before_load,
                        after_load=hooks.after_load,
                    )
                )
                raise typer.Exit(0 if ok else 1)
            except KeyboardInterrupt:
                raise typer.Exit(130) from None
            finally:
                backend.close()
        finally:
            hooks.close()
            lock.release()
            state.close()

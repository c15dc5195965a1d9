"""`icjs sync`: pull the configured sources into the index, once or on a schedule.

One sync per state file at a time (`connectors.lock`). A second `icjs sync` is refused with one
line naming the holder and exit status 75 (EX_TEMPFAIL: try again later), unless `--wait`.
`--watch` holds the lock only while a round runs, so a manual run can go between rounds; its
own later rounds then wait for the lock instead of being refused.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
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
from config.settings import SOURCE_NAMES
from connectors import RecordSink, SourceReport, SyncEngine, SyncReport
from connectors.lock import Holder, SyncBusy, SyncLock
from connectors.manifest import load_manifest, merge_sources
from connectors.state import StateStore


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


def report_table(report: SyncReport) -> Table:
    table = Table(title="sync")
    for column in (
        "source",
        "status",
        "fetched",
        "indexed",
        "updated",
        "deleted",
        "quarantined",
        "retries",
        "duration",
    ):
        table.add_column(column, justify="left" if column in ("source", "status") else "right")
    for name, r in report.sources.items():
        status = r.status if not r.error else f"{r.status}: {r.error}"
        table.add_row(
            name,
            status,
            str(r.fetched),
            str(r.indexed),
            str(r.updated),
            str(r.deleted),
            str(r.quarantined),
            str(r.retries),
            f"{r.duration_s:.1f}s",
        )
    return table


def _selected(
    sources: dict[str, SourceSettings], wanted: list[str] | None
) -> dict[str, SourceSettings]:
    for name in wanted or []:
        if name not in SOURCE_NAMES:
            raise ConfigError(f"unknown source {name!r}; known: {', '.join(SOURCE_NAMES)}")
    names = wanted or [n for n in SOURCE_NAMES if n in sources]
    chosen = {n: sources[n] for n in names if n in sources and sources[n].url}
    missing = [n for n in names if n not in chosen]
    if wanted and missing:
        raise ConfigError(f"source {missing[0]!r} has no url: configure [sources.{missing[0]}]")
    if not chosen:
        raise ConfigError("no source configured: set [sources.*] or pass --manifest FILE")
    return chosen


def _announce(console: Console, state_path: Path, limit: float) -> Callable[[Holder | None], None]:
    def say(holder: Holder | None) -> None:
        who = holder.describe() if holder else "holder unknown"
        until = "" if math.isinf(limit) else f" (up to {limit:g} s)"
        console.print(
            f"waiting for the sync of {state_path} by {who} to finish{until}", soft_wrap=True
        )

    return say


async def _loop(
    sources: dict[str, SourceSettings],
    backend: RecordSink,
    settings: SyncSettings,
    *,
    full: bool,
    watch: bool,
    interval: int,
    lock: SyncLock,
) -> bool:
    """One run, or one every `interval` seconds. The engine (and so each source's circuit
    breaker) lives across `--watch` runs.

    The sync lock is held per round, not for the life of a `--watch`: between rounds the watch
    has nothing in flight, and an officer's `--full` or single-source run should not have to
    stop the watch to get in. The first round is refused like any sync (a second watch started
    by mistake says so at once); later rounds wait for whoever slipped in, then go on from the
    checkpoints that run left. `lock` comes in held, for the first round."""
    console = Console(stderr=True)
    with StateStore(settings.state_path) as state:
        engine = SyncEngine(backend, state, settings)
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
                if out.width < 110:  # a pipe or a narrow terminal: keep the columns readable
                    out = Console(width=110)
                out.print(report_table(report))
                if not watch:
                    return report.ok
                full = False
                await asyncio.sleep(interval)
                await lock.acquire_async(
                    math.inf, _announce(console, settings.state_path, math.inf)
                )
        finally:
            engine.close()


def register(app: typer.Typer) -> None:
    @app.command("sync")
    def sync(
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
        from indexer import open_backend

        settings = load_settings()
        sources = dict(settings.sources)
        console = Console(stderr=True)
        if manifest is not None:
            sources, warnings = merge_sources(sources, load_manifest(manifest))
            for warning in warnings:
                console.print(f"[yellow]{warning}[/yellow]")
        chosen = _selected(sources, source)
        # The lock before anything else is opened: a refused sync touches neither index nor state.
        lock = SyncLock(
            settings.sync.state_path, sources=[n for n, s in chosen.items() if s.enabled]
        )
        try:
            lock.acquire(wait, _announce(console, settings.sync.state_path, wait))
        except SyncBusy as exc:
            typer.echo(f"icjs sync: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            raise typer.Exit(130) from None
        try:
            backend = open_backend(settings.search)
            try:
                ok = asyncio.run(
                    _loop(
                        chosen,
                        backend,
                        settings.sync,
                        full=full,
                        watch=watch,
                        interval=interval,
                        lock=lock,
                    )
                )
                raise typer.Exit(0 if ok else 1)
            except KeyboardInterrupt:
                raise typer.Exit(130) from None
            finally:
                backend.close()
        finally:
            lock.release()

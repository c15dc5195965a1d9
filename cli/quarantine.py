"""`icjs quarantine list|replay`: the rows and files a sync could not map, and their replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from config import ConfigError, Settings, load_settings
from connectors.lock import SyncBusy, lock_for
from connectors.replay import replay_quarantine
from records import source_names
from state import Database
from state.databases import open_url
from state.sync import StateStore, has_state

quarantine_app = typer.Typer(
    help="Records a sync could not map: list them, replay them through the current mapping.",
    no_args_is_help=True,
)


def _sync_state(settings: Settings) -> Database | Path:
    """The sync state: the shared database (`state.url`), else the SQLite file. (A command's
    process ends right after it: its connections end with it.)"""
    return open_url(settings.state) if settings.state.url else settings.sync.state_path


def _check(source: str | None) -> None:
    if source is not None and source not in source_names():
        raise ConfigError(f"unknown source {source!r}; known: {', '.join(source_names())}")


@quarantine_app.command("list")
def list_entries(
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source.")] = None,
    resolved: Annotated[bool, typer.Option("--all", help="Include replayed entries.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
    payload: Annotated[bool, typer.Option(help="Show the stored payloads too.")] = False,
) -> None:
    """List quarantined records: source, native id, whether it is indexed (with data issues) or
    waiting here alone, reason, when, how often seen."""
    _check(source)
    settings = load_settings()
    console = Console()
    if console.width < 140:
        console = Console(width=140)
    counts: dict[str, int] = {}
    table = Table(title="quarantine")
    for column in (
        "id",
        "source",
        "collection",
        "native id",
        "indexed",
        "reason",
        "last seen",
        "seen",
    ):
        table.add_column(column)
    if payload:
        table.add_column("payload")
    target = _sync_state(settings)
    if not has_state(target):
        console.print("quarantine is empty (no sync has run)")
        return
    with StateStore(target) as state:
        redacted = state.redaction_counts()
        for entry in state.quarantine_entries(source, include_resolved=resolved):
            counts[entry.source] = counts.get(entry.source, 0) + 1
            if as_json:
                row = {
                    "id": entry.id,
                    "source": entry.source,
                    "collection": entry.collection,
                    "native_id": entry.native_id,
                    # indexed with data issues (listed for replay), or waiting here alone
                    "indexed": entry.indexed,
                    "reason": entry.reason,
                    "first_seen": entry.first_seen,
                    "last_seen": entry.last_seen,
                    "seen": entry.seen,
                    "resolved_at": entry.resolved_at,
                }
                if payload:
                    row["payload"] = entry.payload
                typer.echo(json.dumps(row, ensure_ascii=False))
                continue
            cells = [
                str(entry.id),
                entry.source,
                entry.collection or "",
                entry.native_id,
                "with issues" if entry.indexed else "no",
                entry.reason[:80],
                entry.last_seen[:19],
                str(entry.seen),
            ]
            if payload:
                cells.append(json.dumps(entry.payload, ensure_ascii=False)[:200])
            table.add_row(*cells)
    if not as_json:
        console.print(table)
        summary = ", ".join(f"{s}: {n}" for s, n in sorted(counts.items())) or "none"
        console.print(f"{sum(counts.values())} entries ({summary})")
        removed = {s: n for s, n in redacted.items() if source in (None, s)}
        if removed:
            listed = ", ".join(f"{s}: {n}" for s, n in sorted(removed.items()))
            console.print(f"Aadhaar numbers removed at the connector (fields): {listed}")


@quarantine_app.command("replay")
def replay(
    source: Annotated[str | None, typer.Option("--source", "-s", help="Only this source.")] = None,
    wait: Annotated[
        float,
        typer.Option("--wait", help="Seconds to wait for a running sync (inf: no limit)."),
    ] = 0.0,
) -> None:
    """Run quarantined payloads through the current mapping; index what now maps."""
    from indexer import open_backend

    _check(source)
    settings = load_settings()
    target = _sync_state(settings)
    if not has_state(target):
        typer.echo("quarantine is empty (no sync has run)")
        return
    # a sync running meanwhile could index a newer version between replay's check and its write
    lock = lock_for(target, sources=[source] if source else [])
    try:
        lock.acquire(wait)
    except SyncBusy as exc:
        typer.echo(f"icjs quarantine replay: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    try:
        backend = open_backend(settings.search)
        try:
            with StateStore(target) as state:
                outcome = replay_quarantine(state, backend, source=source)
        finally:
            backend.close()
    finally:
        lock.release()
    typer.echo(
        f"replayed {outcome['replayed']}, superseded {outcome['superseded']}, "
        f"still bad {outcome['still_bad']}, need a re-fetch {outcome['needs_refetch']}"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(quarantine_app, name="quarantine")

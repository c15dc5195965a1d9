"""`icjs state`: where the stores beside the index live, their schema, and moving them from
SQLite files to a shared PostgreSQL database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from config import ConfigError, Settings, load_settings
from state.databases import StateDatabases, open_url
from state.db import Database
from state.migrate import current, head, upgrade
from state.schema import AREAS

state_app = typer.Typer(
    help="The state stores (clients, revocations, audit, sync state, NOCs, outbox, "
    "supervisors' decisions, hit-flag access requests): "
    "status, upgrade, import-sqlite.",
    no_args_is_help=True,
)


def _files(settings: Settings) -> dict[str, Path]:
    return {
        "auth": settings.auth.db_path,
        "audit": settings.auth.audit_path,
        "sync": settings.sync.state_path,
        "noc": settings.data_dir / "noc.db",
        "alerts": settings.data_dir / "alerts.db",
        "decisions": settings.data_dir / "decisions.db",
        "access": settings.data_dir / "access.db",
    }


@state_app.command("status")
def status() -> None:
    """Each area: where it lives, and its schema revision against this icjs's."""
    settings = load_settings()
    files = _files(settings)
    shared = open_url(settings.state) if settings.state.url else None
    for area in AREAS:
        if shared is None and not files[area].exists():
            typer.echo(f"{area:9} {files[area]}: not created yet (needs {head(area)})")
            continue
        db = shared or Database.sqlite(files[area])
        with db.read() as conn:
            have = current(conn, area)
        mark = "up to date" if have == head(area) else f"needs {head(area)}: icjs state upgrade"
        typer.echo(f"{area:9} {db.display}: {have or 'no revision'} ({mark})")
        if shared is None:
            db.close()
    if shared is not None:
        shared.close()


@state_app.command("upgrade")
def upgrade_all() -> None:
    """Bring every area's schema to this icjs's (what `state.migrate = "auto"` does at start)."""
    settings = load_settings()
    state = StateDatabases.open(settings)
    try:
        for area in AREAS:
            db = getattr(state, area)
            upgrade(db, area)
            typer.echo(f"{area:9} {db.display}: {head(area)}")
    finally:
        state.close()


@state_app.command("import-sqlite")
def import_sqlite(
    auth_db: Annotated[Path | None, typer.Option(help="default: auth.db_path")] = None,
    audit_db: Annotated[Path | None, typer.Option(help="default: auth.audit_path")] = None,
    sync_db: Annotated[Path | None, typer.Option(help="default: sync.state_path")] = None,
    noc_db: Annotated[Path | None, typer.Option(help="default: data_dir/noc.db")] = None,
    alerts_db: Annotated[Path | None, typer.Option(help="default: data_dir/alerts.db")] = None,
    decisions_db: Annotated[
        Path | None, typer.Option(help="default: data_dir/decisions.db")
    ] = None,
    access_db: Annotated[Path | None, typer.Option(help="default: data_dir/access.db")] = None,
) -> None:
    """Copy a deployment's SQLite state files into the (empty) database `state.url` names: run
    once, with the API and the syncs stopped, then start them with `state.url` set."""
    from state.audit import AuditLog
    from state.copy import copy_sqlite_files

    settings = load_settings()
    if settings.state.url is None:
        raise ConfigError("state.url is not set: name the PostgreSQL database to import into")
    files = _files(settings)
    given = {"auth": auth_db, "audit": audit_db, "sync": sync_db, "noc": noc_db}
    given["alerts"] = alerts_db
    given["decisions"] = decisions_db
    given["access"] = access_db
    files.update({area: path for area, path in given.items() if path is not None})
    target = open_url(settings.state)
    try:
        for copied in copy_sqlite_files(files, target):
            rows = ", ".join(f"{t} {n}" for t, n in copied.rows.items())
            typer.echo(f"{copied.area:7} from {copied.source}: {rows}")
        result = AuditLog(target).verify()
        if not result.ok:
            typer.echo(f"the audit chain does not verify: {result.problems[0]}", err=True)
            raise typer.Exit(1)
        typer.echo(f"audit chain: {result.entries} entries, head {result.head_hash}")
    finally:
        target.close()


def register(app: typer.Typer) -> None:
    app.add_typer(state_app, name="state")

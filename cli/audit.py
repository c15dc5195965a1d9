"""`icjs audit`: verify the hash chain, read the newest entries."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from config import load_settings
from state.audit import AuditLog, AuditQuery
from state.databases import open_url

audit_app = typer.Typer(help="The audit log: verify, tail.", no_args_is_help=True)


def _log() -> AuditLog:
    settings = load_settings()
    if settings.state.url is not None:  # the shared database every API node writes
        return AuditLog(open_url(settings.state), migrate=settings.state.migrate == "auto")
    path = settings.auth.audit_path
    if not path.exists():
        typer.echo(f"icjs audit: no audit log at {path}", err=True)
        raise typer.Exit(2)
    return AuditLog(path)


@audit_app.command("verify")
def verify(
    expect_head: Annotated[
        str | None, typer.Option(help="the head hash you recorded earlier (detects truncation)")
    ] = None,
) -> None:
    """Check every entry's hash and the chain; exit 1 on any edited, removed or reordered entry."""
    result = _log().verify(expect_head=expect_head)
    if result.ok:
        typer.echo(f"ok: {result.entries} entries, head {result.head_hash}")
        return
    for problem in result.problems:
        typer.echo(f"TAMPERED: {problem}", err=True)
    typer.echo(f"checked {result.entries} entries; first bad seq {result.first_bad_seq}", err=True)
    raise typer.Exit(1)


@audit_app.command("tail")
def tail(
    n: Annotated[int, typer.Option("-n", "--lines", min=1, max=1000, help="entries")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object per line")] = False,
) -> None:
    """The newest entries, oldest first."""
    entries = list(reversed(_log().entries(AuditQuery(limit=n))))
    for e in entries:
        if as_json:
            typer.echo(json.dumps(e.as_dict(), ensure_ascii=False))
        else:
            ids = f" records={len(e.record_ids)}" if e.record_ids else ""
            purpose = f" purpose={e.purpose!r}" if e.purpose else ""
            typer.echo(
                f"{e.seq}\t{e.time}\t{e.decision}\t{e.status}\t{e.method} {e.route}\t"
                f"{e.actor} ({e.role or '-'}, {e.agency or '-'}){purpose}{ids}"
            )


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")

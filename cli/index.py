"""`icjs index`: rebuild, export, import and stats of the search index (embedded or cluster)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, TextIO

import typer
from pydantic import ValidationError

from config import load_settings
from indexer.backends.base import Backend, BackendError, RebuildInProgress, stale_keys
from records import Record

IMPORT_BATCH = 1000

index_app = typer.Typer(
    name="index",
    help="Index lifecycle: rebuild, export, import, stats.",
    no_args_is_help=True,
)


def _backend() -> Backend:
    from indexer import open_backend

    return open_backend(load_settings().search)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"icjs index: {message}", err=True)
    return typer.Exit(1)


def read_jsonl(stream: TextIO, errors: list[str]) -> Iterator[Record]:
    """Records from JSON lines; a bad line is reported (line number and reason), not fatal."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            yield Record.model_validate_json(line)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(record)"
            errors.append(f"line {number}: {where}: {first['msg']}")


@index_app.command("rebuild")
def rebuild(
    from_file: Annotated[
        Path | None,
        typer.Option("--from", help="Build from this JSON-lines export instead of the index."),
    ] = None,
) -> None:
    """Build a new index version (from the stored canonical records, or --from FILE), swap it in
    atomically, delete the old one. Searches keep being served throughout."""
    backend = _backend()
    errors: list[str] = []
    try:
        if from_file is None:
            result = backend.rebuild()
        else:
            with from_file.open(encoding="utf-8") as stream:
                result = backend.rebuild(read_jsonl(stream, errors))
    except RebuildInProgress as exc:
        raise _fail(str(exc)) from None
    except (BackendError, OSError) as exc:
        raise _fail(f"rebuild failed, the index is unchanged: {exc}") from None
    finally:
        backend.close()
    for error in errors:
        typer.echo(f"skipped {error}", err=True)
    old = f"v{result.old_version}" if result.old_version is not None else "nothing"
    typer.echo(
        f"rebuilt: {result.records} records into v{result.new_version} "
        f"(replacing {old}) in {result.seconds:.1f} s"
    )


@index_app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Stream every canonical record as JSON lines (backup, migration, audit)."""
    backend = _backend()
    count = 0
    stream: TextIO = output.open("w", encoding="utf-8") if output else sys.stdout
    try:
        backend.flush()  # a cluster shows writes of the last second only after a refresh
        for record in backend.records():
            stream.write(record.model_dump_json() + "\n")
            count += 1
    except BackendError as exc:
        raise _fail(f"export stopped after {count} records: {exc}") from None
    finally:
        if output:
            stream.close()
        backend.close()
    typer.echo(f"exported {count} records", err=True)


@index_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="JSON lines, as `icjs index export` writes.")],
) -> None:
    """Load records from a JSON-lines file into the current index (upsert: newer wins)."""
    if not file.is_file():
        raise _fail(f"{file} is not a file")
    backend = _backend()
    errors: list[str] = []
    indexed = skipped = 0
    failed: list[tuple[str, str]] = []
    try:
        with file.open(encoding="utf-8") as stream:
            batch: list[Record] = []
            for record in read_jsonl(stream, errors):
                batch.append(record)
                if len(batch) >= IMPORT_BATCH:
                    result = backend.upsert(batch)
                    indexed, skipped = indexed + result.indexed, skipped + result.skipped
                    failed.extend(result.failed)
                    batch = []
            if batch:
                result = backend.upsert(batch)
                indexed, skipped = indexed + result.indexed, skipped + result.skipped
                failed.extend(result.failed)
        backend.flush()
    except BackendError as exc:
        raise _fail(f"import stopped after {indexed} records: {exc}") from None
    finally:
        backend.close()
    for error in errors:
        typer.echo(f"invalid {error}", err=True)
    for record_id, reason in failed:
        typer.echo(f"failed {record_id}: {reason}", err=True)
    typer.echo(
        f"imported {indexed} records; {skipped} older than the index kept out; "
        f"{len(errors)} invalid lines; {len(failed)} failed"
    )
    if errors or failed:
        raise typer.Exit(1)


@index_app.command("stats")
def stats(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Counts per source and kind, profiles and links of the current index version."""
    backend = _backend()
    try:
        backend.flush()
        result = backend.stats()
        health = backend.health()
    except BackendError as exc:
        raise _fail(str(exc)) from None
    finally:
        backend.close()
    stale = stale_keys(result.keys_version, result.fir_keys_version)
    if as_json:
        payload = {
            "version": result.version,
            "total": result.total,
            "by_source_kind": result.by_source_kind,
            "profiles": result.profiles,
            "links": result.links,
            "keys_version": result.keys_version,
            "fir_keys_version": result.fir_keys_version,
            "keys_current": stale is None,
            "health": {"ok": health.ok, "detail": health.detail},
        }
        typer.echo(json.dumps(payload, indent=2, sort_keys=True))
        return
    typer.echo(f"index version v{result.version}: {result.total} records ({health.detail})")
    for source, kinds in sorted(result.by_source_kind.items()):
        for kind, n in sorted(kinds.items()):
            typer.echo(f"  {source:<10} {kind:<22} {n:>10}")
    typer.echo(f"profiles of two or more records: {result.profiles}; links: {result.links}")
    current = f"name keys: version {result.keys_version}, FIR keys: version "
    current += f"{result.fir_keys_version} (current)"
    typer.echo(stale or current, err=bool(stale))


def register(app: typer.Typer) -> None:
    app.add_typer(index_app, name="index")

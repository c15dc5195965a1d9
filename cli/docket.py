"""`icjs docket <profile-id> --purpose ... -o docket.pdf`: a person's mini-docket, fetched from
the API with the officer's own token (so the server applies the officer's policy and audits the
printing with its purpose), written to a file. Progress on stderr while the server assembles
and sends it; `--json` prints a summary on stdout instead of a sentence."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from config import load_settings


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"icjs docket: {message}", err=True)
    return typer.Exit(code)


def _problem(response: Any) -> str:
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    detail = body.get("detail") or body.get("title") or body
    return f"HTTP {response.status_code}: {detail}"


def docket(
    profile_id: Annotated[str, typer.Argument(help="a profile id from a search or a profile")],
    purpose: Annotated[
        str, typer.Option(help="case reference or reason: printed in the footer and audited")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="where to write the PDF")],
    token: Annotated[
        str | None,
        typer.Option(help="your access token (default: the ICJS_TOKEN environment variable)"),
    ] = None,
    url: Annotated[str | None, typer.Option(help="server base URL (default auth.issuer)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="a JSON summary on stdout")] = False,
    timeout: Annotated[float, typer.Option(help="seconds to wait for the server")] = 120.0,
) -> None:
    """Print a person's mini-docket (PDF) as you may see it; the server audits it."""
    import httpx
    from rich.progress import BarColumn, DownloadColumn, Progress, SpinnerColumn, TextColumn

    bearer = token or os.environ.get("ICJS_TOKEN")
    if not bearer:
        raise _fail("no token: pass --token or set ICJS_TOKEN (`icjs token officer`)", 2)
    base = (url or load_settings().auth.issuer).rstrip("/")
    progress = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        console=None,
        transient=True,
        disable=as_json or not sys.stderr.isatty(),
    )
    chunks: list[bytes] = []
    with progress, httpx.Client(base_url=base, timeout=timeout) as http:
        task = progress.add_task("the server is assembling the docket", total=None)
        try:
            with http.stream(
                "GET",
                f"/v1/profiles/{profile_id}/docket",
                params={"purpose": purpose},
                headers={"Authorization": f"Bearer {bearer}"},
            ) as response:
                if response.status_code != 200:
                    response.read()
                    raise _fail(_problem(response))
                size = response.headers.get("content-length")
                progress.update(task, description="downloading", total=int(size) if size else None)
                for chunk in response.iter_bytes():
                    chunks.append(chunk)
                    progress.advance(task, len(chunk))
                request_id = response.headers.get("x-request-id")
                pages = int(response.headers.get("x-docket-pages") or 0)
        except httpx.HTTPError as exc:
            raise _fail(f"cannot reach {base}: {exc}") from None
    body = b"".join(chunks)
    output.write_bytes(body)
    summary = {
        "profile_id": profile_id,
        "file": str(output),
        "bytes": len(body),
        "pages": pages,
        "sha256": hashlib.sha256(body).hexdigest(),
        "purpose": purpose,
        "request_id": request_id,
    }
    if as_json:
        typer.echo(json.dumps(summary))
    else:
        typer.echo(
            f"wrote {output} ({summary['pages']} pages, {len(body)} bytes); "
            f"audited as request {request_id}"
        )


def register(app: typer.Typer) -> None:
    app.command("docket")(docket)


__all__ = ["register"]

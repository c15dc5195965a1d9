"""`icjs network`: the link-analysis graph. For operators, `rebuild` and `stats` on this
machine's store; for officers in the field, `around`, `identifier` and `paths` ask the API
(`--url`, the officer's token in `--token` or `ICJS_TOKEN`) and print JSON (or GraphML)."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from config import load_settings

network_app = typer.Typer(
    name="network",
    help="Network link analysis: who connects to whom, and by what evidence.",
    no_args_is_help=True,
)

Url = Annotated[str, typer.Option(envvar="ICJS_URL", help="The API's address.")]
Token = Annotated[
    str, typer.Option(envvar="ICJS_TOKEN", help="Your bearer token (`icjs token officer`).")
]
Purpose = Annotated[
    str, typer.Option(help="Case reference or reason: required, written to the audit log.")
]
Hops = Annotated[int, typer.Option(min=1, max=3, help="Edges from the seeds.")]
MaxNodes = Annotated[int, typer.Option(min=1, max=2000, help="Node cap.")]
Analysis = Annotated[bool, typer.Option(help="Add communities (Louvain) and hubs.")]
Graphml = Annotated[bool, typer.Option("--graphml", help="GraphML (i2, Gephi) instead of JSON.")]


@network_app.command("rebuild")
def rebuild_command() -> None:
    """Build the graph in full from every record of the index (the sync keeps it current
    after that), then learn the hub caps from it."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from indexer import open_backend
    from network.hook import rebuild, store_path
    from network.store import GraphStore

    settings = load_settings()
    backend = open_backend(settings.search)
    store = GraphStore(store_path(settings.data_dir))
    try:
        total = backend.count()
        with Progress(
            TextColumn("records"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
        ) as bars:
            task = bars.add_task("records", total=total)

            def counted() -> Any:
                for record in backend.records():
                    bars.advance(task)
                    yield record

            written = rebuild(store, counted())
        stats = store.stats()
    finally:
        store.close()
        backend.close()
    typer.echo(
        f"icjs network: {written} edges from {stats.records} records; values {stats.nodes}",
        err=True,
    )


@network_app.command("stats")
def stats_command(
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Edges, records and values per kind in this machine's graph, and the learnt hub caps."""
    from network.hook import store_path
    from network.store import GraphStore
    from network.suppress import stored_caps

    store = GraphStore(store_path(load_settings().data_dir))
    try:
        stats = store.stats()
        caps = stored_caps(store)
        stale = store.stale()
    finally:
        store.close()
    out = {
        "edges": stats.edges,
        "records": stats.records,
        "values": stats.nodes,
        "caps": {k.value: v for k, v in sorted(caps.by_kind.items())},
        "caps_learnt_at": caps.learnt_at,
        "stale": stale,
    }
    if as_json:
        typer.echo(json.dumps(out, indent=2))
        return
    for key, value in out.items():
        typer.echo(f"{key:>15}: {value}")


def _ask(url: str, token: str, path: str, params: dict[str, Any], graphml: bool) -> None:
    import httpx
    from rich.console import Console

    if graphml:
        params = {**params, "format": "graphml"}
    with Console(stderr=True).status("asking the API …"):
        try:
            r = httpx.get(
                url.rstrip("/") + path,
                params=params,
                headers={"Authorization": f"Bearer {token}"},
                timeout=120,
            )
        except httpx.HTTPError as exc:
            typer.echo(f"icjs network: {url}: {exc}", err=True)
            raise typer.Exit(1) from None
    if r.status_code != 200:
        try:
            detail = r.json().get("detail", r.text)
        except ValueError:
            detail = r.text
        typer.echo(f"icjs network: {r.status_code}: {detail}", err=True)
        raise typer.Exit(1)
    if graphml:
        sys.stdout.write(r.text)
    else:
        typer.echo(json.dumps(r.json(), ensure_ascii=False, indent=2))


@network_app.command("around")
def around_command(
    profile_id: Annotated[str, typer.Argument(help="A profile id from a search.")],
    purpose: Purpose,
    token: Token,
    url: Url = "http://127.0.0.1:8000",
    hops: Hops = 2,
    max_nodes: MaxNodes = 300,
    analysis: Analysis = False,
    graphml: Graphml = False,
) -> None:
    """The network around a profile (`GET /v1/network/profiles/{id}`)."""
    params = {"purpose": purpose, "hops": hops, "max_nodes": max_nodes, "analysis": analysis}
    _ask(url, token, f"/v1/network/profiles/{profile_id}", params, graphml)


@network_app.command("identifier")
def identifier_command(
    kind: Annotated[str, typer.Argument(help="phone, upi, bank_account, email, vehicle, fir, …")],
    value: Annotated[str, typer.Argument(help="As you have it: `+91 98220 00001`.")],
    purpose: Purpose,
    token: Token,
    url: Url = "http://127.0.0.1:8000",
    hops: Hops = 2,
    max_nodes: MaxNodes = 300,
    analysis: Analysis = False,
    graphml: Graphml = False,
) -> None:
    """The network around a phone, a UPI id, a plate … (`GET /v1/network/identifiers/{kind}`)."""
    params = {
        "value": value,
        "purpose": purpose,
        "hops": hops,
        "max_nodes": max_nodes,
        "analysis": analysis,
    }
    _ask(url, token, f"/v1/network/identifiers/{kind}", params, graphml)


@network_app.command("paths")
def paths_command(
    from_profile: Annotated[str, typer.Argument(help="One profile id.")],
    to_profile: Annotated[str, typer.Argument(help="The other.")],
    purpose: Purpose,
    token: Token,
    url: Url = "http://127.0.0.1:8000",
    max_hops: Annotated[int, typer.Option(min=1, max=8)] = 6,
) -> None:
    """How two profiles are connected: the shortest paths with the evidence of each step."""
    params = {
        "from_profile": from_profile,
        "to_profile": to_profile,
        "purpose": purpose,
        "max_hops": max_hops,
    }
    _ask(url, token, "/v1/network/paths", params, graphml=False)


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")

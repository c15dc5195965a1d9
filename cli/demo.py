"""`icjs demo`: the whole product on one machine, for a newcomer's first five minutes.

World → the eight simulated sources → sync with progress bars → the API on 127.0.0.1:8000, then a
ready-to-paste token and two searches. Everything lives under one folder per world
(`var/demo/seed{S}-p{N}/`) with its own `icjs.toml`, so a second run reuses the world, the index,
the sync checkpoints and the keys, and is serving within seconds. Ctrl-C stops it all.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from config import Settings, load_settings
from connectors.lock import SyncBusy
from records import source_names

ROOT = Path(__file__).resolve().parent.parent
DEMO_AGENCY = "CBI"
DEMO_CLIENT_SCOPES = ("persons:search", "persons:read", "vehicles:search")
# A second partner entitled to some sources only (the railway police: licences, vehicles,
# immigration): it is answered hit-flags for the others, and asks for them (#19, item 3).
HIT_FLAG_AGENCY = "RPF"
HIT_FLAG_SOURCES = ("vahan", "sarathi", "ivfrt")
HIT_FLAG_SCOPES = (*DEMO_CLIENT_SCOPES, "access:request")


@dataclass(frozen=True)
class DemoPaths:
    root: Path

    @property
    def config(self) -> Path:
        return self.root / "icjs.toml"

    @property
    def client(self) -> Path:
        return self.root / "demo-client.json"

    @property
    def hit_flag_client(self) -> Path:
        return self.root / "demo-client-rpf.json"

    @property
    def worlds(self) -> Path:
        return self.root.parent / "worlds"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(str(value))


def write_demo_config(paths: DemoPaths, backend: str, search_url: str | None, port: int) -> None:
    """A config file of the demo's own, so that the commands it prints (`icjs token …`,
    `icjs sync …`, `icjs index stats`) act on the demo's files once ICJS_CONFIG points here.
    Source credentials are not written: they change every run and come from the manifest."""
    root = paths.root
    search: dict[str, Any] = {"backend": backend, "path": root / "icjs.db"}
    if search_url:
        search["url"] = search_url
        search["index_prefix"] = "icjs-demo"
    sections: dict[str, dict[str, Any]] = {
        "search": search,
        "sync": {"state_path": root / "sync.db"},
        "auth": {
            "db_path": root / "auth.db",
            "keys_dir": root / "keys",
            "audit_path": root / "audit.db",
            "issuer": f"http://127.0.0.1:{port}",
        },
        "api": {"host": "127.0.0.1", "port": port},
    }
    lines = [
        "# Written by `icjs demo`; rewritten on every run.",
        f"data_dir = {_toml_value(root)}",
    ]
    for name, values in sections.items():
        lines.append(f"\n[{name}]")
        lines.extend(f"{key} = {_toml_value(value)}" for key, value in values.items())
    paths.config.write_text("\n".join(lines) + "\n", encoding="utf-8")


def start_opensearch(paths: DemoPaths, console: Console) -> tuple[subprocess.Popen[bytes], str]:
    """`make demo-cluster`: a local OpenSearch node through the same launcher the tests use."""
    url_file = paths.root / "opensearch.url"
    url_file.unlink(missing_ok=True)
    console.print("starting a local OpenSearch node (the first run downloads it with Maven)…")
    node = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "opensearch_node.py"),
            "serve",
            "--url-file",
            str(url_file),
        ],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 600
    while not url_file.exists():
        if node.poll() is not None or time.monotonic() > deadline:
            console.print(f"icjs demo: the OpenSearch node did not start (status {node.poll()})")
            raise typer.Exit(1)
        time.sleep(0.5)
    return node, url_file.read_text().strip()


def start_world(seed: int, persons: int, faults: str, worlds: Path, console: Console) -> Any:
    """Generate the world (once; later runs open the cached file) and serve the eight sources."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from simulators.harness import start_simulators

    with Progress(
        "people", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    ) as bar:
        task = bar.add_task("world", total=persons)
        return start_simulators(
            seed=seed,
            persons=persons,
            faults=faults,
            data_dir=worlds,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )


def ensure_demo_client(
    settings: Settings,
    paths: DemoPaths,
    *,
    agency: str = DEMO_AGENCY,
    scopes: tuple[str, ...] = DEMO_CLIENT_SCOPES,
    sources: tuple[str, ...] | None = None,  # None: every source
    file: Path | None = None,
) -> dict[str, str]:
    """One partner client for the demo (agency CBI, every source; or as given). Its secret is
    kept in a 0600 file beside the demo's data so that the printed commands work on every run;
    a real deployment prints a secret once and keeps nothing."""
    from auth.clients import ClientRegistry
    from auth.principal import Role
    from records import Source
    from state.databases import StateDatabases

    path = file or paths.client
    state = StateDatabases.open(settings)
    registry = ClientRegistry(state.auth)
    try:
        if path.exists():
            saved: dict[str, str] = json.loads(path.read_text())
            if registry.get(saved["client_id"]) is not None:
                return saved
        client, secret = registry.create(
            agency=agency,
            scopes=scopes,
            role=Role.PARTNER,
            sources=[Source(s) for s in (sources or source_names())],
            description="created by icjs demo",
        )
    finally:
        registry.close()
        state.close()
    saved = {"client_id": client.client_id, "client_secret": secret or ""}
    path.write_text(json.dumps(saved), encoding="utf-8")
    path.chmod(0o600)
    return saved


def sync_sources(settings: Settings, manifest: dict[str, dict[str, Any]], console: Console) -> None:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from cli.sync import RateColumn, RichProgress, alert_hook, report_view
    from connectors import run_sync
    from connectors.manifest import merge_sources
    from indexer import open_backend
    from state.databases import StateDatabases
    from state.sync import StateStore

    sources, warnings = merge_sources(dict(settings.sources), manifest)
    for warning in warnings:
        console.print(f"[yellow]{warning}[/yellow]")
    backend = open_backend(settings.search)
    state = StateDatabases.open(settings)
    hooks = alert_hook(state, backend, settings)
    # A new demo directory's first sync reads everything: as a full sync, so that the index is
    # loaded in bulk (the alert step runs after the load, `connectors.engine`); later starts
    # sync what changed.
    with StateStore(state.sync) as synced:
        first = not any(cp.watermark or cp.walk for _, _, cp in synced.checkpoints())
    try:
        with Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
        ) as bars:
            report = asyncio.run(
                run_sync(
                    sources,
                    backend,
                    state.sync,
                    settings.sync,
                    full=first,
                    progress=RichProgress(bars),
                    on_written=hooks.written,
                    on_removed=hooks.removed,
                    before_load=hooks.before_load,
                    after_load=hooks.after_load,
                )
            )
        console.print(report_view(report, console.width))
        totals = hooks.step.totals
        console.print(f"alerts queued by this sync: {totals.queued} {totals.by_kind}")
    finally:
        hooks.close()
        state.close()
        backend.close()


def ensure_linkage_model(settings: Settings, console: Console) -> None:
    """Fit the model that joins records into profiles to the demo's own index, once (what a
    deployment does after its first full sync: `icjs linkage estimate`). A smaller sample than
    the command's default keeps the first start short."""
    from federation.estimate import estimate
    from indexer import open_backend

    path = settings.linkage_model_path
    if path.exists():
        return
    console.print("estimating the linkage model from the index (once)…")
    backend = open_backend(settings.search)
    try:
        model = estimate(backend.records(), max_records=20_000, max_pairs=60_000)
    except ValueError as exc:  # a world too small to estimate from: the packaged model serves
        console.print(f"[yellow]linkage model not estimated: {exc}[/yellow]")
        return
    finally:
        backend.close()
    model.save(path)


def ensure_network(settings: Settings, console: Console) -> None:
    """Build the network graph in full when the index has records the graph has never seen
    (a demo directory made before the graph existed) or the graph was built with older FIR
    nodes (`GraphStore.stale`); the sync keeps it current after."""
    from indexer import open_backend
    from network import GraphStore
    from network.hook import rebuild, store_path

    store = GraphStore(store_path(settings.data_dir))
    backend = open_backend(settings.search)
    try:
        if (store.stats().edges == 0 or store.stale()) and backend.count() > 0:
            console.print("building the network graph from the index…")
            rebuild(store, backend.records())
    finally:
        backend.close()
        store.close()


def sample_queries(settings: Settings) -> tuple[dict[str, Any], dict[str, Any]]:
    """A person and a vehicle that are really in the index, written as an officer might type
    them: the person's name with a typo, the plate with separators."""
    from indexer import open_backend
    from records import Kind, Source

    backend = open_backend(settings.search)
    try:
        person = {"name": "Rajendra Patil", "purpose": "demo: FIR 0123/2024"}
        vehicle = {"registration_no": "MH 12 AB 1234", "purpose": "demo: checkpoint stop"}
        for record_id in _first_ids(backend, Source.CCTNS, 400):
            record = backend.get([record_id])[0]
            names = [p.name for p in record.subjects() if p.name]
            words = names[0].split("@")[-1].split() if names else []
            # Two or more whole words (no initials, no honorifics) make a telling example.
            if record.kind is Kind.ACCUSED and len(words) >= 2 and all(len(w) >= 4 for w in words):
                person = {"name": _misspell(" ".join(words).title()), "purpose": person["purpose"]}
                break
        for record_id in _first_ids(backend, Source.VAHAN, 50):
            record = backend.get([record_id])[0]
            plate = record.vehicle.registration_no if record.vehicle else None
            if plate:
                vehicle = {"registration_no": _as_written(plate), "purpose": vehicle["purpose"]}
                break
    finally:
        backend.close()
    return person, vehicle


def _first_ids(backend: Any, source: Any, limit: int) -> list[str]:
    out: list[str] = []
    for record_id in backend.ids(source):
        out.append(record_id)
        if len(out) >= limit:
            break
    return out


def _as_written(plate: str) -> str:
    """`MH12AB1234` → `MH-12-AB-1234`: how a clerk would type it."""
    match = re.match(r"^([A-Z]{2})(\d{1,2})([A-Z]{0,3})(\d{4})$", plate)
    return "-".join(p for p in match.groups() if p) if match else plate


def _misspell(name: str) -> str:
    """Swap two inner letters of the longest word: the kind of typo a search must survive."""
    words = name.split()
    longest = max(range(len(words)), key=lambda i: len(words[i]))
    word = words[longest]
    if len(word) >= 4:
        i = len(word) // 2
        words[longest] = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return " ".join(words)


# The demo's console sign-ins: an officer of Pune and an auditor.
DEMO_OFFICERS = (
    ("MH-PUNE-1001", "Insp. Asha Kulkarni", "officer", "MH", "PUNE"),
    ("AUDITOR-1", "Auditor S. Rao", "auditor", None, None),
)


def ensure_demo_officers(settings: Settings, paths: DemoPaths) -> dict[str, str]:
    """Console accounts for the demo, their passwords kept in a 0600 file beside the demo's
    data (as the partner client's secret is) so that the printed sign-ins work on every run."""
    from auth.accounts import OfficerAccounts
    from auth.principal import Role
    from state.databases import StateDatabases

    saved_path = paths.root / "officers.json"
    saved: dict[str, str] = json.loads(saved_path.read_text()) if saved_path.exists() else {}
    state = StateDatabases.open(settings)
    accounts = OfficerAccounts(state.auth)
    try:
        for officer_id, name, role, home, district in DEMO_OFFICERS:
            if officer_id in saved and accounts.get(officer_id) is not None:
                continue
            saved[officer_id] = accounts.create(
                officer_id, name=name, role=Role(role), state=home, district=district
            )
    finally:
        accounts.close()
        state.close()
    fd = os.open(saved_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        json.dump(saved, out)
    return saved


def instructions(
    paths: DemoPaths,
    port: int,
    client: dict[str, str],
    person: dict[str, Any],
    vehicle: dict[str, Any],
    officers: dict[str, str] | None = None,
    hit_flag_client: dict[str, str] | None = None,
) -> str:
    base = f"http://127.0.0.1:{port}"
    icjs = shlex.quote(str(ROOT / ".venv" / "bin" / "icjs"))
    config = shlex.quote(str(paths.config))
    person_json = shlex.quote(json.dumps(person, ensure_ascii=False))
    vehicle_json = shlex.quote(json.dumps(vehicle))
    return f"""\
# an officer of Maharashtra police
export ICJS_CONFIG={config}
TOKEN=$({icjs} token officer --role officer --state MH --district PUNE)

# person search (any script, typos welcome)
curl -s -X POST {base}/v1/persons/search -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' -d {person_json} | python3 -m json.tool

# vehicle search (any formatting)
curl -s -X POST {base}/v1/vehicles/search -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' -d {vehicle_json} | python3 -m json.tool

# the network around that vehicle: owners, their phones and addresses, who else shares them
{icjs} network identifier vehicle {shlex.quote(str(vehicle.get("registration_no", "")))} \\
  --purpose 'demo: checkpoint stop' --hops 3 --token "$TOKEN" --url {base}

# the first profile's mini-docket (PDF), printed with a purpose (audited)
PROFILE=$(curl -s -X POST {base}/v1/persons/search -H "Authorization: Bearer $TOKEN" \
  -H 'Content-Type: application/json' -d {person_json} \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["profiles"][0]["profile_id"])')
{icjs} docket "$PROFILE" --purpose "demo docket" -o docket.pdf --url {base} --token "$TOKEN"

# the sexual-offender register (the ndso role only) and proclaimed offenders (officers)
NDSO=$({icjs} token officer --role ndso --state MH)
curl -s "{base}/v1/ndso/register?purpose=demo+review" -H "Authorization: Bearer $NDSO"
curl -s "{base}/v1/proclaimed-offenders?purpose=demo+list&state=MH" \
  -H "Authorization: Bearer $TOKEN"

# a partner agency ({DEMO_AGENCY}) through OAuth2 client credentials
PARTNER=$(curl -s -u {client["client_id"]}:{client["client_secret"]} \\
  -d grant_type=client_credentials -d scope=persons:search {base}/oauth/token \\
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

{hit_flags(base, hit_flag_client, person_json)}
# API docs: {base}/docs      audit chain: {icjs} audit verify
{pages(base, officers or {})}"""


def hit_flags(base: str, client: dict[str, str] | None, person_json: str) -> str:
    """How a partner outside its entitlement is answered (hit-flags), and asks."""
    if client is None:
        return ""
    return f"""
# {HIT_FLAG_AGENCY} ({", ".join(HIT_FLAG_SOURCES)} only) is told that CCTNS and other records exist
RPF=$(curl -s -u {client["client_id"]}:{client["client_secret"]} \\
  -d grant_type=client_credentials {base}/oauth/token \\
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
curl -s -X POST {base}/v1/persons/search -H "Authorization: Bearer $RPF" \\
  -H 'Content-Type: application/json' -d {person_json} \\
  | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["hits"], indent=1))'
# then: POST /v1/access/requests {{"handle", "reason", "case_reference"}}; a supervisor of the
# owning state decides at /console/access or POST /v1/access/requests/{{id}}/decision
"""


def pages(base: str, officers: dict[str, str]) -> str:
    """The console's and the portal's addresses, and the demo's sign-ins."""
    lines = [
        "",
        f"# officer console: {base}/console   (a browser; sign in as)",
        *(f"#   {officer_id}  {password}" for officer_id, password in officers.items()),
        f"# citizen portal:  {base}/public    (vehicle NOC: plate + last 5 of the chassis)",
    ]
    return "\n".join(lines)


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo(
        persons: Annotated[int, typer.Option(min=100, help="People in the world.")] = 20_000,
        seed: Annotated[int, typer.Option(help="World seed.")] = 7,
        faults: Annotated[
            str, typer.Option(help="Simulator faults: none, default or harsh.")
        ] = "none",
        backend: Annotated[
            str, typer.Option(help="embedded (SQLite) or opensearch (a local node).")
        ] = "embedded",
        port: Annotated[int, typer.Option(min=1, max=65535, help="API port.")] = 8000,
        data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its files.")] = Path(
            "var/demo"
        ),
    ) -> None:
        """Simulate the eight sources, sync them, and serve the API on 127.0.0.1:PORT."""
        import uvicorn

        from api.tls import HTTP_PROTOCOL
        from cli import demo_alerts
        from web.app import create_app

        if backend not in ("embedded", "opensearch"):
            raise typer.BadParameter("choose embedded or opensearch", param_hint="--backend")
        console = Console()
        paths = DemoPaths((data_dir / f"{backend}-seed{seed}-p{persons}").resolve())
        paths.root.mkdir(parents=True, exist_ok=True)
        node: subprocess.Popen[bytes] | None = None
        search_url = None
        if backend == "opensearch":
            node, search_url = start_opensearch(paths, console)
        write_demo_config(paths, backend, search_url, port)
        os.environ["ICJS_CONFIG"] = str(paths.config)
        settings = load_settings()
        running = None
        stop_mail: Callable[[], None] | None = None
        try:
            console.print(f"[bold]1/4[/bold] world of {persons:,} people (seed {seed})")
            running = start_world(seed, persons, faults, paths.worlds, console)
            console.print(f"[bold]2/4[/bold] eight simulated sources up, faults: {faults}")
            smtp_port = demo_alerts.free_port()
            demo_alerts.write_directory(running, paths.root / "directory.json")
            with paths.config.open("a", encoding="utf-8") as config:
                config.write(demo_alerts.alerts_config(paths.root / "directory.json", smtp_port))
            settings = load_settings()
            stop_mail = demo_alerts.start_mail_sink(paths.root / "mail", smtp_port)
            console.print("[bold]3/4[/bold] syncing every source into the index")
            try:
                sync_sources(settings, running.manifest, console)
            except SyncBusy as exc:  # another demo on the same directory is syncing
                console.print(f"icjs demo: {exc}")
                raise typer.Exit(exc.exit_code) from None
            demo_alerts.deliver_and_show(settings, console, paths.root / "mail")
            ensure_linkage_model(settings, console)
            ensure_network(settings, console)
            client = ensure_demo_client(settings, paths)
            rpf = ensure_demo_client(
                settings,
                paths,
                agency=HIT_FLAG_AGENCY,
                scopes=HIT_FLAG_SCOPES,
                sources=HIT_FLAG_SOURCES,
                file=paths.hit_flag_client,
            )
            person, vehicle = sample_queries(settings)
            officers = ensure_demo_officers(settings, paths)
            console.print(f"[bold]4/4[/bold] API on http://127.0.0.1:{port}  (Ctrl-C stops all)")
            console.rule("paste into another terminal")
            # Plain print: rich would wrap the commands and break the paste.
            print(instructions(paths, port, client, person, vehicle, officers, rpf), flush=True)
            console.rule()
            uvicorn.run(
                create_app(settings),
                host="127.0.0.1",
                port=port,
                log_level="warning",
                proxy_headers=False,  # the app decides whom to believe (api.trusted_proxies)
                http=HTTP_PROTOCOL,  # never httptools (`api.tls.uvicorn_options` says why)
            )
        finally:
            if stop_mail is not None:
                stop_mail()
            if running is not None:
                running.stop()
            if node is not None:
                node.terminate()
                node.wait(timeout=60)
            console.print("demo stopped")

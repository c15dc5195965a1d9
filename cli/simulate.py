"""`icjs simulate`: serve the eight simulated source systems on loopback until Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from simulators.faults import PROFILES
from simulators.harness import Running, default_cache_dir, start_simulators


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate(
        seed: Annotated[
            int, typer.Option(help="World seed: the same seed gives the same world.")
        ] = 7,
        persons: Annotated[int, typer.Option(min=10, help="People in the world.")] = 20_000,
        faults: Annotated[
            str, typer.Option(help="Fault profile: none, default or harsh.")
        ] = "default",
        port: Annotated[
            int,
            typer.Option(
                min=0, max=65527, help="First port (sources take 8 in a row); 0: free ports."
            ),
        ] = 0,
        manifest: Annotated[
            Path | None,
            typer.Option(
                help="Write URLs and credentials here as JSON (for `icjs sync --manifest`)."
            ),
        ] = None,
        data_dir: Annotated[
            Path | None,
            typer.Option(help="Where generated worlds are cached (reused by the next run)."),
        ] = None,
        truth: Annotated[
            Path | None,
            typer.Option(help="Also write the ground truth as JSON lines to this file."),
        ] = None,
    ) -> None:
        """Start CCTNS, e-Prisons, Vahan, Sarathi, ALIS, NCRP, IVFRT and KhoyaPaya simulators.

        The admin key for `POST /_admin/advance` and `/_admin/faults` is taken from
        ICJS_SIM_ADMIN_KEY, or made up and printed.
        """
        if faults not in PROFILES:
            raise typer.BadParameter(f"choose one of: {', '.join(PROFILES)}", param_hint="--faults")
        console = Console()
        with Progress(
            TextColumn("generating world"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("people"),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("world", total=persons)

            def advance_bar(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            running = start_simulators(
                seed=seed,
                persons=persons,
                faults=faults,
                port=port,
                data_dir=data_dir or default_cache_dir(),
                admin_key=os.environ.get("ICJS_SIM_ADMIN_KEY") or None,
                progress=advance_bar,
            )
            progress.update(task, completed=persons)
        try:
            _report(console, running, manifest, truth)
            _wait_for_interrupt()
        finally:
            running.stop()
            console.print("simulators stopped")


def _report(console: Console, running: Running, manifest: Path | None, truth: Path | None) -> None:
    table = Table(title="simulated sources")
    table.add_column("source")
    table.add_column("url", no_wrap=True)
    table.add_column("credentials", overflow="fold")
    for name, entry in running.manifest.items():
        creds = ", ".join(f"{k}={v}" for k, v in entry.items() if k != "url")
        table.add_row(name, entry["url"], creds)
    console.print(table)
    admin = f"{running.admin_url}/_admin/{{advance,faults,status}}"
    console.print(f"admin: {admin}  X-Admin-Key: {running.admin_key}", soft_wrap=True)
    if manifest is not None:
        manifest.parent.mkdir(parents=True, exist_ok=True)
        manifest.write_text(json.dumps(running.manifest, indent=2) + "\n", encoding="utf-8")
        manifest.chmod(0o600)
        console.print(f"manifest written to {manifest}")
    if truth is not None:
        running.ground_truth.write_jsonl(truth)
        console.print(f"ground truth written to {truth}")
    console.print("serving until Ctrl-C")


def _wait_for_interrupt() -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass

"""`icjs`: one console script; each command group lives in its own module under `cli/`."""

from __future__ import annotations

import importlib

import typer

from config import ConfigError
from config.runtime import tune_gc
from state import StateError

app = typer.Typer(
    name="icjs",
    help="Federated person and vehicle search over India's criminal-justice systems.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Each module exposes `register(app)`. Listed here, in `icjs --help` order.
_COMMAND_MODULES = (
    "cli.demo",
    "cli.simulate",
    "cli.sync",
    "cli.alerts",
    "cli.serve",
    "cli.index",
    "cli.linkage",
    "cli.network",
    "cli.docket",
    "cli.clients",
    "cli.officers",
    "cli.token",
    "cli.audit",
    "cli.quarantine",
    "cli.state",
)

for _module in _COMMAND_MODULES:
    importlib.import_module(_module).register(app)


def run() -> None:
    """Console-script entry: configuration errors are one line on stderr and exit status 2."""
    tune_gc()  # a long-running process: see `config.runtime`
    try:
        app()
    except ConfigError as exc:
        typer.echo(f"icjs: {exc}", err=True)
        raise SystemExit(2) from None
    except StateError as exc:  # the state database unreachable, refused, or behind
        typer.echo(f"icjs: {exc.detail}", err=True)
        raise SystemExit(1) from None

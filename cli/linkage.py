"""`icjs linkage`: estimate the model that weighs query-time joins from the index's own records,
and show it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from config import load_settings
from indexer.comparison import FIELDS, LEVELS

linkage_app = typer.Typer(
    name="linkage",
    help="The Fellegi–Sunter model that joins records into profiles: estimate, show.",
    no_args_is_help=True,
)


@linkage_app.command("estimate")
def estimate_command(
    records: Annotated[
        int, typer.Option(min=100, help="Person records to sample from the index.")
    ] = 50_000,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 0,
    out: Annotated[
        Path | None, typer.Option(help="Write here instead of profiles.model_path.")
    ] = None,
    portable: Annotated[
        bool,
        typer.Option(
            help="For other indexes (the packaged model): without this index's name frequencies, "
            "with only common address tokens."
        ),
    ] = False,
) -> None:
    """Fit m, u and the prior by expectation-maximisation on the index (no ground truth needed),
    and write the model the API reads at start. Run it after a first full sync, and again when
    the data changes much (a new source, a new state); restart the API to use it."""
    from federation.estimate import estimate
    from indexer import open_backend

    settings = load_settings()
    target = out or settings.linkage_model_path
    backend = open_backend(settings.search)
    try:
        model = estimate(
            backend.records(),
            max_records=records,
            seed=seed,
            log=lambda line: typer.echo(f"icjs linkage: {line}", err=True),
        )
    except ValueError as exc:
        typer.echo(f"icjs linkage: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        backend.close()
    if portable:
        model = model.portable()
    model.save(target)
    typer.echo(f"linkage model written to {target} (join threshold {model.threshold:.1f} bits)")


@linkage_app.command("show")
def show_command(
    as_json: Annotated[bool, typer.Option("--json", help="The model file as JSON.")] = False,
) -> None:
    """The model the API would use now: weight (bits) of every comparison level."""
    from federation.linkage import load_model

    path = load_settings().linkage_model_path
    model = load_model(path)
    if as_json:
        summary = model.to_json()
        # the frequency tables are long: their sizes, not their rows
        summary["term_frequencies"] = {k: len(f.table) for k, f in model.frequencies.items()}
        summary["address_frequency"] = len(model.address_frequency)
        typer.echo(json.dumps(summary))
        return
    source = path if path.exists() else "the packaged model"
    typer.echo(f"model: {source}; prior {model.prior:.4g}; join at {model.threshold:.1f} bits")
    for i, name in enumerate(FIELDS):
        for level, label in enumerate(LEVELS[name]):
            typer.echo(f"  {name:<9} {label:<36} {model.weight(i, level):+6.1f}")


def register(app: typer.Typer) -> None:
    app.add_typer(linkage_app)

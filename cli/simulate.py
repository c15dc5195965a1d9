"""`icjs simulate`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("simulate")
    def simulate() -> None:
        """Not built yet."""
        typer.echo("icjs simulate: not built yet", err=True)
        raise typer.Exit(1)

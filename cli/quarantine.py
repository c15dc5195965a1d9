"""`icjs quarantine`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("quarantine")
    def quarantine() -> None:
        """Not built yet."""
        typer.echo("icjs quarantine: not built yet", err=True)
        raise typer.Exit(1)

"""`icjs sync`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("sync")
    def sync() -> None:
        """Not built yet."""
        typer.echo("icjs sync: not built yet", err=True)
        raise typer.Exit(1)

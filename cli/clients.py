"""`icjs clients`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("clients")
    def clients() -> None:
        """Not built yet."""
        typer.echo("icjs clients: not built yet", err=True)
        raise typer.Exit(1)

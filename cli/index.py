"""`icjs index`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("index")
    def index() -> None:
        """Not built yet."""
        typer.echo("icjs index: not built yet", err=True)
        raise typer.Exit(1)

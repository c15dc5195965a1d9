"""`icjs token`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("token")
    def token() -> None:
        """Not built yet."""
        typer.echo("icjs token: not built yet", err=True)
        raise typer.Exit(1)

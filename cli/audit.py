"""`icjs audit`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("audit")
    def audit() -> None:
        """Not built yet."""
        typer.echo("icjs audit: not built yet", err=True)
        raise typer.Exit(1)

"""`icjs serve`."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve() -> None:
        """Not built yet."""
        typer.echo("icjs serve: not built yet", err=True)
        raise typer.Exit(1)

"""`icjs officers create`: an officer account for the console's sign-in (`/console`).

The password is generated and printed once (or read from `--password-file`); only its scrypt
hash is kept. A deployment whose officers sign in at their state's identity provider needs no
accounts here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from auth.accounts import AccountError, OfficerAccounts
from auth.principal import Role
from config import load_settings
from state.databases import open_url

officers_app = typer.Typer(help="Officer accounts for the console's sign-in.", no_args_is_help=True)


@officers_app.command("create")
def create(
    officer_id: Annotated[str, typer.Argument(help="The officer's id, e.g. MH-PUNE-1001.")],
    name: Annotated[str, typer.Option(help="Name shown in the console.")],
    role: Annotated[str, typer.Option(help="officer, supervisor, auditor or admin.")] = "officer",
    state: Annotated[str | None, typer.Option(help="Two-letter state code.")] = None,
    district: Annotated[str | None, typer.Option()] = None,
    police_station: Annotated[str | None, typer.Option()] = None,
    clearances: Annotated[str, typer.Option(help="Comma-separated, e.g. sensitive.")] = "",
    password_file: Annotated[
        Path | None, typer.Option(help="Read the password from this file instead.")
    ] = None,
) -> None:
    """Create or replace an account; prints the generated password once."""
    settings = load_settings()
    target = open_url(settings.state) if settings.state.url else settings.auth.db_path
    accounts = OfficerAccounts(target, migrate=settings.state.migrate == "auto")
    try:
        password = password_file.read_text("utf-8").strip() if password_file else None
        made = accounts.create(
            officer_id,
            name=name,
            role=Role(role),
            state=state,
            district=district,
            police_station=police_station,
            clearances=frozenset(c.strip() for c in clearances.split(",") if c.strip()),
            password=password,
        )
    except (AccountError, ValueError) as exc:
        typer.echo(f"icjs officers: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        accounts.close()
    if password is None:
        typer.echo(made)


def register(app: typer.Typer) -> None:
    app.add_typer(officers_app, name="officers")

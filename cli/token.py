"""`icjs token`: mint demo officer tokens, fetch client tokens, manage the signing keys.

`icjs token officer …` prints only the bare token on stdout, so `TOKEN=$(icjs token officer …)`
works in a shell.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from auth.certificates import file_thumbprint
from auth.keys import KeyRing
from auth.officers import DemoIssuer
from auth.principal import Role
from auth.service import demo_issuer_url
from config import load_settings

token_app = typer.Typer(
    help="Tokens: demo officer tokens, client tokens, signing keys.", no_args_is_help=True
)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"icjs token: {message}", err=True)
    return typer.Exit(2)


@token_app.command("officer")
def officer(
    role: Annotated[str, typer.Option(help="officer, supervisor, auditor or admin")] = "officer",
    state: Annotated[str | None, typer.Option(help="two-letter state code, e.g. MH")] = None,
    district: Annotated[str | None, typer.Option(help="district, e.g. PUNE")] = None,
    police_station: Annotated[str | None, typer.Option(help="police station code")] = None,
    clearance: Annotated[
        list[str] | None, typer.Option(help="clearance, e.g. sensitive (repeatable)")
    ] = None,
    subject: Annotated[str | None, typer.Option(help="officer id (default: random)")] = None,
    ttl: Annotated[int, typer.Option(help="lifetime in seconds")] = 3600,
    cert: Annotated[
        Path | None,
        typer.Option(help="bind the token to this device certificate (PEM; RFC 8705)"),
    ] = None,
) -> None:
    """Mint an officer token from the built-in demo identity provider."""
    settings = load_settings()
    if settings.auth.officer_jwks_url:
        raise _fail("an external identity provider is configured (auth.officer_jwks_url)")
    try:
        role_enum = Role(role)
        issuer = DemoIssuer(
            KeyRing.open(settings.auth.keys_dir),
            issuer=demo_issuer_url(settings.auth),
            audience=settings.auth.audience,
        )
        token = issuer.mint(
            role=role_enum,
            state=state,
            district=district,
            police_station=police_station,
            clearances=clearance or (),
            subject=subject,
            ttl_s=ttl,
            cert_thumbprint=file_thumbprint(cert) if cert else None,
        )
    except (ValueError, OSError) as exc:
        raise _fail(str(exc)) from None
    typer.echo(token)


@token_app.command("client")
def client(
    client_id: Annotated[str, typer.Option(help="the client id")],
    client_secret: Annotated[
        str,
        typer.Option(
            envvar="ICJS_CLIENT_SECRET",
            prompt=True,
            hide_input=True,
            help="the client secret (better: set ICJS_CLIENT_SECRET)",
        ),
    ],
    scope: Annotated[str | None, typer.Option(help="scopes to ask for")] = None,
    url: Annotated[str | None, typer.Option(help="server base URL (default auth.issuer)")] = None,
) -> None:
    """Get an access token from a running server (client credentials, client_secret_basic)."""
    import warnings

    with warnings.catch_warnings():  # authlib's notice about httpx2 is not the user's concern
        warnings.simplefilter("ignore")
        from authlib.integrations.base_client import OAuthError
        from authlib.integrations.httpx_client import OAuth2Client

    settings = load_settings()
    base = (url or settings.auth.issuer).rstrip("/")
    with OAuth2Client(client_id, client_secret, scope=scope) as session:
        try:
            token = session.fetch_token(base + "/oauth/token", grant_type="client_credentials")
        except OAuthError as exc:
            raise _fail(f"{exc.error}: {exc.description}") from None
        except Exception as exc:  # connection refused and friends: say where we tried
            raise _fail(f"cannot reach {base}: {exc}") from None
    typer.echo(token["access_token"])


@token_app.command("rotate-keys")
def rotate_keys() -> None:
    """Make a new signing key current; previous keys stay published for verification."""
    settings = load_settings()
    ring = KeyRing.open(settings.auth.keys_dir)
    typer.echo(ring.rotate())


@token_app.command("withdraw-key")
def withdraw_key(kid: str) -> None:
    """Remove a signing key entirely (after a compromise): nothing it signed verifies any more."""
    settings = load_settings()
    ring = KeyRing.open(settings.auth.keys_dir)
    try:
        ring.withdraw(kid)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"withdrew {kid}; running servers drop it within a minute", err=True)


@token_app.command("jwks")
def jwks() -> None:
    """Print the public signing keys (the same as /.well-known/jwks.json)."""
    settings = load_settings()
    typer.echo(json.dumps(KeyRing.open(settings.auth.keys_dir).jwks(), indent=2))


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")

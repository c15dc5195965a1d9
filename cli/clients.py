"""`icjs clients`: register and manage OAuth2 clients (partner agencies, the NOC service)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from auth.certificates import file_thumbprint
from auth.clients import ClientError, ClientRegistry
from auth.policy import Policy
from auth.principal import Role
from config import load_settings
from records import Source
from state.databases import open_url

clients_app = typer.Typer(
    help="OAuth2 clients: create, list, disable, enable, rotate-secret, set-jwks.",
    no_args_is_help=True,
)


def _split(values: list[str] | None) -> list[str]:
    """Accept `--scopes a,b`, `--scopes "a b"` and repeated options alike."""
    out: list[str] = []
    for value in values or []:
        out.extend(v for v in value.replace(",", " ").split() if v)
    return out


def _registry() -> tuple[ClientRegistry, Policy]:
    settings = load_settings()
    target = open_url(settings.state) if settings.state.url else settings.auth.db_path
    migrate = settings.state.migrate == "auto"
    return ClientRegistry(target, migrate=migrate), Policy.load(settings.auth.policy_path)


def _fail(message: str) -> typer.Exit:
    typer.echo(f"icjs clients: {message}", err=True)
    return typer.Exit(2)


def _read_jwks(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise _fail(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _fail(f"{path} must hold a JWK set or one JWK")
    return data


@clients_app.command("create")
def create(
    agency: Annotated[str, typer.Option(help="agency name, e.g. CBI, NIA, RPF")],
    scopes: Annotated[
        list[str], typer.Option("--scopes", "--scope", help="scopes, comma or space separated")
    ],
    sources: Annotated[
        list[str] | None,
        typer.Option("--sources", "--source", help="source entitlements (default: the role's)"),
    ] = None,
    fields: Annotated[
        list[str] | None,
        typer.Option("--fields", help="field groups granted, e.g. identity,status"),
    ] = None,
    role: Annotated[str, typer.Option(help="partner or noc_service")] = "partner",
    jwks: Annotated[
        Path | None, typer.Option(help="public JWK set for private_key_jwt client auth")
    ] = None,
    clearance: Annotated[
        list[str] | None,
        typer.Option(help="clearance, e.g. sensitive (repeatable; lifts label restrictions)"),
    ] = None,
    secret: Annotated[
        bool, typer.Option("--secret/--no-secret", help="issue a client secret")
    ] = True,
    cert_bound: Annotated[
        bool,
        typer.Option(
            "--cert-bound",
            help="tokens only over mutual TLS, bound to the client's certificate (RFC 8705)",
        ),
    ] = False,
    cert: Annotated[
        Path | None,
        typer.Option(help="pin the client's certificate (PEM): only it may get tokens"),
    ] = None,
    hit_flag: Annotated[
        list[str] | None,
        typer.Option(
            "--hit-flag",
            help="sources answered to this client only as hit-flags (a record exists, where, "
            "whom to ask), inside or outside its entitlement; 'none': no hit-flag at all "
            "(silence outside the entitlement). Default: every source outside its entitlement",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Register a client. The secret is printed ONCE: store it now."""
    registry, policy = _registry()
    try:
        role_enum = Role(role)
        source_list = [Source(s.lower()) for s in _split(sources)] if sources else None
        flagged = _hit_flag(hit_flag)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    scope_list = _split(scopes)
    field_list = _split(fields) if fields else None
    try:
        policy.check_registration(role_enum, scope_list, field_list)
        client, client_secret = registry.create(
            agency=agency,
            scopes=scope_list,
            role=role_enum,
            sources=source_list,
            fields=field_list,
            jwks=_read_jwks(jwks) if jwks else None,
            with_secret=secret,
            clearances=_split(clearance),
            cert_bound=cert_bound,
            cert_thumbprint=file_thumbprint(cert) if cert else None,
            hit_flag=flagged,
        )
    except (ClientError, ValueError, OSError) as exc:
        raise _fail(str(exc)) from None
    if as_json:
        typer.echo(json.dumps({**client.summary(), "client_secret": client_secret}, indent=2))
    else:
        typer.echo(f"client_id:     {client.client_id}")
        if client_secret:
            typer.echo(f"client_secret: {client_secret}")
        typer.echo(f"scopes:        {' '.join(sorted(client.scopes))}")
    if client_secret:
        typer.echo("The secret is shown only now; store it in the partner's vault.", err=True)


@clients_app.command("list")
def list_clients(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """List registered clients (never their secrets)."""
    registry, _ = _registry()
    clients = [c.summary() for c in registry.list()]
    if as_json:
        typer.echo(json.dumps(clients, indent=2))
        return
    if not clients:
        typer.echo("no clients registered", err=True)
    for c in clients:
        state = "DISABLED" if c["disabled"] else "active"
        sources = ",".join(c["sources"]) if c["sources"] is not None else "(role default)"
        flagged = ",".join(c["hit_flag"]) or "none" if c["hit_flag"] is not None else "(default)"
        typer.echo(
            f"{c['client_id']}\t{c['agency']}\t{c['role']}\t{state}\t"
            f"scopes={' '.join(c['scopes'])}\tsources={sources}\thit_flag={flagged}\t"
            f"auth={','.join(c['auth_methods'])}"
        )


@clients_app.command("disable")
def disable(client_id: str) -> None:
    """Disable a client: no new tokens, and its live tokens stop working at once."""
    registry, _ = _registry()
    try:
        registry.disable(client_id)
    except ClientError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"disabled {client_id}")


@clients_app.command("enable")
def enable(client_id: str) -> None:
    """Re-enable a disabled client."""
    registry, _ = _registry()
    try:
        registry.enable(client_id)
    except ClientError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"enabled {client_id}")


@clients_app.command("rotate-secret")
def rotate_secret(client_id: str) -> None:
    """Issue a new secret (printed once); the old one stops working at once."""
    registry, _ = _registry()
    try:
        new_secret = registry.rotate_secret(client_id)
    except ClientError as exc:
        raise _fail(str(exc)) from None
    typer.echo(new_secret)
    typer.echo("The secret is shown only now; store it in the partner's vault.", err=True)


@clients_app.command("set-jwks")
def set_jwks(
    client_id: str,
    jwks: Annotated[Path, typer.Option(help="public JWK set for private_key_jwt")],
) -> None:
    """Register (or replace) the public keys a client signs its assertions with."""
    registry, _ = _registry()
    try:
        registry.set_jwks(client_id, _read_jwks(jwks))
    except ClientError as exc:
        raise _fail(str(exc)) from None
    typer.echo(f"registered keys for {client_id}")


@clients_app.command("hit-flag")
def set_hit_flag(
    client_id: str,
    sources: Annotated[
        list[str] | None,
        typer.Argument(help="sources answered only as hit-flags; 'none': no hit-flag at all"),
    ] = None,
    default: Annotated[
        bool, typer.Option("--default", help="back to the role's default (outside entitlement)")
    ] = False,
) -> None:
    """Mark the sources a client is answered as hit-flags; its live tokens follow at once."""
    registry, _ = _registry()
    if default == bool(sources):
        raise _fail("name the sources (or 'none'), or pass --default")
    try:
        flagged = None if default else _hit_flag(sources)
        registry.set_hit_flag(client_id, flagged)
    except (ClientError, ValueError) as exc:
        raise _fail(str(exc)) from None
    shown = "the role's default" if flagged is None else ",".join(s.value for s in flagged)
    typer.echo(f"hit-flags for {client_id}: {shown or 'none'}")


def _hit_flag(values: list[str] | None) -> list[Source] | None:
    """`--hit-flag` values as sources: None (not given), [] ('none') or the sources named."""
    if not values:
        return None
    names = _split(values)
    if [n.lower() for n in names] == ["none"]:
        return []
    return sorted({Source(n.lower()) for n in names})


def register(app: typer.Typer) -> None:
    app.add_typer(clients_app, name="clients")

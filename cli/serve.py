"""`icjs serve`: run the search API with uvicorn."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve(
        host: Annotated[
            str | None, typer.Option(help="Address to bind (default: api.host, 127.0.0.1).")
        ] = None,
        port: Annotated[
            int | None,
            typer.Option(help="Port to bind (default: api.port, 8000).", min=1, max=65535),
        ] = None,
        workers: Annotated[int, typer.Option(help="Worker processes.", min=1, max=64)] = 1,
        log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
        log_json: Annotated[
            bool, typer.Option("--log-json", help="Log one JSON object per line (for shippers).")
        ] = False,
        tls_cert: Annotated[
            Path | None, typer.Option(help="Serve HTTPS with this certificate (PEM).")
        ] = None,
        tls_key: Annotated[Path | None, typer.Option(help="The certificate's private key.")] = None,
        tls_client_ca: Annotated[
            Path | None,
            typer.Option(
                help="Ask clients for certificates signed by these CAs (mutual TLS); tokens "
                "issued over such connections are bound to the certificate (RFC 8705)."
            ),
        ] = None,
        client_cert: Annotated[
            str | None,
            typer.Option(help="none | optional | required (default: api.tls_client_cert)."),
        ] = None,
    ) -> None:
        """Serve the API (persons, vehicles, NOC, OAuth2, audit) on HOST:PORT."""
        import uvicorn

        from api import logs

        logs.configure(json=log_json)
        if log_json:  # worker processes configure their own logging from this
            os.environ["ICJS_LOG_JSON"] = "1"

        from api.app import settling_collector
        from api.tls import uvicorn_options
        from config import load_settings
        from web.app import create_app

        overrides: dict[str, object] = {}
        if tls_cert or tls_key or tls_client_ca or client_cert:
            overrides = {
                k: v
                for k, v in (
                    ("tls_cert_file", tls_cert),
                    ("tls_key_file", tls_key),
                    ("tls_client_ca_file", tls_client_ca),
                    ("tls_client_cert", client_cert),
                )
                if v is not None
            }
        settings = load_settings()
        if overrides:
            settings = settings.model_copy(
                update={
                    "api": settings.api.model_validate({**settings.api.model_dump(), **overrides})
                }
            )
        bind_host = host or settings.api.host
        bind_port = port or settings.api.port
        server = uvicorn_options(settings.api)
        scheme = "https" if "ssl_certfile" in server else "http"
        typer.echo(f"icjs: serving on {scheme}://{bind_host}:{bind_port} (docs at /docs)", err=True)
        # Proxy headers are the app's business (`api.trusted_proxies`, none by default):
        # uvicorn's own handling believes X-Forwarded-For from any loopback peer.
        common: dict[str, object] = {
            "host": bind_host,
            "port": bind_port,
            "log_level": log_level,
            "proxy_headers": False,
            "access_log": False,  # the app logs each request, structured and escaped
            **server,
        }
        if workers == 1:
            # this process is the worker: it settles the collector after responses as each
            # worker of `web.app:app_from_environment` does (`config.runtime`)
            app = settling_collector(create_app(settings))
            uvicorn.run(app, **common)  # type: ignore[arg-type]
        else:
            # Each worker process builds its own app from the same configuration.
            uvicorn.run(
                "web.app:app_from_environment",
                factory=True,
                workers=workers,
                **common,  # type: ignore[arg-type]
            )

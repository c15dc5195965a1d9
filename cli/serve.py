"""`icjs serve`: run the search API with uvicorn."""

from __future__ import annotations

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
    ) -> None:
        """Serve the API (persons, vehicles, NOC, OAuth2, audit) on HOST:PORT."""
        import uvicorn

        if log_json:
            _json_logs()

        from api.app import create_app
        from config import load_settings

        settings = load_settings()
        bind_host = host or settings.api.host
        bind_port = port or settings.api.port
        typer.echo(f"icjs: serving on http://{bind_host}:{bind_port} (docs at /docs)", err=True)
        if workers == 1:
            uvicorn.run(create_app(settings), host=bind_host, port=bind_port, log_level=log_level)
        else:
            # Each worker process builds its own app from the same configuration.
            uvicorn.run(
                "api.app:app_from_environment",
                factory=True,
                host=bind_host,
                port=bind_port,
                workers=workers,
                log_level=log_level,
                access_log=False,
            )


def _json_logs() -> None:
    """structlog as JSON lines: time, level, event, request id and the request's fields."""
    import logging

    import structlog

    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.INFO),
    )

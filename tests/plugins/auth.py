"""Pytest fixtures: auth.

- `auth_settings` — `AuthSettings` with every file under `tmp_path` and the issuer set to the
  address the live server will listen on (so token `iss` and assertion `aud` line up).
- `auth_service` — the `AuthService` built from them.
- `auth_app` — a minimal FastAPI app: the OAuth2 and audit routers, the audit middleware, a
  problem+json error handler, and two probe routes (`GET /probe/search` needing
  `persons:search`, `GET /probe/noc` needing `noc:issue`) that stand in for the real API.
- `auth_server` — that app served by a real uvicorn on 127.0.0.1 in a thread; `.url` is its base.
- `make_auth_app(service)` and `LiveServer(app, port)` for other areas' tests.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from api.audit_middleware import AuditMiddleware
from api.routes.audit import router as audit_router
from api.routes.oauth import build_oauth_router
from api.security import audit_context, require_scope
from auth.errors import ProblemError
from auth.principal import Caller
from auth.service import AuthService
from config.settings import AuthSettings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_auth_app(service: AuthService) -> FastAPI:
    app = FastAPI()
    app.state.auth = service
    app.state.audit = service.audit

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        return JSONResponse(
            exc.to_problem(request.url.path),
            status_code=exc.status,
            headers=exc.headers,
            media_type="application/problem+json",
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.include_router(build_oauth_router())
    app.include_router(audit_router)

    @app.get("/probe/search", name="probe.search")
    def probe_search(
        request: Request, caller: Caller = Depends(require_scope("persons:search"))
    ) -> dict[str, object]:
        audit_context(request, purpose="probe", record_ids=["cctns:probe-1"])
        return {
            "subject": caller.subject,
            "role": caller.role.value,
            "scopes": sorted(caller.scopes),
            "agency": caller.agency,
            "state": caller.state,
        }

    @app.get("/probe/noc", name="probe.noc")
    def probe_noc(caller: Caller = Depends(require_scope("noc:issue"))) -> dict[str, str]:
        return {"subject": caller.subject}

    app.add_middleware(AuditMiddleware)
    return app


def bound_socket() -> socket.socket:
    """A socket bound to a free loopback port: no race between choosing the port and the
    server binding it."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


class LiveServer:
    """A uvicorn server in a background thread; `stop()` waits for it to finish. Pass a socket
    from `bound_socket()` (or a port number)."""

    def __init__(self, app: FastAPI, where: int | socket.socket) -> None:
        sock = where if isinstance(where, socket.socket) else None
        port = int(sock.getsockname()[1]) if sock else int(where)  # type: ignore[arg-type]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock] if sock else None}, daemon=True
        )

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@dataclass
class AuthServer:
    url: str
    service: AuthService
    settings: AuthSettings
    app: FastAPI


@pytest.fixture
def auth_socket() -> Iterator[socket.socket]:
    sock = bound_socket()
    yield sock
    sock.close()


@pytest.fixture
def auth_port(auth_socket: socket.socket) -> int:
    return int(auth_socket.getsockname()[1])


@pytest.fixture
def auth_settings(tmp_path: Path, auth_port: int) -> AuthSettings:
    return AuthSettings(
        db_path=tmp_path / "auth.db",
        keys_dir=tmp_path / "keys",
        audit_path=tmp_path / "audit.db",
        issuer=f"http://127.0.0.1:{auth_port}",
        audience="icjs-search",
        token_ttl_s=900,
    )


@pytest.fixture
def auth_service(auth_settings: AuthSettings) -> Iterator[AuthService]:
    service = AuthService.from_settings(auth_settings)
    yield service
    service.close()


@pytest.fixture
def auth_app(auth_service: AuthService) -> FastAPI:
    return make_auth_app(auth_service)


@pytest.fixture
def auth_server(
    auth_app: FastAPI,
    auth_service: AuthService,
    auth_settings: AuthSettings,
    auth_socket: socket.socket,
) -> Iterator[AuthServer]:
    server = LiveServer(auth_app, auth_socket).start()
    try:
        yield AuthServer(server.url, auth_service, auth_settings, auth_app)
    finally:
        server.stop()

"""Pytest fixtures: the search API on a real uvicorn server (owner: the API engineer).

- `start_api(settings, backend, **create_app_kwargs)`: a context manager that serves
  `api.app.create_app(...)` with uvicorn on a free loopback port (a pre-bound socket, so no port
  race) and yields a `LiveApi`.
- `LiveApi`: `url`, `app`, `auth`, `backend`, `http` (an `httpx.Client` on the server), and
  helpers that make real credentials: `officer(...)` mints an officer token with the built-in
  issuer; `partner(...)` registers an OAuth2 client and returns a token fetched from the running
  server's `/oauth/token` with authlib's client.
- `api_settings(tmp_path)`: settings with every file under `tmp_path`.
- `world_backend` (session): an embedded backend filled with the backends' `sample_world()` (plus
  `api_extra_records()`) through the real indexer.
- `live_api` (session): one server over `world_backend` with generous rate limits, shared by
  the read-only API tests.

When a server stops, every request sent through its `LiveApi.http` must be in its audit log,
and the hash chain must verify: the suite checks the audit coverage of everything it does.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from auth.principal import Role
from config import Settings
from config.settings import ApiSettings, AuthSettings, SearchSettings, SyncSettings
from records import (
    Identifier,
    IdType,
    Kind,
    Person,
    PersonRole,
    Record,
    Sensitivity,
    Source,
    Vehicle,
)
from tests.plugins.backends import make

if TYPE_CHECKING:  # imported where used, so that a broken API module cannot stop collection
    from fastapi import FastAPI

    from auth.service import AuthService
    from indexer.backends.base import Backend
    from state.audit import AuditLog


def api_extra_records() -> list[Record]:
    """What the API tests need beyond the shared sample world: a second Rajendra outside
    Maharashtra (jurisdiction), a sexual-offence case inside it, a missing person written in
    Devanagari only, a blacklisted vehicle, a vehicle under a partial-chassis theft report, and
    a clean vehicle."""
    return [
        make(
            Source.CCTNS,
            "KA-PS0100-2022-0042-A1",
            Kind.ACCUSED,
            status="CHARGESHEETED",
            state="KA",
            district="BENGALURU",
            people=(
                Person(
                    name="RAJENDRA PATIL",
                    relative_name="MAHADEV PATIL",
                    birth_year=1975,
                    address="12 MG ROAD, BENGALURU",
                    phones=("+919812345678",),
                ),
            ),
        ),
        make(
            Source.CCTNS,
            "MH-PS0412-2024-0999-A1",
            Kind.ACCUSED,
            status="ARRESTED",
            state="MH",
            district="PUNE",
            people=(Person(name="MAHESH DAGDU JADHAV", birth_year=1988),),
            sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE}),
        ),
        make(
            Source.CCTNS,
            "UP-PS2210-2024-MP-0031",
            Kind.MISSING_PERSON,
            status="OPEN",
            state="UP",
            people=(Person(role=PersonRole.MISSING, name_local="सुनीता देवी", age_from=27),),
        ),
        make(
            Source.VAHAN,
            "KA05MN4321#1",
            Kind.VEHICLE_REGISTRATION,
            status="ACTIVE",
            state="KA",
            people=(Person(name="LATHA RAO", address="4 JAYANAGAR, BENGALURU"),),
            vehicle=Vehicle(
                registration_no="KA05MN4321",
                chassis_no="MALBB51BLAM654321",
                engine_no="G4LAAM123456",
                owner_serial=1,
            ),
            identifiers=(
                Identifier(type=IdType.REGISTRATION, value="KA05MN4321"),
                Identifier(type=IdType.CHASSIS, value="MALBB51BLAM654321"),
                Identifier(type=IdType.ENGINE, value="G4LAAM123456"),
            ),
            attributes={"blacklist_status": "BLACKLISTED-THEFT"},
        ),
        make(
            Source.VAHAN,
            "DL03CAB0007#1",
            Kind.VEHICLE_REGISTRATION,
            status="ACTIVE",
            state="DL",
            people=(Person(name="ARJUN MEHTA", address="7 KAROL BAGH, DELHI"),),
            vehicle=Vehicle(
                registration_no="DL03CAB0007",
                chassis_no="MBHCZC63SKJ700007",
                engine_no="K10BN7000077",
                owner_serial=1,
            ),
            identifiers=(
                Identifier(type=IdType.REGISTRATION, value="DL03CAB0007"),
                Identifier(type=IdType.CHASSIS, value="MBHCZC63SKJ700007"),
                Identifier(type=IdType.ENGINE, value="K10BN7000077"),
            ),
        ),
        make(
            Source.VAHAN,
            "GJ01XY0099#2",
            Kind.VEHICLE_REGISTRATION,
            status="ACTIVE",
            state="GJ",
            people=(Person(name="NIRAV SHAH"),),
            vehicle=Vehicle(
                registration_no="GJ01XY0099",
                chassis_no="MA1TA2HRXK2099887",
                owner_serial=2,
            ),
            identifiers=(
                Identifier(type=IdType.REGISTRATION, value="GJ01XY0099"),
                Identifier(type=IdType.CHASSIS, value="MA1TA2HRXK2099887"),
            ),
        ),
        make(
            Source.CCTNS,
            "RJ-PS0300-2024-0011-V1",
            Kind.VEHICLE_REPORT,
            status="STOLEN",
            state="RJ",
            vehicle=Vehicle(chassis_no="99887"),
            identifiers=(Identifier(type=IdType.CHASSIS, value="99887", partial=True),),
        ),
    ]


def api_world() -> list[Record]:
    from tests.plugins.backends import sample_world

    return sample_world() + api_extra_records()


def api_settings_for(root: Path, *, auth: dict[str, Any] | None = None, **api: Any) -> Settings:
    """Settings with every file under `root`. The OAuth endpoints' throttle and lock-out are
    generous (many tests fetch tokens from one address); tests of them pass `auth=`."""
    return Settings(
        search=SearchSettings(backend="embedded", path=root / "icjs.db"),
        auth=AuthSettings(
            db_path=root / "auth.db",
            keys_dir=root / "keys",
            audit_path=root / "audit.db",
            **{"token_rate_per_minute": 100_000, "lockout_failures": 1000, **(auth or {})},
        ),
        sync=SyncSettings(state_path=root / "sync.db"),
        api=ApiSettings(**api),
        data_dir=root,
    )


def fresh_sync_state(state_path: Path) -> Path:
    """A sync state saying the NOC's evidence (CCTNS vehicle reports, Vahan) was synced just
    now, for an API over a world indexed directly rather than synced (a NOC over unknown or
    stale evidence never says CLEAR)."""
    from state.sync import StateStore

    with StateStore(state_path) as state:
        for source, stream in (("cctns", "vehicles"), ("vahan", "all")):
            state.commit_page(source, stream, watermark=None, walk=None, success=True)
    return state_path


def fill(backend: Backend, records: Iterable[Record]) -> Backend:
    records = list(records)
    result = backend.upsert(records)
    assert result.indexed == len(records) and not result.failed, result
    backend.flush()
    return backend


@dataclass
class LiveApi:
    url: str
    app: FastAPI
    http: httpx.Client

    @property
    def auth(self) -> AuthService:
        service: AuthService = self.app.state.auth
        return service

    @property
    def backend(self) -> Backend:
        backend: Backend = self.app.state.backend
        return backend

    def officer(
        self,
        *,
        role: Role = Role.OFFICER,
        state: str | None = "MH",
        district: str | None = "PUNE",
        clearances: Iterable[str] = (),
        subject: str | None = None,
        ttl_s: int = 3600,
    ) -> str:
        demo = self.auth.demo
        assert demo is not None, "the built-in officer issuer is off (officer_jwks_url set)"
        return demo.mint(
            role=role,
            state=state,
            district=district,
            clearances=clearances,
            subject=subject,
            ttl_s=ttl_s,
        )

    def register(
        self,
        *,
        agency: str = "CBI",
        scopes: Iterable[str] = ("persons:search", "persons:read", "vehicles:search"),
        role: Role = Role.PARTNER,
        sources: Iterable[Source] | None = None,
        fields: Iterable[str] | None = None,
        hit_flag: Iterable[Source] | None = None,
    ) -> tuple[str, str]:
        client, secret = self.auth.clients.create(
            agency=agency,
            scopes=list(scopes),
            role=role,
            sources=sources,
            fields=fields,
            hit_flag=hit_flag,
        )
        assert secret is not None
        return client.client_id, secret

    def client_token(self, client_id: str, secret: str, scope: str | None = None) -> str:
        """An access token from the running server's token endpoint, via authlib's client."""
        from authlib.integrations.httpx_client import OAuth2Client

        with OAuth2Client(
            client_id, secret, token_endpoint_auth_method="client_secret_basic", scope=scope
        ) as oauth:
            token = oauth.fetch_token(f"{self.url}/oauth/token", grant_type="client_credentials")
        access: str = token["access_token"]
        return access

    def partner(self, **register: Any) -> str:
        """Register a client and return an access token carrying all its scopes."""
        client_id, secret = self.register(**register)
        return self.client_token(client_id, secret)

    def post(
        self, path: str, token: str | None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self.http.post(path, headers={**_bearer(token), **(headers or {})}, **kwargs)

    def get(
        self, path: str, token: str | None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx.Response:
        return self.http.get(path, headers={**_bearer(token), **(headers or {})}, **kwargs)


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


@contextmanager
def start_api(
    settings: Settings,
    backend: Backend,
    *,
    server_options: dict[str, Any] | None = None,
    client: dict[str, Any] | None = None,
    pages: bool = False,
    **kwargs: Any,
) -> Iterator[LiveApi]:
    """Serve a fresh app on 127.0.0.1:<free port> in a background thread. `server_options` go
    to `uvicorn.Config` (TLS, see `api.tls.uvicorn_options`); `client` to the `httpx.Client`."""
    import uvicorn

    from api.app import create_app

    if pages:  # the API with the console and the portal (web.app)
        from web.app import create_app

    class _Server(uvicorn.Server):
        def install_signal_handlers(self) -> None:  # the test thread is not the main thread
            pass

    kwargs.setdefault("access_log", False)
    app = create_app(settings, backend=backend, **kwargs)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    options = server_options or {}
    config = uvicorn.Config(app, log_level="warning", lifespan="on", proxy_headers=False, **options)
    server = _Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the API server did not start")
        time.sleep(0.02)
    url = f"{'https' if 'ssl_certfile' in options else 'http'}://127.0.0.1:{port}"
    sent: list[str] = []

    def remember(response: httpx.Response) -> None:
        sent.append(response.headers.get("x-request-id", "<none>"))

    try:
        # a pooled connection idle longer than uvicorn's keep-alive (5 s) may be closed by the
        # server as the next request goes out ("connection reset"): drop idle ones sooner
        options_http: dict[str, Any] = {"limits": httpx.Limits(keepalive_expiry=2.0)}
        options_http.update(client or {})
        with httpx.Client(
            base_url=url, timeout=30, event_hooks={"response": [remember]}, **options_http
        ) as http:
            yield LiveApi(url=url, app=app, http=http)
        assert_audited(app.state.auth.audit, sent)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def audited_request_ids(audit: AuditLog) -> set[str]:
    from state.audit import AuditQuery

    seen: set[str] = set()
    since = 0
    while True:
        batch = audit.entries(AuditQuery(since_seq=since, limit=1000, newest_first=False))
        if not batch:
            return seen
        seen.update(e.request_id for e in batch if e.request_id)
        since = batch[-1].seq


def assert_audited(audit: AuditLog, request_ids: Iterable[str]) -> None:
    """Every request the tests sent through `LiveApi.http` is in an intact audit chain."""
    verified = audit.verify()
    assert verified.ok, verified.problems
    missing = set(request_ids) - audited_request_ids(audit)
    assert not missing, f"{len(missing)} requests are missing from the audit log"


@pytest.fixture
def api_settings(tmp_path: Path) -> Settings:
    return api_settings_for(tmp_path)


@pytest.fixture(scope="session")
def world_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    from indexer import open_backend

    root = tmp_path_factory.mktemp("api-world")
    backend = open_backend(SearchSettings(backend="embedded", path=root / "icjs.db"))
    fill(backend, api_world())
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def live_api(tmp_path_factory: pytest.TempPathFactory, world_backend: Backend) -> Iterator[LiveApi]:
    root = tmp_path_factory.mktemp("api-live")
    # Generous limits: the shared server must not throttle the suite (limits have own tests).
    settings = api_settings_for(root, rate_limit_per_minute=100_000)
    fresh_sync_state(settings.sync.state_path)
    with start_api(settings, world_backend) as api:
        yield api

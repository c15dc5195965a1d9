"""The app factory: `create_app(settings, backend=…, …) -> FastAPI`.

Everything a request needs hangs off `app.state`, built here and nowhere else (no module-level
mutable state, so tests build as many apps as they like):

- `backend` (`indexer.open_backend(settings.search)` unless given),
- `state` (`state.databases.StateDatabases`: SQLite files, or the PostgreSQL database every
  worker and machine shares, `state.url`),
- `auth` (`auth.service.AuthService`) and `audit` (its `AuditLog`),
- `persons` (`federation.PersonSearchService`, with the profile-id key, the linkage model and
  the supervisors' decisions), `vehicles` (`federation.vehicle_search.VehicleSearchService`,
  with the optional live Vahan look-up and the same profile-id key for owners), `noc`
  (`federation.NocService`), `sync_status` (an optional callable),
- `metrics`, `limits`.

Middleware, outermost first: request context (ids, the peer's address and certificate, security
headers, access log, metrics) → audit (reads and checks the body, an entry before any handler
runs and one as the answer starts; catches whatever escapes) → guard (per-address limit) →
routes. Per-caller limits run after authentication (`api.deps.guarded`).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from typing import Any

from fastapi import FastAPI

import indexer
from alerts import AlertStore
from alerts.access import AccessNotices
from alerts.broadcasts import Broadcasts
from alerts.directory import Directory
from alerts.searches import SearchMemory
from api.audit_middleware import AuditMiddleware
from auth.service import AuthService
from config import Settings
from config.runtime import QuietCollector
from connectors import status as connector_status
from connectors.evidence import SyncEvidence
from connectors.sources.vahan.live import ConnectorVahanLookup
from dockets import DocketService, graph_summary
from federation import (
    NocEvidence,
    NocService,
    NocStore,
    PersonSearchService,
    VahanLookup,
    VehicleSearchService,
)
from federation.access import AccessService
from federation.decisions import DecisionStore
from federation.linkage import load_model
from federation.profile_ids import ProfileIds
from federation.registers import OffenderIndex, Registers
from federation.related import RelatedRecords
from indexer.backends.base import Backend
from network import GraphStore, NetworkService
from network.hook import store_path
from network.suppress import load_stop_list
from state import Database
from state.databases import StateDatabases
from state.sync import has_state

from . import docs, errors, openapi
from .deps import Limits
from .metrics import Metrics
from .middleware import (
    CollectorMiddleware,
    GuardMiddleware,
    RequestContextMiddleware,
    SecurityHeaders,
)
from .proxies import TrustedProxies
from .ratelimit import TokenBucket
from .routes import (
    access,
    alerts,
    audit,
    broadcasts,
    dockets,
    health,
    network,
    noc,
    oauth,
    persons,
    registers,
    sync_status,
    vehicles,
)

API_VERSION = "1.0.0"
# Unauthenticated or failing traffic from one address may use several callers' worth of budget
# (a station behind one NAT), but not unbounded.
ADDRESS_LIMIT_FACTOR = 5

DESCRIPTION = """\
One question — *who is this person, what is this vehicle?* — asked once across CCTNS, e-Prisons,
Vahan, Sarathi, ALIS, NCRP, IVFRT and KhoyaPaya, answered as ranked, explained profiles cut to
what the asker may see.

**Authentication**: `Authorization: Bearer <token>`, either an OAuth2 access token (partner
agencies: the client credentials grant at `/oauth/token`, with HTTP Basic or `private_key_jwt`)
or an officer token from a trusted identity provider. Each operation names its scope.
**Every request is audited**; person and vehicle searches, profile reads and supervisors'
decisions require a `purpose`.
**Errors** are RFC 9457 `application/problem+json` (`Problem`; a `422` lists each field in
`errors`); the OAuth endpoints answer RFC 6749 errors. **Limits**: per caller and per address,
`429` with `Retry-After`. Every response carries `X-Request-ID`.
"""


def _sync_status(state: Database) -> Any:
    """The connectors' per-source status, or None when this node has no sync state."""
    if not has_state(state):
        return None
    return connector_status.sync_status(state)


def create_app(
    settings: Settings,
    *,
    backend: Backend | None = None,
    auth: AuthService | None = None,
    vahan: VahanLookup | None = None,
    sync_status_fn: Callable[[], Any] | None = None,
    noc_evidence: NocEvidence | None = None,
    access_log: bool = True,
) -> FastAPI:
    """Build the API. Objects passed in are used as they are and not closed on shutdown (the
    caller owns them); objects built here are closed when the app stops."""
    owned: list[Callable[[], None]] = []
    state = StateDatabases.open(settings)
    owned.append(state.close)
    if backend is None:
        backend = indexer.open_backend(settings.search)
        owned.append(backend.close)
    if auth is None:
        auth = AuthService.from_settings(settings.auth, state)
        owned.append(auth.close)
    noc_store = NocStore(state.noc, migrate=state.migrate)
    owned.append(noc_store.close)
    alert_store = AlertStore(state.alerts, migrate=state.migrate)
    owned.append(alert_store.close)
    searches = SearchMemory(state.alerts, migrate=state.migrate, policy=auth.policy)
    owned.append(searches.close)
    crimac = Broadcasts(state.alerts, migrate=state.migrate)
    owned.append(crimac.close)
    directory_path = settings.alerts.directory
    directory = (
        Directory.load(directory_path)
        if directory_path is not None and directory_path.exists()
        else Directory()
    )
    decisions = DecisionStore(state.decisions, migrate=state.migrate)
    owned.append(decisions.close)
    live: ConnectorVahanLookup | None = None
    vahan_settings = settings.sources.get("vahan")
    if vahan is None and vahan_settings and vahan_settings.enabled and vahan_settings.url:
        vahan = live = ConnectorVahanLookup.from_settings(vahan_settings)
    if sync_status_fn is None:
        sync_status_fn = partial(_sync_status, state.sync)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if live is not None:
                await live.aclose()
            for close in reversed(owned):
                close()

    app = FastAPI(
        title="ICJS federated search",
        version=API_VERSION,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # api.docs serves them offline
        redoc_url=None,
        generate_unique_id_function=openapi.operation_id,
        openapi_tags=[
            {"name": "persons", "description": "Person search and profiles."},
            {"name": "vehicles", "description": "Vehicle search: registration, owners, theft."},
            {"name": "noc", "description": "Vehicle no-objection certificates."},
            {"name": "operations", "description": "Health, readiness, metrics, sync status."},
            {"name": "oauth2", "description": "Tokens for partner agencies; public keys."},
            {"name": "audit", "description": "The hash-chained audit log (auditors)."},
            {"name": "alerts", "description": "Matches found without being asked; your feed."},
            {"name": "network", "description": "Link analysis: who connects to whom, and how."},
            {
                "name": "registers",
                "description": "The sexual-offender register (NDSO role) and proclaimed offenders.",
            },
            {
                "name": "access",
                "description": "Hit-flags: asking for records you are told only exist.",
            },
        ],
    )
    metrics = Metrics()
    app.state.settings = settings
    app.state.state = state
    app.state.backend = backend
    app.state.auth = auth
    app.state.audit = auth.audit
    app.state.metrics = metrics
    app.state.limits = Limits(per_caller=TokenBucket(settings.api.rate_limit_per_minute))
    profile_ids = ProfileIds.from_file(settings.profile_key_file)
    notices = AccessNotices(state.alerts, migrate=state.migrate)
    owned.append(notices.close)
    access_service = AccessService(
        state.access,
        backend,
        auth.policy,
        profile_ids,
        grant_for=timedelta(hours=settings.api.access_grant_hours),
        migrate=state.migrate,
        on_decided=notices.tell,
    )
    owned.append(access_service.close)
    app.state.access = access_service
    app.state.persons = PersonSearchService(
        backend,
        auth.policy,
        ids=profile_ids,
        model=load_model(settings.linkage_model_path),
        decisions=decisions,
        access=access_service,
        max_candidates=settings.api.max_candidates,
    )
    app.state.registers = Registers(OffenderIndex(backend), auth.policy)
    app.state.noc = NocService(
        backend,
        noc_store,
        lambda claims: auth.keys.sign(claims, typ="noc+jws"),
        issuer=settings.auth.issuer,
        # the sync state on this node says how fresh CCTNS and Vahan are and what waits in
        # quarantine; a node without one never issues CLEAR (sync_unknown)
        evidence=noc_evidence or SyncEvidence(state.sync),
        freshness=timedelta(seconds=settings.noc.freshness_window_s),
        validity=timedelta(days=settings.noc.validity_days),
        max_candidates=settings.api.max_candidates,
    )
    app.state.alerts = alert_store
    app.state.searches = searches
    app.state.broadcasts = crimac
    app.state.directory = directory
    app.state.vehicles = VehicleSearchService(
        backend,
        auth.policy,
        app.state.noc,
        app.state.persons.ids,
        vahan=vahan,
        max_candidates=settings.api.max_candidates,
        on_live_lookup=lambda answer: metrics.live_lookups.labels(answer.value).inc(),
        access=access_service,
    )
    app.state.sync_status = sync_status_fn
    graph = GraphStore(store_path(settings.data_dir))
    owned.append(graph.close)
    app.state.network = NetworkService(
        graph,
        auth.policy,
        app.state.persons,
        backend,
        stop_list=load_stop_list(settings.data_dir / "network-stoplist.txt"),
    )
    # the docket's network summary is the stored graph's, under the printing caller's access
    app.state.dockets = DocketService(
        app.state.persons,
        graph_summary(app.state.network, RelatedRecords(backend, auth.policy)),
    )

    errors.install(app)
    routers = [
        m.router
        for m in (
            health,
            persons,
            network,
            dockets,
            registers,
            vehicles,
            noc,
            alerts,
            broadcasts,
            access,
            sync_status,
            oauth,
            audit,
        )
    ]
    for router in routers:
        app.include_router(router)
    docs.install(app)

    per_address = TokenBucket(settings.api.rate_limit_per_minute * ADDRESS_LIMIT_FACTOR)
    # add_middleware puts each new one outside the previous ones.
    app.add_middleware(GuardMiddleware, metrics=metrics, per_address=per_address)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(
        RequestContextMiddleware,
        metrics=metrics,
        access_log=access_log,
        proxies=TrustedProxies(settings.api.trusted_proxies, settings.api.client_cert_header),
        security_headers=SecurityHeaders(hsts_max_age_s=settings.api.hsts_max_age_s),
    )
    app.openapi = openapi.build_document(app, auth.policy, routers)  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """uvicorn factory (`icjs serve --workers N`): settings from `icjs.toml` and `ICJS_…`.
    Each worker is a fresh process, so it applies icjs's collector settings itself."""
    from config import load_settings
    from config.runtime import tune_gc

    from . import logs

    tune_gc()
    logs.configure(json=os.environ.get("ICJS_LOG_JSON") == "1")
    return settling_collector(create_app(load_settings()))


def settling_collector(app: FastAPI, collector: QuietCollector | None = None) -> FastAPI:
    """A worker's app settles the collector after each response (`config.runtime`): added
    outermost, after the app is built and before it serves (never in `create_app`, so that
    tests and embedding processes keep their own collector)."""
    collector = collector or QuietCollector()
    collector.install()
    app.add_middleware(CollectorMiddleware, collector=collector)
    return app

"""The app factory: `create_app(settings, backend=…, …) -> FastAPI`.

Everything a request needs hangs off `app.state`, built here and nowhere else (no module-level
mutable state, so tests build as many apps as they like):

- `backend` (`indexer.open_backend(settings.search)` unless given),
- `auth` (`auth.service.AuthService`) and `audit` (its `AuditLog`),
- `persons` (`federation.PersonSearchService`, with the profile-id key, the linkage model and
  the supervisors' decisions), `noc` (`federation.NocService`), `vahan` (an optional live
  look-up), `sync_status` (an optional callable),
- `metrics`, `limits`.

Middleware, outermost first: request context (ids, access log, metrics) → audit (every request,
refused ones included) → guard (per-address limit, body size cap) → routes. Per-caller limits
run after authentication (`api.deps.guarded`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

import indexer
from api.audit_middleware import AuditMiddleware
from auth.service import AuthService
from config import Settings
from connectors import status as connector_status
from connectors.evidence import SyncEvidence
from federation import NocEvidence, NocService, NocStore, PersonSearchService, VahanLookup
from federation.decisions import DecisionStore
from federation.linkage import load_model
from federation.profile_ids import ProfileIds
from indexer.backends.base import Backend

from . import errors
from .deps import Limits
from .metrics import Metrics
from .middleware import GuardMiddleware, RequestContextMiddleware
from .ratelimit import TokenBucket
from .routes import audit, health, noc, oauth, persons, sync_status, vehicles
from .vahan_live import ConnectorVahanLookup

API_VERSION = "1.0.0"
# Unauthenticated or failing traffic from one address may use several callers' worth of budget
# (a station behind one NAT), but not unbounded.
ADDRESS_LIMIT_FACTOR = 5

DESCRIPTION = """\
One question — *who is this person, what is this vehicle?* — asked once across CCTNS, e-Prisons,
Vahan, Sarathi, ALIS, NCRP, IVFRT and KhoyaPaya, answered as ranked, explained profiles cut to
what the asker may see.

**Authentication**: `Authorization: Bearer <token>`, either an OAuth2 access token (partner
agencies, client credentials at `/oauth/token`) or an officer token from a trusted identity
provider. Each route names its scope. **Every request is audited**; person searches, profile
reads and decisions require a `purpose`. **Errors** are RFC 9457 `application/problem+json`.
**Limits**: per caller and per address, `429` with `Retry-After`.
"""


def _openapi(
    app: FastAPI, auth: AuthService, routers: list[APIRouter]
) -> Callable[[], dict[str, Any]]:
    """The OpenAPI document, with the bearer scheme and each route's scope from the policy."""

    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        doc.setdefault("components", {}).setdefault("securitySchemes", {})["bearer"] = {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "OAuth2 access token (RFC 9068) or officer token.",
        }
        # Included routers are wrapped in `app.routes`: read names and paths from the routers.
        named = [
            (route.name, route.path)
            for router in routers
            for route in router.routes
            if isinstance(route, APIRoute)
        ]
        for route_name, path in named:
            scope = auth.policy.required_scope(route_name)
            if scope.startswith("deny:"):
                continue
            for operation in doc.get("paths", {}).get(path, {}).values():
                if isinstance(operation, dict) and operation.get("operationId"):
                    operation["security"] = [{"bearer": [scope]}]
                    operation["description"] = (
                        operation.get("description", "") + f"\n\nRequired scope: `{scope}`."
                    ).strip()
        app.openapi_schema = doc
        return doc

    return build


def _sync_status(state_path: Path) -> Any:
    """The connectors' per-source status, or None when this node has no sync state."""
    if not state_path.exists():
        return None
    return connector_status.sync_status(state_path)


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
    if backend is None:
        backend = indexer.open_backend(settings.search)
        owned.append(backend.close)
    if auth is None:
        auth = AuthService.from_settings(settings.auth)
        owned.append(auth.close)
    noc_store = NocStore(settings.data_dir / "noc.db")
    owned.append(noc_store.close)
    decisions = DecisionStore(settings.decisions_path)
    owned.append(decisions.close)
    live: ConnectorVahanLookup | None = None
    vahan_settings = settings.sources.get("vahan")
    if vahan is None and vahan_settings and vahan_settings.enabled and vahan_settings.url:
        vahan = live = ConnectorVahanLookup.from_settings(vahan_settings)
    if sync_status_fn is None:
        state_path = settings.sync.state_path
        sync_status_fn = partial(_sync_status, state_path)

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
        openapi_tags=[
            {"name": "persons", "description": "Person search and profiles."},
            {"name": "vehicles", "description": "Vehicle search: registration, owners, theft."},
            {"name": "noc", "description": "Vehicle no-objection certificates."},
            {"name": "operations", "description": "Health, readiness, metrics, sync status."},
            {"name": "oauth2", "description": "Tokens for partner agencies; public keys."},
            {"name": "audit", "description": "The hash-chained audit log (auditors)."},
        ],
    )
    metrics = Metrics()
    app.state.settings = settings
    app.state.backend = backend
    app.state.auth = auth
    app.state.audit = auth.audit
    app.state.metrics = metrics
    app.state.limits = Limits(per_caller=TokenBucket(settings.api.rate_limit_per_minute))
    app.state.persons = PersonSearchService(
        backend,
        auth.policy,
        ids=ProfileIds.from_file(settings.profile_key_file),
        model=load_model(settings.linkage_model_path),
        decisions=decisions,
        max_candidates=settings.api.max_candidates,
    )
    app.state.noc = NocService(
        backend,
        noc_store,
        lambda claims: auth.keys.sign(claims, typ="noc+jws"),
        issuer=settings.auth.issuer,
        # the sync state on this node says how fresh CCTNS and Vahan are and what waits in
        # quarantine; a node without one never issues CLEAR (sync_unknown)
        evidence=noc_evidence or SyncEvidence(settings.sync.state_path),
        freshness=timedelta(seconds=settings.noc.freshness_window_s),
        validity=timedelta(days=settings.noc.validity_days),
        max_candidates=settings.api.max_candidates,
    )
    app.state.vahan = vahan
    app.state.sync_status = sync_status_fn

    errors.install(app)
    routers = [m.router for m in (health, persons, vehicles, noc, sync_status, oauth, audit)]
    for router in routers:
        app.include_router(router)

    per_address = TokenBucket(settings.api.rate_limit_per_minute * ADDRESS_LIMIT_FACTOR)
    # add_middleware puts each new one outside the previous ones.
    app.add_middleware(GuardMiddleware, metrics=metrics, per_address=per_address)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=metrics, access_log=access_log)
    app.openapi = _openapi(app, auth, routers)  # type: ignore[method-assign]
    return app


def app_from_environment() -> FastAPI:
    """uvicorn factory (`icjs serve --workers N`): settings from `icjs.toml` and `ICJS_…`.
    Each worker is a fresh process, so it applies icjs's collector settings itself."""
    from config import load_settings
    from config.runtime import tune_gc

    tune_gc()
    return create_app(load_settings())

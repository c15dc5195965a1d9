"""Liveness and readiness probes, and the Prometheus scrape."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from indexer.backends.base import Backend

from ..errors import Unavailable
from ..metrics import Metrics
from ..schemas import HealthOut, HealthStatus, problems

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    name="health.live",
    summary="Liveness: the process answers",
    description="Always `200` while the process serves; says nothing of the backend (`/readyz`).",
    response_model=HealthOut,
)
async def healthz() -> HealthOut:
    return HealthOut(status=HealthStatus.OK)


@router.get(
    "/readyz",
    name="health.ready",
    summary="Readiness: the search backend answers",
    description="`503` while the backend is unreachable or unhealthy; balancers take the node out.",
    response_model=HealthOut,
    responses=problems(503),
)
async def readyz(request: Request) -> HealthOut:
    backend: Backend = request.app.state.backend
    try:
        health = await run_in_threadpool(backend.health)
    except Exception as exc:  # a probe reports, it does not crash
        raise Unavailable(f"search backend health check failed: {type(exc).__name__}", 5) from None
    if not health.ok:
        raise Unavailable(f"search backend not ready: {health.detail}", 5)
    return HealthOut(status=HealthStatus.READY, detail=health.detail)


@router.get(
    "/metrics",
    name="metrics",
    summary="Prometheus metrics",
    description="Requests, latencies, candidates, rate limiting, NOCs and live look-ups, in the "
    "Prometheus text format.",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text format."}},
)
async def metrics(request: Request) -> Response:
    m: Metrics = request.app.state.metrics
    return Response(m.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")

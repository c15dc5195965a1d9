"""`GET /v1/sync/status`: per-source sync health for operators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from auth.principal import Caller

from ..deps import guarded
from ..schemas import problems
from ..schemas_vehicles import SyncSourceOut, SyncStatusOut

router = APIRouter(tags=["operations"])


def _rows(value: Any) -> list[dict[str, Any]]:
    """Accept what the connectors' `sync_status` returns: a list of rows or mapping by source,
    of dicts or dataclass-like objects."""
    if isinstance(value, dict):
        value = [{"source": k, **_row(v)} for k, v in value.items()]
    return [_row(v) for v in value or []]


def _row(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        return {k: _plain(getattr(value, k)) for k in value.__dataclass_fields__}
    if hasattr(value, "model_dump"):
        dumped: dict[str, Any] = value.model_dump(mode="json")
        return dumped
    return {"value": str(value)}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


@router.get(
    "/v1/sync/status",
    name="sync.status",
    summary="Sync status per source",
    description=(
        "Per source: last successful sync, lag, quarantined records. Reports "
        "`configured: false` when this node runs no sync. Scope `sync:read` (admin)."
    ),
    response_model=SyncStatusOut,
    responses=problems(401, 403, 429),
)
async def sync_status(
    request: Request, caller: Annotated[Caller, Depends(guarded("sync.status"))]
) -> SyncStatusOut:
    fn: Callable[[], Any] | None = request.app.state.sync_status
    if fn is None:
        return SyncStatusOut(configured=False, detail="no sync state on this node")
    rows = await run_in_threadpool(fn)
    if rows is None:
        return SyncStatusOut(configured=False, detail="no sync has run on this node")
    return SyncStatusOut(
        configured=True, sources=[SyncSourceOut.model_validate(r) for r in _rows(rows)]
    )

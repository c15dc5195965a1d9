"""Citizen portal page: the proclaimed-offenders list (`federation.proclaimed`)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from federation.proclaimed import ProclaimedList

from ..templating import render
from .access import throttled
from .noc import too_many

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 200


@router.get("/public/proclaimed")
async def proclaimed(request: Request) -> Response:
    if throttled(request):
        return too_many(request)
    listing: ProclaimedList = request.app.state.proclaimed
    entries = await run_in_threadpool(listing.entries)
    states = sorted({e.state for e in entries if e.state})
    chosen = request.query_params.get("state", "")
    shown = [e for e in entries if not chosen or e.state == chosen]
    return render(
        request,
        "public/proclaimed.html",
        {"entries": shown[:PAGE_SIZE], "total": len(shown), "states": states, "chosen": chosen},
    )

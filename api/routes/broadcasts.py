"""Cri-MAC: `POST /v1/broadcasts` (a supervisor's message to the police stations of chosen states
and districts) and `GET /v1/broadcasts/{broadcast_id}` (delivery and acknowledgement per station,
for its sender). Stations read it in their feed (`GET /v1/alerts`, kind `crimac`) and acknowledge
it there. The stations are the directory's (`alerts.directory`, configuration)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from alerts.broadcasts import Broadcast, Broadcasts
from alerts.directory import Directory
from api.security import audit_context
from auth.principal import Caller

from ..deps import guarded
from ..errors import NotFound
from ..schemas import problems
from ..schemas_alerts import BroadcastOut, BroadcastRequest, StationStatusOut

router = APIRouter(tags=["alerts"])


def _out(service: Broadcasts, broadcast: Broadcast) -> BroadcastOut:
    return BroadcastOut.model_validate(
        {
            "broadcast_id": broadcast.id,
            "created_at": broadcast.created_at,
            "category": broadcast.category,
            "message": broadcast.message,
            "stations": [
                StationStatusOut.model_validate(s.__dict__) for s in service.status(broadcast)
            ],
        }
    )


@router.post(
    "/v1/broadcasts",
    name="broadcasts.send",
    status_code=201,
    summary="Send a Cri-MAC broadcast to the police stations of states and districts",
    description=(
        "A heinous crime, a wanted person or a stolen vehicle, told to every police station "
        "of the chosen states (narrowed to districts when named) in the directory. Each "
        "station reads it in its feed and acknowledges it; read the delivery and "
        "acknowledgement per station at the `Location` given; `stations` empty: none of them "
        "is in the directory. Scope `broadcasts:send` (supervisors)."
    ),
    response_model=BroadcastOut,
    responses=problems(401, 403, 422, 429),
)
async def send_broadcast(
    body: BroadcastRequest,
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(guarded("broadcasts.send"))],
) -> BroadcastOut:
    audit_context(request, purpose=body.purpose, query=body.model_dump(exclude={"purpose"}))
    directory: Directory = request.app.state.directory
    # none in the directory: sent to nobody, and the answer's empty `stations` says so
    stations = directory.stations(body.states, body.districts)
    service: Broadcasts = request.app.state.broadcasts
    sent = await run_in_threadpool(
        lambda: service.send(
            sender=caller.subject,
            category=body.category.value,
            message=body.message,
            stations=stations,
            directory=directory,
            now=datetime.now(UTC),
        )
    )
    response.headers["Location"] = f"/v1/broadcasts/{sent.id}"
    return await run_in_threadpool(_out, service, sent)


@router.get(
    "/v1/broadcasts/{broadcast_id}",
    name="broadcasts.get",
    summary="Delivery and acknowledgement of your broadcast, per station",
    description="Only its sender reads it: another's broadcast is `404`. Scope `broadcasts:send`.",
    response_model=BroadcastOut,
    responses=problems(401, 403, 404, 422, 429),
)
async def get_broadcast(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("broadcasts.get"))],
    broadcast_id: Annotated[int, Path(ge=1, le=2**62)],
) -> BroadcastOut:
    service: Broadcasts = request.app.state.broadcasts
    found = await run_in_threadpool(service.get, broadcast_id)
    if found is None or found.sender != caller.subject:
        raise NotFound("no broadcast of yours has this id")
    return await run_in_threadpool(_out, service, found)

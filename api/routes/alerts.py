"""`GET /v1/alerts` (a desk's feed) and `POST /v1/alerts/{alert_id}/acknowledge`.

The feed is the caller's police station's and district desk's alerts, newest last, paged by id
(`after`). What each alert shows is decided now, under the caller's policy (`alerts.content`),
not when the match was made. Reading the feed states a purpose and is audited like a search.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from starlette.concurrency import run_in_threadpool

from alerts import AlertStore, FeedItem
from alerts.content import cut
from api.security import audit_context
from auth.policy import Policy
from auth.principal import Caller

from ..deps import guarded
from ..errors import NotFound, request_id_of
from ..schemas import Purpose, problems
from ..schemas_alerts import AcknowledgeOut, AcknowledgeRequest, AlertFeed, AlertOut

router = APIRouter(tags=["alerts"])
MAX_PAGE = 100


def desks(caller: Caller) -> list[str]:
    """The recipients whose alerts a caller reads: their police station and district desk."""
    out: list[str] = []
    if caller.state and caller.police_station:
        out.append(f"station:{caller.state}/{caller.police_station}")
    if caller.state and caller.district:
        out.append(f"district:{caller.state}/{' '.join(caller.district.split()).upper()}")
    return out


def _store(request: Request) -> AlertStore:
    store: AlertStore = request.app.state.alerts
    return store


def _out(item: FeedItem, policy: Policy, caller: Caller) -> AlertOut:
    payload = item.payload
    common = {
        "id": item.id,
        "created_at": item.created_at,
        "recipient": item.recipient,
        "kind": item.kind,
        "acknowledged_at": item.acknowledged_at,
        "acknowledged_by": item.acknowledged_by,
    }
    if "own" not in payload:  # not a match: a NOC revocation, kind-specific facts only
        return AlertOut.model_validate({**common, "detail": payload})
    shown = cut(payload, policy.visibility(caller), caller.state)
    return AlertOut.model_validate({**common, **{k: v for k, v in shown.items() if k != "kind"}})


@router.get(
    "/v1/alerts",
    name="alerts.list",
    summary="Your desk's alerts: matches found without being asked",
    description=(
        "Alerts sent to your police station and district desk: a missing person matched to a "
        "found person or unidentified body, a missing child to a found or sighted child, a "
        "stolen vehicle's chassis or engine number in a Vahan registration, a recovered "
        "vehicle, a revoked NOC. Each shows what you may see now: a record you may not see is "
        "`restricted`, with whom to call. Page with `after` (the last id you saw). States a "
        "purpose and is audited. Scope `alerts:read`."
    ),
    response_model=AlertFeed,
    responses=problems(401, 403, 422, 429),
)
async def list_alerts(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("alerts.list"))],
    purpose: Annotated[Purpose, Query(description="Why you read the feed (audited).")],
    after: Annotated[int, Query(ge=0, le=2**62, description="Only alerts after this id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
    unacknowledged: Annotated[bool, Query(description="Only alerts not yet acknowledged.")] = False,
) -> AlertFeed:
    audit_context(
        request,
        purpose=purpose,
        query={"after": after, "limit": limit, "unacknowledged": unacknowledged},
    )
    recipients = desks(caller)
    items = (
        await run_in_threadpool(
            _store(request).feed,
            recipients,
            after=after,
            limit=limit,
            unacknowledged=unacknowledged,
        )
        if recipients
        else []
    )
    policy: Policy = request.app.state.auth.policy
    alerts = [_out(i, policy, caller) for i in items]
    ids = [
        str(side.record_id)
        for a in alerts
        for side in (a.own, a.match)
        if side is not None and side.record_id
    ]
    audit_context(request, record_ids=ids)
    return AlertFeed(
        request_id=request_id_of(request),
        alerts=alerts,
        next_after=items[-1].id if len(items) == limit else None,
        recipients=recipients,
    )


@router.post(
    "/v1/alerts/{alert_id}/acknowledge",
    name="alerts.acknowledge",
    summary="Acknowledge an alert of your desk",
    description=(
        "Marks the alert acknowledged by you (the first acknowledgement stands; repeating it "
        "answers the same). An alert not sent to your desk is `404`. Scope `alerts:acknowledge`."
    ),
    response_model=AcknowledgeOut,
    responses=problems(401, 403, 404, 422, 429),
)
async def acknowledge_alert(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("alerts.acknowledge"))],
    alert_id: Annotated[int, Path(ge=1, le=2**62)],
    body: AcknowledgeRequest | None = None,
) -> AcknowledgeOut:
    audit_context(request, query={"alert_id": alert_id})
    store = _store(request)
    item = await run_in_threadpool(store.get, alert_id)
    if item is None or item.recipient not in desks(caller):
        raise NotFound("no alert with this id was sent to your desk")
    done = await run_in_threadpool(
        lambda: store.acknowledge(alert_id, caller.subject, now=datetime.now(UTC))
    )
    assert done is not None and done.acknowledged_at and done.acknowledged_by
    return AcknowledgeOut(
        id=done.id, acknowledged_at=done.acknowledged_at, acknowledged_by=done.acknowledged_by
    )

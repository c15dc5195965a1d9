"""`GET /v1/alerts` (a desk's feed) and `POST /v1/alerts/{alert_id}/acknowledge`.

The feed is the caller's police station's and district desk's alerts, newest last, paged by id
(`after`). What each alert shows is decided now, under the caller's policy (`alerts.content`),
not when the match was made. Reading the feed states a purpose and is audited like a search.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from alerts import AlertStore, FeedItem
from alerts.content import cut
from alerts.searches import (
    WATCH,
    WATCHED_IDS,
    Remembered,
    SearchMemory,
    access_of,
    person_keys,
    vehicle_keys,
)
from api.security import audit_context
from auth.policy import Policy
from auth.principal import Caller
from federation import PersonSearchService, VehicleSearch, normalise_vehicle

from ..deps import guarded
from ..errors import BadRequest, NotFound, request_id_of
from ..schemas import Purpose, problems
from ..schemas_alerts import (
    AcknowledgeOut,
    AcknowledgeRequest,
    AlertFeed,
    AlertOut,
    WatchOut,
    WatchRemoved,
    WatchRequest,
)

router = APIRouter(tags=["alerts"])
MAX_PAGE = 100
WATCHED = frozenset(t.value for t in WATCHED_IDS)


def desks(caller: Caller) -> list[str]:
    """The recipients whose alerts a caller reads: their own (retro-hits, watches), their police
    station's and their district desk's, and, for a NOC service, the revocations of the
    certificates it was issued (`noc:<holder>`, as `alerts.step` addresses them)."""
    out: list[str] = [f"officer:{caller.subject}"]
    if "noc:issue" in caller.scopes:
        out.append(f"noc:{caller.client_id or caller.subject}")
    if caller.state and caller.police_station:
        out.append(f"station:{caller.state}/{caller.police_station}")
    if caller.state and caller.district:
        out.append(f"district:{caller.state}/{' '.join(caller.district.split()).upper()}")
    return out


def _store(request: Request) -> AlertStore:
    store: AlertStore = request.app.state.alerts
    return store


def alert_view(item: FeedItem, policy: Policy, caller: Caller) -> AlertOut:
    """An alert as `caller` may see it now (`alerts.content`): the feed's and the stream's."""
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
    alerts = [alert_view(i, policy, caller) for i in items]
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


STREAM_MAX_WAIT_S = 5  # a stream ends after this; EventSource reconnects (`retry`) at once
STREAM_POLL_S = 0.5


def _event(alert: AlertOut) -> str:
    return f"id: {alert.id}\nevent: alert\ndata: {alert.model_dump_json()}\n\n"


@router.get(
    "/v1/alerts/stream",
    name="alerts.stream",
    summary="Your desk's alerts as server-sent events",
    description=(
        "The feed as `text/event-stream` (an `EventSource` in a browser): each alert after "
        "`after` (or the `Last-Event-ID` header) is one `alert` event whose `id` is the alert's "
        "and whose `data` is the alert as `GET /v1/alerts` shows it. The stream stays open up to "
        "`wait` seconds for new alerts, then ends with a `retry` hint; the client reconnects "
        "from the last id. States a purpose and is audited. Scope `alerts:read`."
    ),
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
            "description": "Server-sent events: `retry`, then one `alert` event per alert.",
        },
        **problems(401, 403, 422, 429),
    },
)
async def stream_alerts(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("alerts.stream"))],
    purpose: Annotated[Purpose, Query(description="Why you read the feed (audited).")],
    after: Annotated[int, Query(ge=0, le=2**62, description="Only alerts after this id.")] = 0,
    wait: Annotated[
        int, Query(ge=0, le=STREAM_MAX_WAIT_S, description="Seconds to wait for new alerts.")
    ] = 0,
) -> StreamingResponse:
    audit_context(request, purpose=purpose, query={"after": after, "wait": wait})
    last = request.headers.get("last-event-id", "")
    cursor = max(after, int(last)) if last.isdigit() and len(last) < 19 else after
    recipients = desks(caller)
    store = _store(request)
    policy: Policy = request.app.state.auth.policy
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait

    async def events() -> AsyncIterator[str]:
        nonlocal cursor
        yield f"retry: {STREAM_POLL_S * 2000:.0f}\n\n"
        while True:
            items = await run_in_threadpool(store.feed, recipients, after=cursor, limit=MAX_PAGE)
            for item in items:
                cursor = item.id
                yield _event(alert_view(item, policy, caller))
            if loop.time() >= deadline or await request.is_disconnected():
                return
            await asyncio.sleep(STREAM_POLL_S)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
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


@router.post(
    "/v1/watches",
    name="alerts.watch",
    status_code=201,
    summary="Watch a plate, a chassis number or a person's profile",
    description=(
        "Any new record that carries the plate or chassis number, or one of the profile's "
        "identifiers (DL, passport, phone, FIR, registration), alerts you in your feed "
        "(`GET /v1/alerts`, kind `watch_hit`), shown as you may see it then. A profile you may "
        "not see is `404`. States a purpose and is audited. Scope `alerts:read`."
    ),
    response_model=WatchOut,
    responses=problems(401, 403, 404, 422, 429),
)
async def watch(
    body: WatchRequest,
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(guarded("alerts.watch"))],
) -> WatchOut:
    audit_context(request, purpose=body.purpose, query=body.model_dump(exclude={"purpose"}))
    keys: set[str] = set()
    known: list[str] = []
    if body.registration_no or body.chassis_no:
        try:
            terms = normalise_vehicle(
                VehicleSearch(registration_no=body.registration_no, chassis_no=body.chassis_no)
            )
        except ValueError as exc:
            raise BadRequest(str(exc)) from None
        keys |= vehicle_keys(terms.registration, terms.chassis)
    if body.profile_id:
        persons: PersonSearchService = request.app.state.persons
        read = await run_in_threadpool(persons.profile, caller, body.profile_id)
        if read is None:
            raise NotFound("no profile with this id is visible to you")
        view = read.profile
        for ident in view.identifiers:
            if not ident.get("partial") and ident.get("type") in WATCHED:
                keys.add(f"id:{ident['type']}:{ident['value']}")
        known = [r.record_id for r in view.records]
        names = sorted(set(view.names))[:10]
        for name in names:  # a profile without strong identifiers is followed by its names
            keys |= person_keys({"name": name})
        audit_context(request, record_ids=known)
    else:
        names = []
    if not keys:
        raise BadRequest("nothing here can be watched: no identifier and no name")
    memory: SearchMemory = request.app.state.searches
    watch_id = await run_in_threadpool(
        lambda: memory.remember(
            kind=WATCH,
            subject=caller.subject,
            query={"keys": sorted(keys), "names": names, "purpose": body.purpose},
            keys=keys,
            results=known,
            now=datetime.now(UTC),
            window=None,
            access=access_of(caller),
        )
    )
    assert watch_id is not None
    response.headers["Location"] = f"/v1/watches/{watch_id}"
    return WatchOut(watch_id=watch_id, keys=len(keys), watching=known)


def _own_watch(request: Request, caller: Caller, watch_id: int) -> Remembered:
    memory: SearchMemory = request.app.state.searches
    found = memory.get(watch_id)
    if found is None or found.kind != WATCH or found.subject != caller.subject:
        raise NotFound("no watch of yours has this id")
    return found


@router.get(
    "/v1/watches/{watch_id}",
    name="alerts.watch_get",
    summary="One of your watches",
    description="What a watch of yours follows. Another's watch is `404`. Scope `alerts:read`.",
    response_model=WatchOut,
    responses=problems(401, 403, 404, 422, 429),
)
async def get_watch(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("alerts.watch_get"))],
    watch_id: Annotated[int, Path(ge=1, le=2**62)],
) -> WatchOut:
    found = await run_in_threadpool(_own_watch, request, caller, watch_id)
    return WatchOut(
        watch_id=found.id, keys=len(found.query.get("keys") or ()), watching=sorted(found.results)
    )


@router.delete(
    "/v1/watches/{watch_id}",
    name="alerts.unwatch",
    summary="Stop a watch of yours",
    description="Removes the watch; alerts already sent stay. Scope `alerts:read`.",
    response_model=WatchRemoved,
    responses=problems(401, 403, 404, 422, 429),
)
async def unwatch(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("alerts.unwatch"))],
    watch_id: Annotated[int, Path(ge=1, le=2**62)],
) -> WatchRemoved:
    await run_in_threadpool(_own_watch, request, caller, watch_id)
    memory: SearchMemory = request.app.state.searches
    removed = await run_in_threadpool(memory.remove, watch_id)
    return WatchRemoved(watch_id=watch_id, removed=removed)

"""Hit-flag access: `POST /v1/access/requests` (file a request for the records behind a
hit-flag), `GET /v1/access/requests` (your own), `GET /v1/access/requests/{request_id}`,
`GET /v1/access/pending` (supervisors: what their agency must decide) and
`POST /v1/access/requests/{request_id}/decision` (approve or refuse, with a reason)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.security import audit_context
from auth.errors import Forbidden
from auth.principal import Caller
from federation.access import AccessError, AccessRequest, AccessService, NotYours, Status

from ..deps import guarded
from ..errors import Conflict, NotFound
from ..schemas import Purpose, problems
from ..schemas_access import (
    AccessDecision,
    AccessDecisionIn,
    AccessRequestIn,
    AccessRequestList,
    AccessRequestOut,
    AccessStatus,
)

router = APIRouter(tags=["access"])
MAX_PAGE = 100
RequestId = Annotated[
    str,
    Path(min_length=4, max_length=64, pattern=r"^ar_[A-Za-z0-9_\-]+$", description="`ar_…`"),
]


def _service(request: Request) -> AccessService:
    service: AccessService = request.app.state.access
    return service


def _out(service: AccessService, item: AccessRequest, caller: Caller) -> AccessRequestOut:
    mine = item.requester == service.requester(caller)
    return AccessRequestOut(
        request_id=item.request_id,
        created_at=item.created_at,
        requester=item.requester,
        requester_agency=item.requester_agency,
        source=item.source,
        owner=item.owner,
        police_station=item.police_station,
        reason=item.reason,
        case_reference=item.case_reference,
        status=AccessStatus(item.status.value),
        decided_by=item.decided_by,
        decided_at=item.decided_at,
        decision_reason=item.decision_reason,
        expires_at=item.expires_at,
        profile_id=service.profile_id(item) if mine and item.status is Status.APPROVED else None,
    )


@router.post(
    "/v1/access/requests",
    name="access.request",
    status_code=201,
    summary="Ask for the full records behind a hit-flag",
    description=(
        "A hit-flag (in a person or vehicle search, or on a profile) says only that records "
        "exist, where, and whom to ask. Name its `handle` with a reason and a case reference: "
        "a supervisor of the owning agency (the records' state police; for records that name "
        "no state, the source's national owner) approves or refuses. "
        "Approved, the records are yours (and only yours) for a limited time "
        "(`expires_at`): they appear in your searches and open with the request's "
        "`profile_id`; after that, they are hit-flags again. Audited. Scope `access:request`."
    ),
    response_model=AccessRequestOut,
    responses=problems(401, 403, 409, 422, 429),
)
async def file_request(
    body: AccessRequestIn,
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(guarded("access.request"))],
) -> AccessRequestOut:
    audit_context(
        request,
        purpose=body.case_reference,
        query={"handle": body.handle[:64], "reason": body.reason},
    )
    service = _service(request)
    try:
        made = await run_in_threadpool(
            partial(
                service.request,
                caller,
                body.handle,
                reason=body.reason,
                case_reference=body.case_reference,
            )
        )
    except AccessError as exc:
        raise Conflict(str(exc)) from None
    audit_context(request, record_ids=made.record_ids)
    response.headers["Location"] = f"/v1/access/requests/{made.request_id}"
    return _out(service, made, caller)


@router.get(
    "/v1/access/requests",
    name="access.mine",
    summary="Your access requests and their status",
    description="Newest first: pending, approved (until `expires_at`), refused or expired. "
    "Scope `access:request`.",
    response_model=AccessRequestList,
    responses=problems(401, 403, 422, 429),
)
async def my_requests(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("access.mine"))],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> AccessRequestList:
    service = _service(request)
    items = await run_in_threadpool(partial(service.mine, caller, limit))
    return AccessRequestList(requests=[_out(service, i, caller) for i in items])


@router.get(
    "/v1/access/requests/{request_id}",
    name="access.get",
    summary="One access request: to its requester and the supervisors who may decide it",
    description="Anyone else gets `404`. Scope `access:request`.",
    response_model=AccessRequestOut,
    responses=problems(401, 403, 404, 422, 429),
)
async def get_request(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("access.get"))],
    request_id: RequestId,
) -> AccessRequestOut:
    service = _service(request)
    item = await run_in_threadpool(service.get, caller, request_id)
    if item is None:
        raise NotFound("no access request with this id is visible to you")
    return _out(service, item, caller)


@router.get(
    "/v1/access/pending",
    name="access.pending",
    summary="Access requests waiting for your agency's decision (supervisors)",
    description=(
        "Requests for records your state police owns, oldest first, never your own: who asks, "
        "why, for which case, and where the records are. Reading them is audited with the "
        "`purpose` you state. Scope `access:decide`."
    ),
    response_model=AccessRequestList,
    responses=problems(401, 403, 422, 429),
)
async def pending(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("access.pending"))],
    purpose: Annotated[Purpose, Query(description="Why you read them (audited).")],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> AccessRequestList:
    audit_context(request, purpose=purpose, query={"limit": limit})
    service = _service(request)
    items = await run_in_threadpool(partial(service.pending, caller, limit))
    return AccessRequestList(requests=[_out(service, i, caller) for i in items])


@router.post(
    "/v1/access/requests/{request_id}/decision",
    name="access.decide",
    summary="Approve or refuse an access request (a supervisor of the owning agency)",
    description=(
        "Only a supervisor of the agency owning the records decides, never the requester "
        "himself. Approved: a grant for the requester only, for those records only, ending "
        "after the configured time (`api.access_grant_hours`). The requester is told on his "
        "feed. Decided once (`409` after). Audited. Scope `access:decide`."
    ),
    response_model=AccessRequestOut,
    responses=problems(401, 403, 404, 409, 422, 429),
)
async def decide(
    body: AccessDecisionIn,
    request: Request,
    caller: Annotated[Caller, Depends(guarded("access.decide"))],
    request_id: RequestId,
) -> AccessRequestOut:
    audit_context(
        request,
        purpose=body.reason,
        query={"request_id": request_id, "decision": body.decision.value},
    )
    service = _service(request)
    try:
        item = await run_in_threadpool(
            partial(
                service.decide,
                caller,
                request_id,
                approve=body.decision is AccessDecision.APPROVE,
                reason=body.reason,
            )
        )
    except NotYours as exc:
        request.state.auth_denied = str(exc)
        raise Forbidden(str(exc)) from None
    except AccessError as exc:
        raise Conflict(str(exc)) from None
    if item is None:
        raise NotFound("no access request with this id is visible to you")
    audit_context(request, record_ids=item.record_ids)
    return _out(service, item, caller)

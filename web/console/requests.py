"""Console: hit-flag access requests. Everyone with `access:request` sees his own requests and
their status; a supervisor (`access:decide`) also sees the requests his agency must decide, and
approves or refuses each with a reason. The purpose is asked first, as for the alerts: a request
names who asks, for which case, and where the records are."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.routes import access as api_access
from api.schemas_access import AccessDecisionIn, AccessRequestIn
from api.security import audit_context

from .access import keep_alive, may, officer
from .pages import checked_form, field_errors, outcome, page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
TEMPLATE = "console/requests.html"


def _purpose(value: str | None) -> str:
    return (value or "").strip()[:200]


@router.get("/console/access")
async def requests(request: Request) -> Response:
    who = officer(request, "access.mine")
    if isinstance(who, Response):
        return who
    purpose = _purpose(request.query_params.get("purpose"))
    if not purpose:  # purpose first: nothing personal is read before it is stated
        return page(request, who, "console/purpose.html", {"action": "/console/access"})
    audit_context(request, purpose=purpose)
    mine, errors = await outcome(lambda: api_access.my_requests(request, who.caller, PAGE_SIZE))
    pending = None
    if may(request, who, "access.pending"):
        pending, more = await outcome(
            lambda: api_access.pending(request, who.caller, purpose, PAGE_SIZE)
        )
        errors += more
    return page(
        request,
        who,
        TEMPLATE,
        {"mine": mine, "pending": pending, "errors": errors, "purpose": purpose},
        status=200 if not errors else 422,
    )


@router.post("/console/access/requests")
async def file(request: Request) -> Response:
    """A request for the records behind a hit-flag the officer was shown (search results or a
    profile): its handle, a reason, the case. Then his requests, with this one pending."""
    who = officer(request, "access.request")
    if isinstance(who, Response):
        return who
    empty = {"mine": None, "pending": None, "purpose": ""}
    fields = await checked_form(request, who, TEMPLATE, empty)
    if isinstance(fields, Response):
        return fields
    case = _purpose(fields.get("case_reference"))
    try:
        body = AccessRequestIn(
            handle=fields.get("handle", ""),
            reason=fields.get("reason", "").strip(),
            case_reference=case,
        )
    except ValidationError as exc:
        errors = field_errors(exc)
    else:
        _answer, errors = await outcome(
            lambda: api_access.file_request(body, request, Response(), who.caller)
        )
    if errors:
        return page(request, who, TEMPLATE, {**empty, "errors": errors, "purpose": case}, 422)
    back = "/console/access?" + urlencode({"purpose": case})
    return keep_alive(request, RedirectResponse(back, status_code=303), who)


@router.post("/console/access/{request_id}/decision")
async def decide(request: Request, request_id: str) -> Response:
    who = officer(request, "access.decide")
    if isinstance(who, Response):
        return who
    empty = {"mine": None, "pending": None, "purpose": ""}
    fields = await checked_form(request, who, TEMPLATE, empty)
    if isinstance(fields, Response):
        return fields
    purpose = _purpose(fields.get("purpose"))
    try:
        body = AccessDecisionIn(
            decision=fields.get("decision", ""),  # type: ignore[arg-type]
            reason=fields.get("reason", "").strip(),
        )
    except ValidationError as exc:
        errors = field_errors(exc)
    else:
        _answer, errors = await outcome(
            lambda: api_access.decide(body, request, who.caller, request_id)
        )
    if errors:
        return page(request, who, TEMPLATE, {**empty, "errors": errors, "purpose": purpose}, 409)
    # after the POST, the list again (a reload does not decide twice)
    back = "/console/access" + (f"?{urlencode({'purpose': purpose})}" if purpose else "")
    return keep_alive(request, RedirectResponse(back, status_code=303), who)

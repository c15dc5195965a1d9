"""Console: person search with the reasons for each result, and the profile page. Hit-flags
(records the officer is told only exist) are listed under the results and on the profile, each
with the request-access action (`/console/access/requests`)."""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.errors import HitFlagged
from api.routes import dockets as api_dockets
from api.routes import persons as api_persons
from api.schemas import PersonSearchRequest
from api.security import audit_context
from auth.errors import ProblemError

from .access import keep_alive, may, officer
from .pages import checked_form, filled, outcome, page

router = APIRouter(include_in_schema=False)
PROFILE_ID = re.compile(api_persons.PROFILE_ID)
SEARCH_FIELDS = ("name", "father_name", "birth_year", "state", "purpose")


# the console's pages in the order a role lands on them after sign-in
LANDINGS = (
    ("persons.search", "/console/search"),
    ("audit.list", "/console/audit"),
    ("noc.get", "/console/noc"),
)


@router.get("/console")
async def home(request: Request) -> Response:
    who = officer(request, None)
    if isinstance(who, Response):
        return who
    for route, target in LANDINGS:
        if may(request, who, route):
            return RedirectResponse(target, status_code=303)
    return RedirectResponse("/public", status_code=303)


@router.get("/console/search")
async def search_form(request: Request) -> Response:
    who = officer(request, "persons.search")
    if isinstance(who, Response):
        return who
    return page(request, who, "console/search.html", {"form": {}, "answer": None, "errors": []})


@router.post("/console/search")
async def search(request: Request) -> Response:
    who = officer(request, "persons.search")
    if isinstance(who, Response):
        return who
    fields = await checked_form(request, who, "console/search.html", {"form": {}, "answer": None})
    if isinstance(fields, Response):
        return fields
    values = filled(fields, SEARCH_FIELDS)
    answer, errors = await outcome(
        lambda: api_persons.search_persons(
            PersonSearchRequest.model_validate(values), request, who.caller
        )
    )
    template = (
        "console/_results.html" if request.headers.get("hx-request") else "console/search.html"
    )
    return page(
        request,
        who,
        template,
        {
            "form": values,
            "answer": answer,
            "errors": errors,
            "may_request": may(request, who, "access.request"),
        },
        status=200 if not errors else 422,
    )


@router.get("/console/profiles/{profile_id}")
async def profile(request: Request, profile_id: str) -> Response:
    who = officer(request, "persons.get")
    if isinstance(who, Response):
        return who
    if not PROFILE_ID.match(profile_id):
        return page(
            request,
            who,
            "console/profile.html",
            {"profile": None, "errors": ["not a profile id"], "purpose": ""},
            status=404,
        )
    purpose = request.query_params.get("purpose", "").strip()[:200]
    if not purpose:  # purpose first: nothing personal is read before it is stated
        return page(
            request, who, "console/purpose.html", {"action": f"/console/profiles/{profile_id}"}
        )
    audit_context(request, purpose=purpose)
    may_request = may(request, who, "access.request")
    try:
        answer, errors = await outcome(
            lambda: api_persons.get_profile(request, who.caller, profile_id, purpose)
        )
    except HitFlagged as flagged:  # records that exist, where, whom to ask: and the action
        context: dict[str, object] = {
            "profile": None,
            "errors": [],
            "purpose": purpose,
            "may_request": may_request,
        }
        return page(
            request,
            who,
            "console/profile.html",
            {**context, "hits_only": flagged.extra["hits"]},
            status=403,
        )
    return page(
        request,
        who,
        "console/profile.html",
        {
            "profile": answer,
            "errors": errors,
            "purpose": purpose,
            "may_network": may(request, who, "network.profile"),
            "profile_id": profile_id,
            "may_print": may(request, who, "dockets.get"),
            "may_request": may_request,
        },
        status=200 if not errors else 404,
    )


@router.get("/console/profiles/{profile_id}/docket")
async def docket(request: Request, profile_id: str) -> Response:
    """The profile's mini-docket (PDF), for the purpose the profile page was opened with."""
    who = officer(request, "dockets.get")
    if isinstance(who, Response):
        return who
    purpose = request.query_params.get("purpose", "").strip()[:200]
    if not PROFILE_ID.match(profile_id) or not purpose:
        return page(
            request,
            who,
            "console/profile.html",
            {"profile": None, "errors": ["open the profile, with a purpose, first"]},
            status=404 if purpose else 422,
        )
    audit_context(request, purpose=purpose)
    try:
        printed = await api_dockets.get_docket(request, who.caller, profile_id, purpose)
    except ProblemError as exc:
        return page(
            request,
            who,
            "console/profile.html",
            {"profile": None, "errors": [exc.detail], "purpose": purpose},
            status=exc.status,
        )
    return keep_alive(request, printed, who)

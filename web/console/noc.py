"""Console: issue a vehicle NOC and verify one."""

from __future__ import annotations

import re

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from api.routes import noc as api_noc
from api.schemas_vehicles import NocRequest

from .access import may, officer
from .pages import checked_form, filled, outcome, page

router = APIRouter(include_in_schema=False)
FIELDS = ("registration_no", "chassis_no", "engine_no", "purpose")


@router.get("/console/noc")
async def form(request: Request) -> Response:
    noc_id = request.query_params.get("noc_id", "").strip()
    who = officer(request, "noc.get")
    if isinstance(who, Response):
        return who
    checked: object = None
    errors: list[str] = []
    if noc_id and not re.match(api_noc.NOC_ID, noc_id):
        errors = ["a certificate number looks like noc_ followed by 32 characters 0-9 and a-f"]
    elif noc_id:
        checked, errors = await outcome(lambda: api_noc.get_noc(request, who.caller, noc_id))
    return page(
        request,
        who,
        "console/noc.html",
        {
            "form": {},
            "issued": None,
            "checked": checked,
            "errors": errors,
            "noc_id": noc_id,
            "can_issue": may(request, who, "noc.issue"),
        },
    )


@router.post("/console/noc")
async def issue(request: Request) -> Response:
    who = officer(request, "noc.issue")
    if isinstance(who, Response):
        return who
    fields = await checked_form(
        request,
        who,
        "console/noc.html",
        {"issued": None, "checked": None, "can_issue": True},
        echo_form=True,
    )
    if isinstance(fields, Response):
        return fields
    values = filled(fields, FIELDS)
    issued, errors = await outcome(
        lambda: api_noc.issue_noc(
            NocRequest.model_validate(values), request, Response(), who.caller
        )
    )
    return page(
        request,
        who,
        "console/noc.html",
        {"form": values, "issued": issued, "checked": None, "errors": errors, "can_issue": True},
        status=200 if not errors else 422,
    )

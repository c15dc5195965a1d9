"""Console: vehicle search (registration, owners, theft reports, blacklist, NOCs)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from api.routes import vehicles as api_vehicles
from api.schemas_vehicles import VehicleSearchRequest

from .access import officer
from .pages import checked_form, filled, outcome, page

router = APIRouter(include_in_schema=False)
FIELDS = ("registration_no", "chassis_no", "engine_no", "purpose")


@router.get("/console/vehicles")
async def form(request: Request) -> Response:
    who = officer(request, "vehicles.search")
    if isinstance(who, Response):
        return who
    return page(request, who, "console/vehicles.html", {"form": {}, "answer": None, "errors": []})


@router.post("/console/vehicles")
async def search(request: Request) -> Response:
    who = officer(request, "vehicles.search")
    if isinstance(who, Response):
        return who
    fields = await checked_form(request, who, "console/vehicles.html", {"form": {}, "answer": None})
    if isinstance(fields, Response):
        return fields
    values = filled(fields, FIELDS)
    answer, errors = await outcome(
        lambda: api_vehicles.search_vehicles(
            VehicleSearchRequest.model_validate(values), request, who.caller
        )
    )
    return page(
        request,
        who,
        "console/vehicles.html",
        {"form": values, "answer": answer, "errors": errors},
        status=200 if not errors else 422,
    )

"""Citizen portal: the vehicle NOC (plate + last five characters of the chassis), its PDF, and
the verification page anyone holding a certificate can open.

The chassis characters are the citizen's proof of holding the vehicle: when they differ from
what Vahan holds for the plate, the portal shows no decision and no certificate (the NOC service
still records and audits the request), only that the chassis does not match."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from api.routes import noc as api_noc
from api.schemas_vehicles import NocRequest

from ..console.pages import form_fields, outcome
from ..templating import render
from .access import PORTAL, throttled
from .certificate import noc_pdf

router = APIRouter(include_in_schema=False)
CHASSIS_TAIL = re.compile(r"^[A-Za-z0-9]{5}$")
NOC_ID = re.compile(r"^noc_[0-9a-f]{32}$")
CITIZEN_PURPOSE = "citizen NOC request (public portal)"


def too_many(request: Request) -> Response:
    return render(
        request,
        "message.html",
        {"title_key": "public.throttled", "detail": "public.throttled_detail"},
        status=429,
    )


@router.get("/public")
async def index(request: Request) -> Response:
    return render(request, "public/index.html", {})


@router.get("/public/noc")
async def noc_form(request: Request) -> Response:
    return render(request, "public/noc.html", {"form": {}, "issued": None, "errors": []})


@router.post("/public/noc")
async def noc_request(request: Request) -> Response:
    if throttled(request):
        return too_many(request)
    fields = await form_fields(request)
    plate = fields.get("registration_no", "").strip()
    tail = fields.get("chassis_tail", "").strip()
    if not CHASSIS_TAIL.match(tail):
        return render(
            request,
            "public/noc.html",
            {"form": fields, "issued": None, "errors": ["public.chassis_tail_format"]},
            status=422,
        )
    issued, errors = await outcome(
        lambda: api_noc.issue_noc(
            NocRequest.model_validate(
                {
                    "registration_no": plate,
                    "chassis_no": tail,
                    "purpose": CITIZEN_PURPOSE,
                    "audience": "citizen",
                }
            ),
            request,
            Response(),
            PORTAL,
        )
    )
    if issued and any(r["code"] == "chassis_mismatch" for r in issued["reasons"]):
        # the chassis is the citizen's proof of holding the vehicle: without it, no status
        issued, errors = None, ["public.chassis_mismatch"]
    return render(
        request,
        "public/noc.html",
        {"form": fields, "issued": issued, "errors": errors},
        status=201 if issued else 422,
    )


async def _checked(request: Request, noc_id: str) -> tuple[Any, list[str]]:
    if not NOC_ID.match(noc_id):
        return None, ["public.noc_id_format"]
    return await outcome(lambda: api_noc.get_noc(request, PORTAL, noc_id))


@router.get("/public/verify")
async def verify(request: Request) -> Response:
    noc_id = request.query_params.get("noc_id", "").strip()
    if not noc_id:
        return render(request, "public/verify.html", {"noc_id": "", "checked": None, "errors": []})
    if throttled(request):
        return too_many(request)
    checked, errors = await _checked(request, noc_id)
    return render(
        request,
        "public/verify.html",
        {"noc_id": noc_id, "checked": checked, "errors": errors},
        status=200 if checked else 404,
    )


@router.get("/public/noc/{noc_id}.pdf")
async def certificate(request: Request, noc_id: str) -> Response:
    if throttled(request):
        return too_many(request)
    checked, _ = await _checked(request, noc_id)
    if checked is None:
        return render(
            request,
            "message.html",
            {"title_key": "public.no_noc", "detail": "public.noc_id_format"},
            status=404,
        )
    verify_url = f"{str(request.base_url).rstrip('/')}/public/verify?noc_id={noc_id}"
    return Response(
        noc_pdf(checked, verify_url),
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{noc_id}.pdf"'},
    )

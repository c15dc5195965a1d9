"""`POST /v1/vehicles/search`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from api.retro import remember_search
from api.security import audit_context
from auth.principal import Caller
from federation import (
    InvalidVehicleSearch,
    IssuedNoc,
    VehicleSearch,
    VehicleSearchResult,
    VehicleSearchService,
)
from federation import vehicles as fv

from ..deps import guarded
from ..errors import BadRequest, request_id_of
from ..metrics import Metrics
from ..present import hit_out, record_out
from ..schemas import Withheld, problems
from ..schemas_records import VehicleFieldsOut
from ..schemas_vehicles import (
    IssuedNocOut,
    LiveLookup,
    OwnerOut,
    ReportOut,
    VehicleOut,
    VehicleSearchRequest,
    VehicleSearchResponse,
)

router = APIRouter(tags=["vehicles"])


def _service(request: Request) -> VehicleSearchService:
    service: VehicleSearchService = request.app.state.vehicles
    return service


def _report_out(report: fv.Report) -> ReportOut:
    return ReportOut(match=report.match, status=report.status, record=record_out(report.record))


def _vehicle_out(v: fv.VehicleView, nocs: list[IssuedNoc]) -> VehicleOut:
    return VehicleOut(
        registration_no=v.registration_no,
        chassis_no=v.chassis_no,
        engine_no=v.engine_no,
        match=v.match,
        details=VehicleFieldsOut.model_validate(v.details) if v.details else None,
        rc_status=v.rc_status,
        blacklisted=v.blacklisted,
        blacklist_status=v.blacklist_status,
        noc_issued=v.noc_issued,
        live=v.live,
        owners=[
            OwnerOut(
                owner_serial=o.owner_serial,
                current=o.current,
                profile_id=o.profile_id,
                record=record_out(o.record),
            )
            for o in v.owners
        ],
        reports=[_report_out(r) for r in v.reports],
        nocs=[
            IssuedNocOut(noc_id=n.noc_id, decision=n.decision, issued_at=n.issued_at) for n in nocs
        ],
    )


@router.post(
    "/v1/vehicles/search",
    name="vehicles.search",
    summary="Search a vehicle by registration, chassis or engine number",
    description=(
        "The Vahan registration with its owners (current and past, each linked to a person "
        "profile), every CCTNS stolen/recovered/case-property report, the Vahan blacklist flag "
        "and any NOC already issued. Any common formatting of the numbers is accepted; a "
        "chassis or engine number may be given as its last 5+ characters (matches on a fragment "
        "are marked `partial`). A plate not yet synced is looked up live in Vahan. "
        "Scope `vehicles:search`."
    ),
    response_model=VehicleSearchResponse,
    responses=problems(401, 403, 422, 429, 503),
)
async def search_vehicles(
    body: VehicleSearchRequest,
    request: Request,
    caller: Annotated[Caller, Depends(guarded("vehicles.search"))],
) -> VehicleSearchResponse:
    audit_context(request, purpose=body.purpose, query=body.model_dump(exclude={"purpose"}))
    search = VehicleSearch(
        registration_no=body.registration_no,
        chassis_no=body.chassis_no,
        engine_no=body.engine_no,
    )
    try:
        result = await _service(request).search(caller, search)
    except InvalidVehicleSearch as exc:
        raise BadRequest(str(exc)) from None
    metrics: Metrics = request.app.state.metrics
    metrics.candidates.labels("vehicle").observe(result.candidates)
    audit_context(request, record_ids=result.record_ids)
    await remember_search(
        request,
        caller,
        vehicle={
            "registration_no": body.registration_no,
            "chassis_no": body.chassis_no,
            "engine_no": body.engine_no,
        },
        results=result.record_ids,
    )
    return _response(result, request_id_of(request))


def _response(result: VehicleSearchResult, request_id: str | None) -> VehicleSearchResponse:
    return VehicleSearchResponse(
        request_id=request_id,
        vehicles=[
            _vehicle_out(v, result.nocs.get(v.registration_no or "", []))
            for v in result.outcome.vehicles
        ],
        unlinked_reports=[_report_out(r) for r in result.outcome.unlinked_reports],
        live_lookup=LiveLookup(result.live_lookup.value),
        withheld=Withheld(fields=result.withheld, restrictions=[]),
        hits=[hit_out(h) for h in result.hits],
    )

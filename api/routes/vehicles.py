"""`POST /v1/vehicles/search`."""

from __future__ import annotations

import asyncio
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from api.security import audit_context
from auth.principal import Caller
from federation import (
    IssuedNoc,
    NocService,
    VahanLookup,
    VehicleSearch,
    VehicleTerms,
    normalise_vehicle,
)
from federation import vehicles as fv
from federation.policy import filters_of
from records import Record

from ..deps import guarded
from ..errors import BadRequest, request_id_of
from ..metrics import Metrics
from ..present import record_out
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
log = structlog.get_logger("icjs.api")
LIVE_LOOKUP_TIMEOUT_S = 5.0  # an officer at a checkpoint waits seconds, not a minute
MAX_HISTORY_LOOKUPS = 3  # owner histories fetched per search: bounds one request's fan-out


async def live_lookup(
    vahan: VahanLookup | None, terms: VehicleTerms, metrics: Metrics
) -> tuple[str, list[Record]]:
    """Ask Vahan directly for a plate (or chassis) the index does not hold yet."""
    if vahan is None:
        return "not_configured", []
    try:
        if terms.registration:
            found = await asyncio.wait_for(
                vahan.by_registration(terms.registration), LIVE_LOOKUP_TIMEOUT_S
            )
        elif terms.chassis:
            found = await asyncio.wait_for(vahan.by_chassis(terms.chassis), LIVE_LOOKUP_TIMEOUT_S)
        else:
            return "not_needed", []
    except Exception as exc:  # Vahan down must not fail the search: report it instead
        log.warning("vahan live look-up failed", error=type(exc).__name__)
        metrics.live_lookups.labels("failed").inc()
        return "failed", []
    outcome = "found" if found else "not_found"
    metrics.live_lookups.labels(outcome).inc()
    return outcome, found


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
    try:
        terms = normalise_vehicle(
            VehicleSearch(
                registration_no=body.registration_no,
                chassis_no=body.chassis_no,
                engine_no=body.engine_no,
            )
        )
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    app = request.app
    policy = app.state.auth.policy
    filters = filters_of(policy.visibility(caller))
    records = await run_in_threadpool(
        fv.retrieve,
        app.state.backend,
        terms,
        filters,
        max_candidates=app.state.settings.api.max_candidates,
    )
    metrics: Metrics = app.state.metrics
    metrics.candidates.labels("vehicle").observe(len(records))
    lookup, live_ids = "not_needed", frozenset[str]()
    known = {r.record_id for r in records}
    if not fv.has_registration(records) and fv.live_source_allowed(filters):
        lookup, live = await live_lookup(app.state.vahan, terms, metrics)
        live = [r for r in live if fv.match_kind(terms, r) is not None]
        records += [r for r in live if r.record_id not in known]
        live_ids = frozenset(r.record_id for r in live)
    elif app.state.vahan is not None and fv.live_source_allowed(filters):
        # The index keeps the current owner only (a transfer supersedes the previous record):
        # past owners come from Vahan's owner history.
        for plate in fv.plates_missing_past_owners(records)[:MAX_HISTORY_LOOKUPS]:
            history_terms = VehicleTerms(plate, None, False, None)
            answer, past = await live_lookup(app.state.vahan, history_terms, metrics)
            if answer == "found":
                records += [r for r in past if r.record_id not in known]
                known.update(r.record_id for r in past)
    # Redaction of every owner and report is CPU work: off the event loop, like the search.
    ids = app.state.persons.ids
    outcome = await run_in_threadpool(
        lambda: fv.assemble(policy, caller, terms, records, filters, ids=ids, live_ids=live_ids)
    )
    noc_service: NocService = app.state.noc
    issued = {
        v.registration_no: await run_in_threadpool(noc_service.issued_for, v.registration_no)
        for v in outcome.vehicles
        if v.registration_no
    }
    audit_context(request, record_ids=outcome.record_ids)
    withheld: dict[str, int] = {}
    views = [o.record for v in outcome.vehicles for o in v.owners]
    views += [r.record for v in outcome.vehicles for r in v.reports]
    views += [r.record for r in outcome.unlinked_reports]
    for view in views:
        for w in view.withheld:
            withheld[w.reason] = withheld.get(w.reason, 0) + w.count
    return VehicleSearchResponse(
        request_id=request_id_of(request),
        vehicles=[
            _vehicle_out(v, issued.get(v.registration_no or "", [])) for v in outcome.vehicles
        ],
        unlinked_reports=[_report_out(r) for r in outcome.unlinked_reports],
        live_lookup=LiveLookup(lookup),
        withheld=Withheld(fields=dict(sorted(withheld.items())), restrictions=[]),
    )

"""`POST /v1/noc/vehicle` and `GET /v1/noc/{noc_id}`: the vehicle NOC service.

Vehicle status only: nothing here returns a person's name, address or any other person field,
whatever the records behind the decision hold.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from starlette.concurrency import run_in_threadpool

from api.security import audit_context
from auth.keys import InvalidSignature, KeyRing
from auth.principal import Caller
from federation import (
    InvalidVehicleSearch,
    IssuedNoc,
    NocReason,
    NocService,
    VehicleSearch,
    VehicleSearchService,
    VehicleTerms,
)

from ..deps import guarded, path_convertor
from ..errors import BadRequest, NotFound
from ..metrics import Metrics
from ..schemas import problems
from ..schemas_vehicles import NocCheckOut, NocOut, NocReasonOut, NocRequest, NocVehicle

router = APIRouter(tags=["noc"])
NOC_TYP = "noc+jws"
NOC_ID = r"^noc_[0-9a-f]{32}$"
# Only a NOC id routes to the re-check: `GET /v1/noc/vehicle` is then a 405 (the path exists for
# POST), not a malformed id.
path_convertor("noc_id", NOC_ID)


def _jwks_uri(request: Request) -> str:
    issuer: str = request.app.state.settings.auth.issuer
    return issuer.rstrip("/") + "/.well-known/jwks.json"


def _reasons(reasons: tuple[NocReason, ...]) -> list[NocReasonOut]:
    return [NocReasonOut(code=r.code, detail=r.detail, record_id=r.record_id) for r in reasons]


def _out(noc: IssuedNoc, request: Request) -> NocOut:
    return NocOut(
        noc_id=noc.noc_id,
        decision=noc.decision,
        reasons=_reasons(noc.reasons),
        vehicle=NocVehicle(
            registration_no=noc.registration_no, chassis_no=noc.chassis_no, engine_no=noc.engine_no
        ),
        issued_at=noc.issued_at,
        expires_at=noc.expires_at,
        audience=noc.audience,
        purpose=noc.purpose,
        sources_last_sync=noc.evidence,
        certificate=noc.certificate,
        jwks_uri=_jwks_uri(request),
    )


def _vehicles(request: Request) -> VehicleSearchService:
    service: VehicleSearchService = request.app.state.vehicles
    return service


@router.post(
    "/v1/noc/vehicle",
    name="noc.issue",
    summary="Issue a vehicle NOC",
    description=(
        "Checks the vehicle against CCTNS theft and case-property reports and the Vahan "
        "blacklist, and issues a signed certificate: `CLEAR`, `NOT_CLEAR` (stolen, blacklisted, "
        "case property) or `REVIEW` (partial or weak matches, unknown or cancelled "
        "registration; or incomplete evidence: a damaged or quarantined record naming the "
        "vehicle, CCTNS or Vahan not synced within the freshness window or last sync failed, "
        "a failed live Vahan look-up), with the reasons. The certificate is a compact JWS "
        "verifiable offline with the keys at `/.well-known/jwks.json`; it carries issue time, "
        "expiry, audience, purpose and each source's last successful sync. Vehicle status "
        "only: no person data. Scope `noc:issue`."
    ),
    response_model=NocOut,
    status_code=201,
    responses=problems(401, 403, 422, 429, 503),
)
async def issue_noc(
    body: NocRequest,
    request: Request,
    response: Response,
    caller: Annotated[Caller, Depends(guarded("noc.issue"))],
) -> NocOut:
    search = VehicleSearch(
        registration_no=body.registration_no,
        chassis_no=body.chassis_no,
        engine_no=body.engine_no,
    )
    try:
        terms = VehicleSearchService.terms_of(search)
    except InvalidVehicleSearch as exc:
        raise BadRequest(str(exc)) from None
    service: NocService = request.app.state.noc
    live, live_failed = await _vehicles(request).noc_live_evidence(terms)
    noc = await run_in_threadpool(
        lambda: service.issue(
            terms,
            issued_to=caller.client_id or caller.subject,
            audience=body.audience,
            purpose=body.purpose,
            extra=live,
            live_failed=live_failed,
        )
    )
    metrics: Metrics = request.app.state.metrics
    metrics.nocs.labels(noc.decision.value).inc()
    audit_context(
        request,
        query=body.model_dump(),
        record_ids=[r.record_id for r in noc.reasons if r.record_id],
    )
    response.headers["Location"] = f"/v1/noc/{noc.noc_id}"
    return _out(noc, request)


@router.get(
    "/v1/noc/{noc_id:noc_id}",
    name="noc.get",
    summary="Re-check an issued NOC",
    description=(
        "Verification: the NOC as issued, its `status` (`valid`, `expired` past its expiry, or "
        "`revoked` when a theft report for the vehicle arrived after a CLEAR), "
        "`certificate_valid` (false unless it verifies and is valid), and the decision the "
        "same vehicle would get now (`changed` is true when it differs). Scope `noc:read`."
    ),
    response_model=NocCheckOut,
    responses=problems(401, 403, 404, 429, 503),
)
async def get_noc(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("noc.get"))],
    noc_id: Annotated[str, Path(pattern=NOC_ID)],
) -> NocCheckOut:
    service: NocService = request.app.state.noc
    noc = await run_in_threadpool(service.get, noc_id)
    if noc is None:
        raise NotFound(f"no NOC {noc_id}")
    terms = VehicleTerms(
        registration=noc.registration_no,
        chassis=noc.chassis_no,
        chassis_is_fragment=noc.chassis_no is not None and len(noc.chassis_no) < 11,
        engine=noc.engine_no,
    )
    live, live_failed = await _vehicles(request).noc_live_evidence(terms)
    now = await run_in_threadpool(lambda: service.check(terms, live, live_failed=live_failed))
    keys: KeyRing = request.app.state.auth.keys
    try:
        # certificates outlive a key rotation: retired keys still published verify them
        verified = keys.verify(noc.certificate, typ=NOC_TYP, include_retired=True)
        signed = verified.payload.get("jti") == noc.noc_id
    except InvalidSignature:
        signed = False
    status = noc.status(service.now())
    audit_context(
        request,
        query={"noc_id": noc_id},
        record_ids=[r.record_id for r in now.reasons if r.record_id],
    )
    issued = _out(noc, request)
    return NocCheckOut(
        **issued.model_dump(),
        current_decision=now.decision,
        current_reasons=_reasons(now.reasons),
        changed=now.decision != noc.decision,
        status=status,
        revoked_at=noc.revoked_at,
        revoked_reason=noc.revoked_reason,
        certificate_valid=signed and status == "valid",
    )

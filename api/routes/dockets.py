"""`GET /v1/profiles/{profile_id}/docket`: a person's mini-docket as a PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from api.security import audit_context
from auth.principal import Caller
from dockets import DocketService

from .. import rules
from ..deps import guarded
from ..errors import request_id_of
from ..schemas import problems_with_hit_flags
from .persons import ProfileId, not_visible

router = APIRouter(tags=["persons"])

_PURPOSE = Query(
    min_length=3,
    max_length=300,
    pattern=rules.TEXT,
    description="Case reference or reason: required, printed in the footer and written to the "
    "audit log.",
)


def _service(request: Request) -> DocketService:
    service: DocketService = request.app.state.dockets
    return service


@router.get(
    "/v1/profiles/{profile_id:profile_id}/docket",
    name="dockets.get",
    summary="Print a person's mini-docket (PDF)",
    description=(
        "The profile as `GET /v1/persons/{profile_id}` shows it to you, on paper: identities "
        "and aliases (names in the script recorded beside the Latin form), FIRs with sections "
        "and status, arrests, custody and prison stays, vehicles and licences, a network "
        "summary read from the stored graph (2 hops around the profile's records, under your "
        "access: co-accused and their FIRs, phones, UPI ids, accounts, e-mails, addresses and "
        "licences shared with other records and who holds them, vehicles and who else is on "
        "them, the neighbourhood's hubs), data issues, and the source, source update time and "
        "sync time of every fact. The "
        "footer names who printed it, when and for what `purpose` (required, audited like the "
        "profile read). Fields your role may not see are not in it, and no victim or "
        "complainant is ever named in it. Text is extractable; Indic scripts are set in "
        "embedded Noto fonts. An id whose records your policy answers only as hit-flags is "
        "a `403` with the hit-flags and how to request access, as for the profile read. Scope "
        "`persons:read`."
    ),
    response_class=Response,
    responses={
        200: {
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            "headers": {
                "X-Docket-Pages": {
                    "description": "How many pages the PDF has.",
                    "schema": {"type": "integer"},
                }
            },
        },
        **problems_with_hit_flags(401, 403, 404, 422, 429, 503),
    },
)
async def get_docket(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("dockets.get"))],
    profile_id: ProfileId,
    purpose: Annotated[str, _PURPOSE],
) -> Response:
    audit_context(request, purpose=purpose, query={"profile_id": profile_id[:64], "docket": True})
    service = _service(request)
    docket = await run_in_threadpool(
        lambda: service.docket(
            caller, profile_id, purpose=purpose, request_id=request_id_of(request)
        )
    )
    if docket is None:
        raise await not_visible(request, caller, profile_id)
    audit_context(request, record_ids=docket.audited_record_ids)
    printed = await run_in_threadpool(service.pdf, docket)
    return Response(
        printed.body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="docket-{profile_id[:12]}.pdf"',
            "Cache-Control": "no-store",
            "X-Docket-Pages": str(printed.pages),
        },
    )

"""`GET /v1/ndso/register` (the sexual-offender register, NDSO role only) and
`GET /v1/proclaimed-offenders` (proclaimed offenders for officers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool

from api.security import audit_context
from auth.principal import Caller
from federation.registers import RegisterEntry, Registers

from .. import rules
from ..deps import guarded
from ..errors import request_id_of
from ..present import record_out
from ..schemas import problems
from ..schemas_registers import (
    ConvictionOut,
    NdsoRegisterOut,
    ProclaimedOut,
    RegisterEntryOut,
    ReviewOut,
    StationOut,
)

router = APIRouter(tags=["registers"])

Purpose = Annotated[
    str,
    Query(
        min_length=3,
        max_length=300,
        pattern=rules.TEXT,
        description="Case reference or reason: required and audited.",
    ),
]
Name = Annotated[
    str | None,
    Query(
        min_length=2,
        max_length=120,
        pattern=rules.TEXT,
        description="A name in any script: entries sharing a phonetic key or containing it.",
    ),
]
State = Annotated[
    str | None,
    Query(pattern=r"^[A-Za-z]{2}$", description="Two-letter state code, e.g. MH."),
]
District = Annotated[str | None, Query(min_length=2, max_length=80, pattern=rules.TEXT)]
Limit = Annotated[int, Query(ge=1, le=1000, description="At most this many entries.")]


def _registers(request: Request) -> Registers:
    registers: Registers = request.app.state.registers
    return registers


def _entry_out(entry: RegisterEntry) -> RegisterEntryOut:
    station = entry.offender.station
    return RegisterEntryOut(
        names=list(entry.names),
        station=StationOut(
            state=station.state,
            district=station.district,
            police_station=station.police_station,
            police_station_name=station.police_station_name,
        ),
        convictions=[
            ConvictionOut(record_id=c.record_id, source=c.source, fir=c.fir, sections=c.sections)
            for c in entry.offender.convictions
        ],
        records=[record_out(v) for v in entry.records],
    )


@router.get(
    "/v1/ndso/register",
    name="ndso.register",
    summary="The sexual-offender register (NDSO)",
    description=(
        "Persons convicted under a sexual-offence section: a CCTNS accused row `CONVICTED` on a "
        "FIR citing one, or an e-Prisons `CONVICT` whose cases cite one (sections read by the "
        "offence classifier, `records/offences.toml`), each with the records the index links "
        "to the same person and the police station the register's alerts go to. Records too "
        "damaged to decide are listed for `review`. Filters: `name` (any script), `state`, "
        "`district`. Only the `ndso` role holds scope `ndso:read`; every read states a "
        "`purpose` and is audited (auditors read it in `/v1/audit`). Victims never appear."
    ),
    response_model=NdsoRegisterOut,
    responses=problems(401, 403, 422, 429, 503),
)
async def ndso_register(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("ndso.register"))],
    purpose: Purpose,
    name: Name = None,
    state: State = None,
    district: District = None,
    limit: Limit = 100,
) -> NdsoRegisterOut:
    audit_context(
        request,
        purpose=purpose,
        query={"register": "ndso", "name": name, "state": state, "district": district},
    )
    entries, review = await run_in_threadpool(
        lambda: _registers(request).ndso(caller, name=name, state=state, district=district)
    )
    shown = entries[:limit]
    audit_context(request, record_ids=[v.record_id for e in shown for v in e.records])
    return NdsoRegisterOut(
        total=len(entries),
        entries=[_entry_out(e) for e in shown],
        review=[ReviewOut(record_id=r.record_id, reason=r.reason) for r in review],
        request_id=request_id_of(request),
    )


@router.get(
    "/v1/proclaimed-offenders",
    name="proclaimed.list",
    summary="Proclaimed offenders, for officers",
    description=(
        "Every CCTNS accused flagged `IS_PROCLAIMED_OFFENDER = Y`, by state and district, "
        "searchable by `name` in any script, cut to what you may see (the public list at "
        "`/public/proclaimed` publishes only the subset a proclamation may show). A `purpose` "
        "is required and audited. Scope `persons:search`."
    ),
    response_model=ProclaimedOut,
    responses=problems(401, 403, 422, 429, 503),
)
async def proclaimed_offenders(
    request: Request,
    caller: Annotated[Caller, Depends(guarded("proclaimed.list"))],
    purpose: Purpose,
    name: Name = None,
    state: State = None,
    district: District = None,
    limit: Limit = 100,
) -> ProclaimedOut:
    audit_context(
        request,
        purpose=purpose,
        query={"register": "proclaimed", "name": name, "state": state, "district": district},
    )
    views = await run_in_threadpool(
        lambda: _registers(request).proclaimed(caller, name=name, state=state, district=district)
    )
    shown = views[:limit]
    audit_context(request, record_ids=[v.record_id for v in shown])
    return ProclaimedOut(
        total=len(views),
        offenders=[record_out(v) for v in shown],
        request_id=request_id_of(request),
    )

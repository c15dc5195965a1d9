"""`GET /v1/audit`: read the audit log (scope `audit:read`).

The `auditor` role reads every entry; a `supervisor` reads the entries of officers of their own
state and district; anyone else is refused. Reading the log is itself audited.
"""

from __future__ import annotations

from enum import StrEnum

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field, JsonValue

from api.security import audit_context, auth_service, require_route_scope
from auth.errors import Forbidden
from auth.principal import Caller
from state.audit import AuditQuery

router = APIRouter(tags=["audit"])

SQLITE_MAX_INT = 2**63 - 1  # a larger sequence number cannot be stored, so cannot be asked for


class AuditDecision(StrEnum):
    RECEIVED = "received"
    ALLOW = "allow"
    DENY = "deny"
    ERROR = "error"


class AuditEntryOut(BaseModel):
    seq: int
    time: str
    actor: str
    agency: str | None
    client: str | None
    role: str | None
    actor_state: str | None
    actor_district: str | None
    route: str
    method: str
    status: int
    decision: AuditDecision = Field(
        description="received (written before any handler ran, status 0), allow, deny "
        "(401/403/429) or error"
    )
    query: JsonValue = Field(description="The request as validated, credentials stripped.")
    purpose: str | None
    record_ids: list[str]
    latency_ms: float
    request_id: str | None
    reason: str | None
    prev_hash: str
    hash: str
    client_address: str | None = Field(
        default=None, description="the peer, or the client a trusted proxy named"
    )
    user_agent: str | None = None


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    scope: str = Field(description="'all' or 'district STATE/DISTRICT': what this caller may read")
    next_before_seq: int | None = Field(
        default=None, description="pass as before_seq to read older entries"
    )


@router.get(
    "/v1/audit",
    name="audit.list",
    summary="Read the audit log",
    description=(
        "Newest first. Auditors see every entry; supervisors see the entries of officers of "
        "their own district. Each entry carries its hash and the previous entry's hash so a "
        "reader can check the chain."
    ),
    response_model=AuditPage,
)
def list_audit(
    request: Request,
    caller: Caller = Depends(require_route_scope("audit.list")),
    limit: int = Query(default=100, ge=1, le=1000, description="entries per page"),
    before_seq: int | None = Query(
        default=None, ge=1, le=SQLITE_MAX_INT, description="only entries older than"
    ),
    actor: str | None = Query(default=None, max_length=200, description="only this actor"),
) -> AuditPage:
    service = auth_service(request)
    scope = service.policy.audit_scope(caller)
    if scope.nothing:
        raise Forbidden(f"role {caller.role.value} has no audit jurisdiction to read")
    audit_context(request, query={"limit": limit, "before_seq": before_seq, "actor": actor})
    entries = service.audit.entries(
        AuditQuery(
            state=scope.state,
            district=scope.district,
            actor=actor,
            before_seq=before_seq,
            limit=limit,
        )
    )
    label = "all" if scope.everything else f"district {scope.state}/{scope.district}"
    return AuditPage(
        entries=[AuditEntryOut(**e.as_dict()) for e in entries],
        scope=label,
        next_before_seq=entries[-1].seq if len(entries) == limit else None,
    )

"""Console: the audit log, for auditors (and supervisors, for their district)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from api.routes import audit as api_audit
from auth.errors import ProblemError

from .access import officer
from .pages import page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


@router.get("/console/audit")
async def audit_log(request: Request) -> Response:
    who = officer(request, "audit.list")
    if isinstance(who, Response):
        return who
    actor = request.query_params.get("actor", "").strip()[:200] or None
    errors: list[str] = []
    answer = None
    try:
        answer = api_audit.list_audit(
            request, who.caller, limit=PAGE_SIZE, before_seq=None, actor=actor
        ).model_dump(mode="json")
    except ProblemError as exc:  # 403 without an audit jurisdiction
        errors = [exc.detail]
    return page(
        request,
        who,
        "console/audit.html",
        {"answer": answer, "errors": errors, "actor": actor or ""},
        status=200 if not errors else 403,
    )

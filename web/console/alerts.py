"""Console: the alerts inbox (the desk's feed, `GET /v1/alerts`) and acknowledging an alert.

The purpose is asked before the feed is read, as for a profile: an alert names people. The list
refreshes itself every 30 seconds (htmx swaps the feed in place; without JavaScript, reload).
"""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from api.routes import alerts as api_alerts
from api.security import audit_context

from .access import keep_alive, officer
from .pages import checked_form, outcome, page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
REFRESH_S = 30


def _purpose(value: str | None) -> str:
    return (value or "").strip()[:200]


@router.get("/console/alerts")
async def inbox(request: Request) -> Response:
    who = officer(request, "alerts.list")
    if isinstance(who, Response):
        return who
    purpose = _purpose(request.query_params.get("purpose"))
    if not purpose:  # purpose first: nothing personal is read before it is stated
        return page(request, who, "console/purpose.html", {"action": "/console/alerts"})
    audit_context(request, purpose=purpose)
    answer, errors = await outcome(
        lambda: api_alerts.list_alerts(
            request, who.caller, purpose, after=0, limit=PAGE_SIZE, unacknowledged=False
        )
    )
    return page(
        request,
        who,
        "console/alerts.html",
        {"feed": answer, "errors": errors, "purpose": purpose, "refresh_s": REFRESH_S},
        status=200 if not errors else 422,
    )


@router.post("/console/alerts/{alert_id}/acknowledge")
async def acknowledge(request: Request, alert_id: str) -> Response:
    who = officer(request, "alerts.acknowledge")
    if isinstance(who, Response):
        return who
    fields = await checked_form(
        request, who, "console/alerts.html", {"feed": None, "purpose": "", "refresh_s": REFRESH_S}
    )
    if isinstance(fields, Response):
        return fields
    purpose = _purpose(fields.get("purpose"))
    if not alert_id.isdigit() or not 0 < int(alert_id) < 2**62:
        errors = ["not an alert number"]
    else:
        _answer, errors = await outcome(
            lambda: api_alerts.acknowledge_alert(request, who.caller, int(alert_id), None)
        )
    if errors:
        return page(
            request,
            who,
            "console/alerts.html",
            {"feed": None, "errors": errors, "purpose": purpose, "refresh_s": REFRESH_S},
            status=404,
        )
    # after the POST, the inbox again (a reload does not acknowledge twice)
    back = "/console/alerts" + (f"?{urlencode({'purpose': purpose})}" if purpose else "")
    return keep_alive(request, RedirectResponse(back, status_code=303), who)

"""Console: the alerts inbox (the desk's feed, `GET /v1/alerts`) and acknowledging an alert.

The purpose is asked before the feed is read, as for a profile: an alert names people. New alerts
arrive live: the page follows `/console/alerts/stream` (server-sent events, htmx's SSE extension),
each event an alert rendered as the list renders it; without JavaScript, reload.

The stream is not activity: it never re-issues the session cookie, so the idle lock still falls 30
minutes after the officer's last action (a page left open on the inbox locks like any other), and
the stream's next reconnect is refused then.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse

from alerts import AlertStore
from api.routes import alerts as api_alerts
from api.security import audit_context
from auth.policy import Policy

from ..templating import fragment
from .access import keep_alive, officer
from .pages import checked_form, outcome, page

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50
REFRESH_S = 30  # what the page says a reload costs; new alerts come by the stream
# One stream lasts this long, then the browser reconnects (after `RETRY_MS`) from the last alert
# it got: each reconnect checks the session again (idle lock, revoked token) and is audited.
STREAM_S = 55.0
STREAM_POLL_S = 1.0
RETRY_MS = 1000


def _purpose(value: str | None) -> str:
    return (value or "").strip()[:200]


def _alert_id(*values: str | None) -> int:
    """The largest well-formed alert id among `values` (a query's `after`, `Last-Event-ID`)."""
    ids = [int(v) for v in values if v and v.isdigit() and len(v) < 19]
    return max(ids, default=0)


def _event(alert_id: int, html: str) -> str:
    data = "".join(f"data: {line}\n" for line in html.splitlines())
    return f"id: {alert_id}\nevent: alert\n{data}\n"


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
    last_id = max((a["id"] for a in answer["alerts"]), default=0) if answer else 0
    return page(
        request,
        who,
        "console/alerts.html",
        {
            "feed": answer,
            "errors": errors,
            "purpose": purpose,
            "refresh_s": REFRESH_S,
            "last_id": last_id,
        },
        status=200 if not errors else 422,
    )


@router.get("/console/alerts/stream")
async def stream(request: Request) -> Response:
    """The desk's alerts after `after` (or the browser's `Last-Event-ID`) as server-sent events,
    each an `<li>` the inbox puts at the top of its list."""
    who = officer(request, "alerts.stream")
    if isinstance(who, Response):
        return who
    purpose = _purpose(request.query_params.get("purpose"))
    if not purpose:
        return PlainTextResponse("state a purpose (the inbox asks for it)", status_code=422)
    cursor = _alert_id(request.query_params.get("after"), request.headers.get("last-event-id"))
    audit_context(request, purpose=purpose, query={"after": cursor})
    caller = who.caller
    store: AlertStore = request.app.state.alerts
    policy: Policy = request.app.state.auth.policy
    recipients = api_alerts.desks(caller)
    context = {"csrf": who.session.csrf, "purpose": purpose}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STREAM_S

    async def events() -> AsyncIterator[str]:
        nonlocal cursor
        yield f"retry: {RETRY_MS}\n\n"
        while True:
            items = await run_in_threadpool(
                store.feed, recipients, after=cursor, limit=api_alerts.MAX_PAGE
            )
            for item in items:
                cursor = item.id
                shown = api_alerts.alert_view(item, policy, caller).model_dump(mode="json")
                html = fragment(request, "console/_alert.html", {**context, "a": shown})
                yield _event(item.id, html)
            if loop.time() >= deadline or await request.is_disconnected():
                return
            await asyncio.sleep(STREAM_POLL_S)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
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

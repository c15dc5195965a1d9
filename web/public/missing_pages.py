"""Citizen portal page: the missing-person report look-up (`web.public.missing`)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from api.security import audit_context
from federation.missing_reports import reports_on_file

from ..console.pages import form_fields
from ..templating import render
from .access import throttled
from .noc import too_many

router = APIRouter(include_in_schema=False)


def _number(text: str, low: int, high: int) -> int | None:
    text = text.strip()
    if not text.isdigit() or not low <= int(text) <= high:
        return None
    return int(text)


@router.get("/public/missing")
async def form(request: Request) -> Response:
    return render(request, "public/missing.html", {"form": {}, "reports": None, "errors": []})


@router.post("/public/missing")
async def look_up(request: Request) -> Response:
    if throttled(request):
        return too_many(request)
    fields = await form_fields(request)
    name = fields.get("name", "").strip()[:200]
    today = date.today()
    age = _number(fields.get("age", ""), 0, 120)
    year = _number(fields.get("birth_year", ""), 1900, today.year)
    errors = []
    if len(name) < 3:
        errors.append("public.missing_name")
    if age is None and year is None:
        errors.append("public.missing_age")
    if errors:
        return render(
            request,
            "public/missing.html",
            {"form": fields, "reports": None, "errors": errors},
            status=422,
        )
    audit_context(
        request,
        purpose="citizen missing-person look-up (public portal)",
        query={"name": name, "age": age, "birth_year": year},
    )
    reports = await run_in_threadpool(
        lambda: reports_on_file(
            request.app.state.backend, name, age=age, birth_year=year, today=today
        )
    )
    audit_context(request, record_ids=[r.reference for r in reports])
    return render(
        request, "public/missing.html", {"form": fields, "reports": reports, "errors": []}
    )

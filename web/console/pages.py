"""What every console page shares: reading a form with its CSRF token, calling the API's own
handler for the work, and turning its refusals into a message on the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from api.errors import HitFlagged
from auth.errors import ProblemError

from ..templating import render
from .access import Officer, keep_alive, officer, sessions


async def form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def checked_csrf(request: Request, who: Officer, fields: dict[str, str]) -> bool:
    if sessions(request).check_csrf(who.session, fields.get("csrf")):
        return True
    request.state.auth_denied = "console: the form's CSRF token did not match the session"
    return False


async def checked_form(
    request: Request,
    who: Officer,
    template: str,
    refused: dict[str, Any],
    *,
    echo_form: bool = False,
) -> dict[str, str] | Response:
    """The posted form's fields, or `template` refusing it (403) when its CSRF token does not
    match the session. `refused` is that page's context (its `errors` say why); with
    `echo_form` the refused page shows the fields as posted."""
    fields = await form_fields(request)
    if checked_csrf(request, who, fields):
        return fields
    context = {**refused, "errors": ["csrf"]}
    if echo_form:
        context["form"] = fields
    return page(request, who, template, context, status=403)


def filled(fields: dict[str, str], names: tuple[str, ...]) -> dict[str, Any]:
    """The non-empty fields among `names` (an empty field is an absent one)."""
    return {n: fields[n].strip() for n in names if fields.get(n, "").strip()}


def field_errors(exc: ValidationError) -> list[str]:
    return [f"{'.'.join(str(p) for p in e['loc']) or 'request'}: {e['msg']}" for e in exc.errors()]


async def outcome(work: Callable[[], Awaitable[BaseModel]]) -> tuple[Any, list[str]]:
    """Run an API handler: (its answer as plain data, None) or (None, what went wrong)."""
    try:
        answer = await work()
    except ValidationError as exc:
        return None, field_errors(exc)
    except HitFlagged:
        raise  # the page lists the hit-flags, with the request-access action
    except ProblemError as exc:
        return None, [exc.detail]
    return answer.model_dump(mode="json"), []


def page(
    request: Request, who: Officer, template: str, context: dict[str, Any], status: int = 200
) -> Response:
    context = {
        **context,
        "csrf": who.session.csrf,
        "officer": who.session.name,
        "role": who.caller.role.value,
    }
    return keep_alive(request, render(request, template, context, status=status), who)


__all__ = ["Officer", "officer", "page"]

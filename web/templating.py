"""Rendering a page: Jinja2 (autoescaped) with the page's language, its CSP and headers.

Pages load scripts and styles from this server only (`/static/`, vendored htmx and our CSS): the
CSP says so and allows no inline script, so injected markup cannot run.
"""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from . import i18n
from .scripts import name_forms

PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)

_env = Environment(
    loader=FileSystemLoader(str(files("web") / "templates")),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.globals["name_forms"] = name_forms


def fragment(request: Request, template: str, context: dict[str, Any]) -> str:
    """A piece of a page (an alert streamed into the inbox), in the page's language."""
    lang, _chosen = i18n.pick(request)
    return _html(request, template, context, lang)


def _html(request: Request, template: str, context: dict[str, Any], lang: str) -> str:
    return _env.get_template(template).render(
        {
            **context,
            "t": i18n.Translator(lang),
            "lang": lang,
            "languages": i18n.LANGUAGES,
            "path": request.url.path,
            "partial": request.headers.get("hx-request") == "true",
        }
    )


def render(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    lang, chosen = i18n.pick(request)
    response = HTMLResponse(_html(request, template, context, lang), status_code=status)
    response.headers["Content-Security-Policy"] = PAGE_CSP
    response.headers["Content-Language"] = lang
    if chosen:
        response.set_cookie(
            i18n.LANG_COOKIE,
            lang,
            max_age=365 * 86400,
            secure=True,
            httponly=True,
            samesite="strict",
        )
    return response

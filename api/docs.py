"""`/docs` (Swagger UI) and `/redoc` (ReDoc), served with no network beyond this server.

FastAPI's own pages load their scripts and styles from a CDN, so on a station's network without
internet they are blank. The same pages are built here pointing at files served from
`/docs/assets/`, which come from the pinned `fastapi-offline` distribution (Swagger UI, Apache
2.0; ReDoc, MIT: their licences travel with that distribution). Only the files are used, not its
FastAPI subclass. The pages' CSP allows this server and nothing else (the pages carry inline
bootstrap scripts, so `'unsafe-inline'` for scripts, on these pages only).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.staticfiles import StaticFiles

ASSETS = "/docs/assets"
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'"
)


def assets_dir() -> Path:
    return Path(str(files("fastapi_offline") / "static"))


def install(app: FastAPI) -> None:
    """Add `/docs`, `/docs/oauth2-redirect`, `/redoc` and their assets to an app built with
    `docs_url=None, redoc_url=None`."""
    title = app.title

    def _with_csp(response: HTMLResponse) -> HTMLResponse:
        response.headers["Content-Security-Policy"] = DOCS_CSP
        return response

    async def swagger(_: Request) -> Response:
        return _with_csp(
            get_swagger_ui_html(
                openapi_url="/openapi.json",
                title=f"{title} — Swagger UI",
                oauth2_redirect_url="/docs/oauth2-redirect",
                swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                swagger_css_url=f"{ASSETS}/swagger-ui.css",
                swagger_favicon_url=f"{ASSETS}/favicon.png",
            )
        )

    async def redirect(_: Request) -> Response:
        return _with_csp(get_swagger_ui_oauth2_redirect_html())

    async def redoc(_: Request) -> Response:
        return _with_csp(
            get_redoc_html(
                openapi_url="/openapi.json",
                title=f"{title} — ReDoc",
                redoc_js_url=f"{ASSETS}/redoc.standalone.js",
                redoc_favicon_url=f"{ASSETS}/favicon.png",
                with_google_fonts=False,
            )
        )

    app.add_route("/docs", swagger, include_in_schema=False)
    app.add_route("/docs/oauth2-redirect", redirect, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)
    app.mount(ASSETS, StaticFiles(directory=assets_dir()), name="docs-assets")

"""API9 (improper inventory management): the API is what its description says, no more.

Every route the server answers is in the OpenAPI document, under `/v1` if it serves data, and
declares the scope it needs; the policy names a scope for every route that is not public; there
is no undocumented or debugging route.
"""

from __future__ import annotations

from fastapi.routing import APIRoute

from tests.plugins.api import LiveApi

PUBLIC_PATHS = {
    "/healthz",
    "/readyz",
    "/metrics",
    "/oauth/token",
    "/oauth/introspect",
    "/oauth/revoke",
    "/.well-known/jwks.json",
    "/.well-known/oauth-authorization-server",
}
DOCS = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/docs/assets"}


def _served(api: LiveApi) -> dict[str, APIRoute]:
    out: dict[str, APIRoute] = {}
    for route in api.app.routes:
        included = getattr(route, "original_router", None)
        for r in included.routes if included else [route]:
            if isinstance(r, APIRoute):
                out[r.path_format] = r
            else:
                assert getattr(r, "path", None) in DOCS, f"an undocumented route: {r}"
    return out


def test_the_description_lists_every_route_and_its_scope(live_api: LiveApi) -> None:
    served = _served(live_api)
    documented = live_api.get("/openapi.json", None).json()["paths"]
    assert set(served) == set(documented)
    for path, route in served.items():
        if path in PUBLIC_PATHS:
            continue
        assert path.startswith("/v1/"), path
        for method in route.methods:
            operation = documented[path][method.lower()]
            scope = live_api.auth.policy.required_scope(route.name)
            security = operation["security"]
            named = {
                s for requirement in security for scopes in requirement.values() for s in scopes
            }
            assert security and named == {scope}, (path, method, security)
            assert (
                operation["responses"].get("401")
                or operation["responses"].get("403")
                or (path == "/v1/audit")
            ), (path, method)


def test_the_public_routes_reveal_nothing_personal(live_api: LiveApi) -> None:
    for path in PUBLIC_PATHS - {"/oauth/token", "/oauth/introspect", "/oauth/revoke"}:
        response = live_api.get(path, None)
        assert response.status_code in (200, 503), path
        assert "RAJENDRA" not in response.text.upper() or path == "/metrics", path

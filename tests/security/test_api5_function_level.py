"""API5 (broken function level authorisation): every route declares its scope; a token or role
without it is refused, whatever it asks for."""

from __future__ import annotations

from fastapi.routing import APIRoute

from auth.policy import UNKNOWN_ROUTE_SCOPE
from auth.principal import Role
from tests.plugins.api import LiveApi

# Routes anyone may call: probes, metrics, the OAuth endpoints (they authenticate clients
# themselves), public keys and metadata, the API's own description.
PUBLIC = {
    "health.live",
    "health.ready",
    "metrics",
    "oauth.token",
    "oauth.introspect",
    "oauth.revoke",
    "oauth.jwks",
    "oauth.metadata",
}
BODIES = {
    "persons.search": {"name": "Rajendra Patil", "purpose": "function level test"},
    "vehicles.search": {"registration_no": "MH12AB1234", "purpose": "function level test"},
    "noc.issue": {"registration_no": "MH12AB1234", "chassis_no": "MA3EWDE1S00123456"},
}


def _api_routes(api: LiveApi) -> list[APIRoute]:
    """The app's routes, FastAPI's included routers opened up (the docs pages excluded)."""
    out: list[APIRoute] = []
    for route in api.app.routes:
        included = getattr(route, "original_router", None)
        out += [r for r in (included.routes if included else [route]) if isinstance(r, APIRoute)]
    assert len(out) >= 14, [r.name for r in out]
    return out


def test_every_route_is_public_on_purpose_or_needs_a_scope(live_api: LiveApi) -> None:
    policy = live_api.auth.policy
    for route in _api_routes(live_api):
        if route.name in PUBLIC:
            continue
        scope = policy.required_scope(route.name)
        assert scope != UNKNOWN_ROUTE_SCOPE, f"{route.name} is not in the policy's [routes]"


def _call(api: LiveApi, route: APIRoute, token: str | None) -> int:
    # well-formed ids: a path that cannot be an id does not reach the route (404 for anyone)
    path = route.path_format.replace("{profile_id}", "p2_x").replace("{noc_id}", "noc_" + "0" * 32)
    method = sorted(route.methods)[0]
    if method == "POST":
        return api.post(path, token, json=BODIES.get(route.name, {})).status_code
    return api.get(path, token).status_code


def test_each_role_is_refused_every_route_its_policy_does_not_grant(live_api: LiveApi) -> None:
    policy = live_api.auth.policy
    tokens = {
        Role.OFFICER: live_api.officer(),
        Role.SUPERVISOR: live_api.officer(role=Role.SUPERVISOR),
        Role.AUDITOR: live_api.officer(role=Role.AUDITOR, state=None, district=None),
        Role.ADMIN: live_api.officer(role=Role.ADMIN, state=None, district=None),
        Role.PARTNER: live_api.partner(agency="CBI", scopes=("persons:search",)),
    }
    client_id, secret = live_api.register(
        agency="NOC", role=Role.NOC_SERVICE, scopes=("noc:issue", "noc:read")
    )
    tokens[Role.NOC_SERVICE] = live_api.client_token(client_id, secret)
    refused = 0
    for route in _api_routes(live_api):
        if route.name in PUBLIC:
            continue
        scope = policy.required_scope(route.name)
        assert _call(live_api, route, None) == 401, route.name
        for role, token in tokens.items():
            caller = live_api.auth.authenticate(f"Bearer {token}")
            if scope in caller.scopes and policy.allows(caller, scope):
                continue
            assert _call(live_api, route, token) == 403, (route.name, role)
            refused += 1
    assert refused >= 15


def test_a_token_cannot_carry_more_than_its_role_allows(live_api: LiveApi) -> None:
    demo = live_api.auth.demo
    assert demo is not None
    officer = demo.mint(role=Role.OFFICER, state="MH")
    claims_scopes = live_api.auth.authenticate(f"Bearer {officer}").scopes
    assert "audit:read" not in claims_scopes and "admin" not in claims_scopes
    assert live_api.get("/v1/audit", officer).status_code == 403

"""The OAuth endpoints answer as the document says, whatever the form holds (found by
schemathesis: a scope outside printable ASCII was a 500, authlib refusing to echo it)."""

from __future__ import annotations

import base64

from auth.principal import Role
from tests.plugins.api import LiveApi


def _basic(api: LiveApi) -> dict[str, str]:
    client_id, secret = api.register(agency="CBI", scopes=("persons:search",), role=Role.PARTNER)
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_unprintable_parameters_are_400s_not_500s(live_api: LiveApi) -> None:
    basic = _basic(live_api)
    for path, form, error in (
        (
            "/oauth/token",
            {"grant_type": "client_credentials", "scope": "x\U000e93b5"},
            "invalid_scope",
        ),
        ("/oauth/token", {"grant_type": "\U000e93b5"}, "unsupported_grant_type"),
        (
            "/oauth/introspect",
            {"token": "x", "token_type_hint": "\u00e9"},
            "unsupported_token_type",
        ),
    ):
        response = live_api.http.post(path, data=form, headers=basic)
        assert response.status_code == 400, (path, form, response.text)
        assert response.json()["error"] == error


def test_a_failed_client_authentication_is_401_with_a_challenge(live_api: LiveApi) -> None:
    for headers, form in (
        ({}, {"grant_type": "client_credentials"}),
        (
            {},
            {
                "grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": "not.a.jwt",
            },
        ),
        ({"Authorization": "Basic " + base64.b64encode(b"nobody:wrong").decode()}, {"token": "x"}),
    ):
        path = "/oauth/introspect" if "token" in form else "/oauth/token"
        response = live_api.http.post(path, data=form, headers=headers)
        assert response.status_code == 401, (form, response.text)
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")

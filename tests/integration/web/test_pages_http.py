"""The pages over plain HTTP (no browser): refusals are pages with a 4xx, never a 5xx; the
issuer's authorisation endpoint refuses what RFC 6749 and RFC 7636 say it must; the portal's
and sign-in throttles hold; every page carries its CSP."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from auth.principal import Role
from tests.plugins.api import LiveApi, api_settings_for, start_api
from web.app import SIGNIN_RATE_PER_MINUTE as SIGNIN_RATE
from web.session import SESSION_COOKIE


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, world_backend: object) -> Iterator[LiveApi]:
    settings = api_settings_for(tmp_path_factory.mktemp("pages"), rate_limit_per_minute=100_000)
    with start_api(settings, world_backend, pages=True) as api:  # type: ignore[arg-type]
        yield api


def _cookie(site: LiveApi, role: Role = Role.OFFICER) -> tuple[dict[str, str], str]:
    token = site.app.state.auth.demo.mint(role=role, state="MH", district="PUNE", subject="MH-7")
    sessions = site.app.state.web_sessions
    session = sessions.new(token, "Insp. Test")
    value = sessions.sign(
        {"t": session.token, "c": session.csrf, "s": session.seen, "n": session.name}
    )
    return {"Cookie": f"{SESSION_COOKIE}={value}"}, session.csrf


def _page(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text[-500:]
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_without_a_session_every_console_page_asks_to_sign_in(site: LiveApi) -> None:
    for path in (
        "/console",
        "/console/search",
        "/console/vehicles",
        "/console/noc",
        "/console/audit",
        "/console/profiles/p2_abc",
        "/console/alerts",
    ):
        answer = site.get(path, None)
        assert answer.status_code == 303 and answer.headers["location"] == "/console/login", path
    forged = {"Cookie": f"{SESSION_COOKIE}=eyJ0IjoieCJ9.AAAA"}
    assert site.get("/console/search", None, headers=forged).status_code == 303


def test_bad_input_is_a_page_that_says_what_to_fix(site: LiveApi) -> None:
    headers, csrf = _cookie(site)
    _page(site.get("/console/profiles/not-an-id", None, headers=headers), 404)
    _page(site.get("/console/profiles/p2_forged-and-unknown?purpose=x", None, headers=headers), 404)
    weird = site.get("/console/noc?noc_id=%00%ff", None, headers=headers)
    _page(weird, 200)
    assert "certificate number looks like" in weird.text
    empty = site.post("/console/search", None, headers=headers, data={"csrf": csrf, "name": "x"})
    _page(empty, 422)
    assert "purpose" in empty.text
    year = site.post(
        "/console/search",
        None,
        headers=headers,
        data={"csrf": csrf, "name": "Rajendra", "purpose": "x", "birth_year": "1a"},
    )
    _page(year, 422)
    refused = site.post(
        "/console/search",
        None,
        headers=headers,
        data={"csrf": "guess", "name": "Rajendra Patil", "purpose": "x"},
    )
    _page(refused, 403)
    assert "RAJENDRA" not in refused.text.upper()
    # an alert that is not a number, or not sent to this desk, or a forged CSRF token
    for alert_id, token, status in (("x1", csrf, 404), ("999999", csrf, 404), ("1", "guess", 403)):
        answer = site.post(
            f"/console/alerts/{alert_id}/acknowledge",
            None,
            headers=headers,
            data={"csrf": token, "purpose": "desk review"},
        )
        _page(answer, status)


def test_a_role_without_the_scope_gets_a_page_saying_so(site: LiveApi) -> None:
    headers, _ = _cookie(site, Role.OFFICER)
    denied = site.get("/console/audit", None, headers=headers)
    _page(denied, 403)
    assert "<table" not in denied.text


def test_the_authorisation_endpoint_refuses_what_it_must(site: LiveApi) -> None:
    good = {
        "response_type": "code",
        "client_id": "icjs-console",
        "redirect_uri": "/console/callback",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
        "state": "s",
    }
    _page(site.get("/oauth/authorize", None, params=good), 200)
    for change in (
        {"client_id": "evil"},
        {"redirect_uri": "https://evil.example/cb"},
        {"redirect_uri": "/console/callback/../x"},
        {"code_challenge_method": "plain"},
        {"code_challenge": ""},
        {"response_type": "token"},
    ):
        _page(site.get("/oauth/authorize", None, params={**good, **change}), 400)
    wrong = site.post(
        "/oauth/authorize", None, data={**good, "officer_id": "nobody", "password": "x" * 12}
    )
    _page(wrong, 401)
    _page(site.get("/console/callback?code=x&state=y", None), 400)


def test_the_sign_in_form_is_throttled_per_address(site: LiveApi) -> None:
    form = {
        "response_type": "code",
        "client_id": "icjs-console",
        "redirect_uri": "/console/callback",
        "code_challenge": "x" * 43,
        "code_challenge_method": "S256",
        "state": "s",
        "officer_id": "nobody",
        "password": "x" * 12,
    }
    answers = [site.post("/oauth/authorize", None, data=form) for _ in range(SIGNIN_RATE + 5)]
    assert answers[0].status_code == 401
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled, [a.status_code for a in answers]
    _page(throttled[0], 429)
    assert "wait a minute" in throttled[0].text


def test_a_chassis_that_does_not_match_reveals_no_status(site: LiveApi) -> None:
    wrong = site.post(
        "/public/noc", None, data={"registration_no": "MH12AB1234", "chassis_tail": "99999"}
    )
    _page(wrong, 422)
    assert "do not match the registration" in wrong.text
    assert "NOT_CLEAR" not in wrong.text and "STOLEN" not in wrong.text.upper()
    right = site.post(
        "/public/noc", None, data={"registration_no": "MH12AB1234", "chassis_tail": "23456"}
    )
    _page(right, 201)
    assert "NOT_CLEAR" in right.text


def test_the_portal_is_throttled_per_address(site: LiveApi) -> None:
    statuses = [
        site.post(
            "/public/noc", None, data={"registration_no": "MH12AB1234", "chassis_tail": "12"}
        ).status_code
        for _ in range(25)
    ]
    assert statuses[0] == 422 and 429 in statuses
    # the certificate PDF of an unknown id is a page, not a crash
    assert site.get("/public/noc/noc_" + "0" * 32 + ".pdf", None).status_code in (404, 429)

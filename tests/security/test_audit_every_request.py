"""Every request is audited, whatever its body, before any handler runs (OWASP API8/API10's
logging side; the hash chain itself: `tests/unit/auth/test_audit`).

Each request gets an entry with decision `received` before any handler runs (route, client
address, user agent, the body as read) and one when its answer starts (status, caller, purpose,
records). If either cannot be written the caller gets 503 and, for the first, no handler runs.
Text from the request is stored with control characters escaped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import Request

from indexer.backends.base import Backend
from tests.plugins.api import LiveApi, api_settings_for, start_api


@pytest.fixture
def api(tmp_path: Path, world_backend: Backend) -> Iterator[LiveApi]:
    with start_api(api_settings_for(tmp_path), world_backend) as live:
        yield live


def test_an_entry_exists_before_the_handler_runs(api: LiveApi) -> None:
    seen: dict[str, list[str]] = {}

    def spy(request: Request) -> dict[str, str]:
        rid = request.state.request_id
        seen[rid] = [e.decision for e in api.auth.audit.entries() if e.request_id == rid]
        return {"ok": "yes"}

    api.app.add_api_route("/spy", spy, methods=["GET"])
    response = api.get("/spy", None, headers={"X-Request-ID": "before-handler-01"})
    assert response.status_code == 200
    assert seen["before-handler-01"] == ["received"]
    after = [e for e in api.auth.audit.entries() if e.request_id == "before-handler-01"]
    assert sorted(e.decision for e in after) == ["allow", "received"]


def test_no_handler_runs_when_the_audit_cannot_be_written(
    api: LiveApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[bool] = []

    def sensitive() -> dict[str, str]:
        ran.append(True)
        return {"secret": "data"}

    def full_disk(event: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    api.app.add_api_route("/sensitive", sensitive, methods=["GET"])
    monkeypatch.setattr(api.auth.audit, "append", full_disk)
    response = httpx.get(api.url + "/sensitive")  # not through api.http: it is not audited
    assert response.status_code == 503 and "audit" in response.json()["detail"]
    assert response.headers["retry-after"]
    assert ran == [] and "secret" not in response.text


def test_entries_name_the_route_template_the_client_and_escape_what_it_sent(
    api: LiveApi,
) -> None:
    officer = api.officer()
    response = api.post(
        "/v1/persons/search",
        officer,
        headers={"User-Agent": "probe\x1b[31m/1.0", "X-Request-ID": "escape-check-001"},
        json={"name": "A\u001bB", "purpose": "test\u0007"},
    )
    assert response.status_code == 422  # control characters are refused in a name
    entries = [e for e in api.auth.audit.entries() if e.request_id == "escape-check-001"]
    assert {e.decision for e in entries} == {"received", "error"}
    for entry in entries:
        assert entry.route == "/v1/persons/search"
        assert entry.client_address == "127.0.0.1"
        assert entry.user_agent == "probe\\x1b[31m/1.0"
        assert entry.query["body"]["name"] == "A\\x1bB"
    profile = api.get(
        "/v1/persons/p2_eJyLjgUAARUAuQ", officer, headers={"X-Request-ID": "tmpl-0001"}
    )
    assert profile.status_code in (404, 422)
    routes = {e.route for e in api.auth.audit.entries() if e.request_id == "tmpl-0001"}
    assert routes == {"/v1/persons/{profile_id}"}
    assert api.auth.audit.verify().ok


def test_every_request_kind_is_audited_twice(api: LiveApi) -> None:
    officer = api.officer()
    calls = [
        api.get("/healthz", None),
        api.get("/no/such/path", None),
        api.http.put("/v1/persons/search"),
        api.post("/v1/persons/search", None, json={"name": "A", "purpose": "abc"}),
        api.post("/v1/persons/search", officer, json={"name": "Rajendra", "purpose": "abc"}),
        api.http.post("/oauth/token", data={"grant_type": "client_credentials"}),
        api.post(
            "/v1/persons/search",
            officer,
            content=b"\xff",
            headers={"content-type": "application/json"},
        ),
    ]
    for response in calls:
        rid = response.headers["x-request-id"]
        decisions = sorted(e.decision for e in api.auth.audit.entries() if e.request_id == rid)
        assert len(decisions) == 2 and decisions[-1] == "received", (response.url, decisions)

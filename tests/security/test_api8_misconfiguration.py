"""API8 (security misconfiguration): headers, errors, proxies, logs.

- every response carries `X-Content-Type-Options`, a restrictive CSP, `Referrer-Policy`; personal
  data is `Cache-Control: no-store`; HSTS is an option (`api.hsts_max_age_s`);
- an internal error is a problem document naming the request id, never a traceback, and is
  logged (formatted off the event loop) with its traceback in a structured field;
- `X-Forwarded-For` is believed only from `api.trusted_proxies` (none by default), so a client
  cannot pick its audited address; `icjs serve` does not let uvicorn believe it either;
- log lines are structured, with control characters escaped (NUL, ESC never reach the log).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from indexer.backends.base import Backend
from tests.plugins.api import LiveApi, api_settings_for, start_api
from tests.security.serve import icjs_serve

SEARCH = {"name": "Rajendra Patil", "purpose": "headers test"}


def _responses(api: LiveApi) -> dict[str, httpx.Response]:
    officer = api.officer()
    return {
        "search": api.post("/v1/persons/search", officer, json=SEARCH),
        "vehicles": api.post(
            "/v1/vehicles/search", officer, json={"registration_no": "MH12AB1234", "purpose": "x1"}
        ),
        "401": api.post("/v1/persons/search", None, json=SEARCH),
        "404": api.get("/no/such/path", None),
        "422": api.post("/v1/persons/search", officer, json={"name": "A"}),
        "400": api.post(
            "/v1/persons/search",
            officer,
            content=b'{"name":"\\ud800"}',
            headers={"content-type": "application/json"},
        ),
        "token": api.http.post("/oauth/token", data={"grant_type": "client_credentials"}),
        "healthz": api.get("/healthz", None),
        "openapi": api.get("/openapi.json", None),
    }


def test_security_headers_on_every_response(live_api: LiveApi) -> None:
    for name, response in _responses(live_api).items():
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", name
        assert headers["referrer-policy"] == "no-referrer", name
        assert headers["x-frame-options"] == "DENY", name
        assert "frame-ancestors 'none'" in headers["content-security-policy"], name
        assert "strict-transport-security" not in headers, name  # not configured here
        assert "x-request-id" in headers, name
    for name in ("search", "vehicles", "401", "422", "token"):
        assert _responses(live_api)[name].headers["cache-control"] == "no-store", name
    # A response that sets its own caching keeps it: the public keys may be cached.
    jwks = live_api.get("/.well-known/jwks.json", None)
    assert jwks.headers["cache-control"].startswith("public")
    # The interactive docs run Swagger UI's script, from this server only.
    docs = live_api.get("/docs", None)
    assert docs.status_code == 200
    assert "default-src 'self'" in docs.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]


def test_hsts_when_configured(tmp_path: Path, world_backend: Backend) -> None:
    settings = api_settings_for(tmp_path, hsts_max_age_s=31536000)
    with start_api(settings, world_backend) as api:
        response = api.get("/healthz", None)
        assert response.headers["strict-transport-security"] == "max-age=31536000"


@pytest.fixture
def broken_api(tmp_path: Path, world_backend: Backend) -> Iterator[LiveApi]:
    """A server with one route that fails with internals in its exception."""

    def boom() -> None:
        raise RuntimeError("secret internals: /etc/icjs/keys, password=hunter2")

    with start_api(api_settings_for(tmp_path), world_backend) as api:
        api.app.add_api_route("/boom", boom, methods=["GET"])
        yield api


def test_an_internal_error_shows_no_internals(broken_api: LiveApi) -> None:
    response = broken_api.get("/boom", None, headers={"X-Request-ID": "boom-request-0001"})
    assert response.status_code == 500
    problem = response.json()
    assert problem["request_id"] == "boom-request-0001"
    assert "boom-request-0001" in problem["detail"]
    for leaked in ("Traceback", "RuntimeError", "hunter2", "/etc/icjs", ".py"):
        assert leaked not in response.text
    entries = [e for e in broken_api.auth.audit.entries() if e.request_id == "boom-request-0001"]
    assert sorted(e.decision for e in entries) == ["error", "received"]


def test_forwarded_for_is_believed_only_from_trusted_proxies(
    live_api: LiveApi, tmp_path: Path, world_backend: Backend
) -> None:
    spoofed = {"X-Forwarded-For": "203.0.113.7", "X-Request-ID": "xff-untrusted-0001"}
    live_api.post("/v1/persons/search", live_api.officer(), headers=spoofed, json=SEARCH)
    [entry, *_] = [e for e in live_api.auth.audit.entries() if e.request_id == "xff-untrusted-0001"]
    assert entry.client_address == "127.0.0.1"

    settings = api_settings_for(tmp_path, trusted_proxies=["127.0.0.1/32"])
    with start_api(settings, world_backend) as api:
        chain = {
            "X-Forwarded-For": "198.51.100.1, 203.0.113.7, 127.0.0.1",
            "X-Request-ID": "xff-trusted-00001",
        }
        api.post("/v1/persons/search", api.officer(), headers=chain, json=SEARCH)
        [entry, *_] = [e for e in api.auth.audit.entries() if e.request_id == "xff-trusted-00001"]
        # The right-most address that is not a trusted proxy: the client cannot prepend its own.
        assert entry.client_address == "203.0.113.7"


def test_icjs_serve_logs_structured_escaped_lines_and_ignores_forwarded_for(
    tmp_path: Path,
) -> None:
    hostile_agent = "evil\x1b[2J\x1b[31m agent"
    with icjs_serve(tmp_path, "--log-json") as served:
        response = httpx.post(
            served.url + "/v1/persons/search%00%1b[2J",
            headers={
                "X-Forwarded-For": "203.0.113.9",
                "User-Agent": hostile_agent,
                "X-Request-ID": "log-escape-00001",
            },
            json={"name": "A\x00B"},
        )
        assert response.status_code in (401, 404, 405)
        boom = httpx.post(
            served.url + "/oauth/token",
            headers={"Authorization": "Basic //46/w==", "User-Agent": hostile_agent},
            data={"grant_type": "client_credentials"},
        )
        assert boom.status_code == 401
    raw = served.output
    assert "\x1b" not in raw and "\x00" not in raw, "control characters reached the log"
    lines = [json.loads(line) for line in raw.splitlines() if line.startswith("{")]
    request = next(x for x in lines if x.get("request_id") == "log-escape-00001")
    assert request["client"] == "127.0.0.1"  # not the forwarded address
    assert "\\x00" in request["path"] and "\\x1b" in request["path"]
    assert "Traceback" not in raw and "UnicodeDecodeError" not in raw
    from state.audit import AuditLog

    audit = AuditLog(tmp_path / "audit.db")
    try:
        [answer] = [
            e
            for e in audit.entries()
            if e.request_id == "log-escape-00001" and e.decision != "received"
        ]
        assert answer.client_address == "127.0.0.1"
        assert answer.user_agent == "evil\\x1b[2J\\x1b[31m agent"
        assert audit.verify().ok
    finally:
        audit.close()


def test_icjs_serve_parses_http_with_h11_even_where_httptools_is_installed(
    tmp_path: Path,
) -> None:
    """uvicorn's default takes httptools whenever it can import it, and httptools answers some
    requests the app would audit with a bare 400 of its own, before the app runs.
    Here an `httptools` that fails loudly when imported is on the path: the server must not
    even import it, and the hostile request must reach the app and its audit."""
    fake = tmp_path / "site"
    (fake / "httptools").mkdir(parents=True)
    (fake / "httptools" / "__init__.py").write_text(
        'raise RuntimeError("icjs serve imported httptools")\n'
    )
    with icjs_serve(tmp_path, PYTHONPATH=str(fake)) as served:
        response = httpx.post(
            served.url + "/v1/persons/search",
            headers={"User-Agent": "evil\x1b[2J agent", "X-Request-ID": "h11-only-000001"},
            json=SEARCH,
        )
        assert response.status_code == 401  # the app's answer: no token
    assert "icjs serve imported httptools" not in served.output
    from state.audit import AuditLog

    audit = AuditLog(tmp_path / "audit.db")
    try:
        assert any(e.request_id == "h11-only-000001" for e in audit.entries())
    finally:
        audit.close()

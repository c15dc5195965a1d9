"""Problem documents for every error, request ids, bounds, rate limits, probes and metrics."""

from __future__ import annotations

import uuid

import httpx

import matching
from config import Settings
from indexer.backends.base import Backend, Health
from tests.plugins.api import LiveApi, api_settings_for, start_api

PROBLEM = "application/problem+json"


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, object] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


def test_probes(live_api: LiveApi) -> None:
    assert live_api.http.get("/healthz").json() == {"status": "ok", "detail": None}
    ready = live_api.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"


def test_readiness_fails_when_the_backend_is_unhealthy(
    tmp_path: object, world_backend: Backend
) -> None:
    class Unhealthy:
        """The real backend, reporting itself unhealthy (a dead cluster is costly to stage)."""

        def __getattr__(self, name: str) -> object:
            return getattr(world_backend, name)

        def health(self) -> Health:
            return Health(ok=False, detail="cluster red")

    settings = api_settings_for(tmp_path)
    with start_api(settings, Unhealthy()) as api:  # type: ignore[arg-type]
        body = assert_problem(api.http.get("/readyz"), 503)
        assert "cluster red" in str(body["detail"])
        assert api.http.get("/healthz").status_code == 200


def test_unknown_path_and_wrong_method(live_api: LiveApi) -> None:
    assert_problem(live_api.http.get("/v1/nothing-here"), 404)
    body = assert_problem(live_api.http.delete("/v1/persons/search"), 405)
    assert "POST" in str(body["detail"])


def test_validation_errors_say_what_to_fix(live_api: LiveApi) -> None:
    token = live_api.officer()
    response = live_api.post(
        "/v1/persons/search",
        token,
        json={"name": "x" * 121, "limit": 101, "purpose": "case 1", "colour": "red"},
    )
    body = assert_problem(response, 422)
    fields = {e["field"]: e["message"] for e in body["errors"]}  # type: ignore[attr-defined]
    assert set(fields) == {"name", "limit", "colour"}
    assert "120" in fields["name"] and "100" in fields["limit"]
    assert "not a known field" in fields["colour"]
    assert "x" * 121 not in response.text, "values sent are not echoed back"
    missing = assert_problem(live_api.post("/v1/persons/search", token, json={"name": "A"}), 422)
    assert "purpose: is required" in str(missing["detail"])
    both = assert_problem(
        live_api.post(
            "/v1/persons/search",
            token,
            json={"name": "A", "age": 30, "birth_year": 1990, "purpose": "case 1"},
        ),
        422,
    )
    assert "birth_year or age" in str(both["detail"])
    for marker in ("S/O", "urf", "@"):
        no_name = assert_problem(
            live_api.post("/v1/persons/search", token, json={"name": marker, "purpose": "case 1"}),
            422,
        )
        assert "write the person's name" in str(no_name["detail"])
    titled = live_api.post("/v1/persons/search", token, json={"name": "Shri", "purpose": "c 1"})
    assert titled.status_code == 200, "a title alone is read as a name (`Shri` is one too)"
    broken = live_api.http.post(
        "/v1/persons/search",
        content=b"{not json",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    assert "not valid JSON" in str(assert_problem(broken, 422)["detail"])


def test_request_body_is_capped(live_api: LiveApi) -> None:
    response = live_api.post(
        "/v1/persons/search",
        live_api.officer(),
        content=b'{"name": "' + b"a" * 70_000 + b'"}',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413)


def test_request_id_is_kept_or_made(live_api: LiveApi) -> None:
    mine = f"req-{uuid.uuid4().hex}"
    response = live_api.http.get("/healthz", headers={"X-Request-ID": mine})
    assert response.headers["x-request-id"] == mine
    made = live_api.http.get("/healthz", headers={"X-Request-ID": "bad id\twith junk"})
    assert made.headers["x-request-id"] != "bad id\twith junk"
    assert len(made.headers["x-request-id"]) >= 16


def test_unexpected_errors_leak_nothing(api_settings: Settings, world_backend: Backend) -> None:
    with start_api(api_settings, world_backend) as api:

        def explode() -> None:
            raise RuntimeError("secret internal state: password=hunter2")

        api.app.add_api_route("/explode", explode)
        response = api.http.get("/explode")
        body = assert_problem(response, 500)
        assert "hunter2" not in response.text and "RuntimeError" not in response.text
        assert str(body["request_id"]) in str(body["detail"])


def test_per_officer_rate_limit(api_settings: Settings, world_backend: Backend) -> None:
    settings = api_settings.model_copy(
        update={"api": api_settings.api.model_copy(update={"rate_limit_per_minute": 60})}
    )
    with start_api(settings, world_backend) as api:
        body = {"name": "Rajendra Patil", "purpose": "rate limit test"}
        first, second = api.officer(subject="officer-1"), api.officer(subject="officer-2")
        statuses = [api.post("/v1/persons/search", first, json=body).status_code for _ in range(8)]
        assert statuses[:6] == [200] * 6, statuses  # the burst: a tenth of a minute, at least 5
        assert 429 in statuses[6:]
        limited = api.post("/v1/persons/search", first, json=body)
        problem = assert_problem(limited, 429)
        assert int(limited.headers["retry-after"]) >= 1
        assert "officer-1" in str(problem["detail"])
        # Another officer has their own allowance.
        assert api.post("/v1/persons/search", second, json=body).status_code == 200


def test_per_client_rate_limit(api_settings: Settings, world_backend: Backend) -> None:
    settings = api_settings.model_copy(
        update={"api": api_settings.api.model_copy(update={"rate_limit_per_minute": 60})}
    )
    with start_api(settings, world_backend) as api:
        client_id, secret = api.register(agency="NIA")
        token = api.client_token(client_id, secret)
        other = api.client_token(client_id, secret)  # a second token draws from the same bucket
        body = {"name": "Rajendra Patil", "purpose": "rate limit test"}
        statuses = [
            api.post("/v1/persons/search", t, json=body).status_code for t in [token, other] * 4
        ]
        assert statuses.count(429) >= 1 and statuses[:6] == [200] * 6, statuses


def test_per_address_limit_holds_unauthenticated_floods(
    api_settings: Settings, world_backend: Backend
) -> None:
    settings = api_settings.model_copy(
        update={"api": api_settings.api.model_copy(update={"rate_limit_per_minute": 10})}
    )
    with start_api(settings, world_backend) as api:
        statuses = [
            api.http.post("/v1/persons/search", json={"name": "A"}).status_code for _ in range(12)
        ]
        assert statuses[0] == 401 and statuses[-1] == 429, statuses
        assert api.http.get("/healthz").status_code == 200, "probes are never limited"


def test_metrics_count_requests(live_api: LiveApi) -> None:
    live_api.http.get("/healthz")
    text = live_api.http.get("/metrics").text
    assert 'icjs_http_requests_total{method="GET",route="/healthz",status="200"}' in text
    assert "icjs_http_request_duration_seconds_bucket" in text
    # operators see whether this node runs the matcher compiled (half the rescoring time)
    assert f"icjs_matcher_compiled {1.0 if matching.compiled() else 0.0}" in text

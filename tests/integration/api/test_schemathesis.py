"""Property-based requests from the OpenAPI document: no input makes the server answer 5xx.

Small example counts keep it quick on two shared cores; what matters is that every operation,
including the security layer's, is exercised with generated bodies, paths and parameters, with
and without a valid token.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.openapi.loaders import from_url

from auth.principal import Role
from config import Settings
from indexer.backends.base import Backend
from tests.plugins.api import LiveApi, start_api


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory, world_backend: Backend) -> Iterator[LiveApi]:
    from tests.plugins.api import api_settings_for

    settings: Settings = api_settings_for(
        tmp_path_factory.mktemp("fuzz"), rate_limit_per_minute=1_000_000
    )
    with start_api(settings, world_backend) as api:
        yield api


def _operations(api: LiveApi) -> list[tuple[str, Any]]:
    schema = from_url(f"{api.url}/openapi.json")
    return [
        (f"{op.method.upper()} {op.path}", op)
        for op in (r.ok() for r in schema.get_all_operations())
    ]


def test_no_server_errors(fuzz_api: LiveApi) -> None:
    """Every operation, generated inputs, a valid supervisor token: never a 5xx.

    (Schemathesis' lazy `from_fixture` loader does not run under pytest 9, so the operations
    are driven directly through their Hypothesis strategies.)"""
    token = fuzz_api.officer(role=Role.SUPERVISOR, clearances=["sensitive"])
    headers = {"Authorization": f"Bearer {token}"}
    operations = _operations(fuzz_api)
    assert len(operations) >= 12
    for name, operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=fuzz_api.url, headers=headers, checks=[not_a_server_error]
            )

        try:
            run()
        except Exception as exc:
            raise AssertionError(f"{name}: {exc}") from exc


def test_openapi_document_is_complete(fuzz_api: LiveApi) -> None:
    doc = fuzz_api.http.get("/openapi.json").json()
    ours = {
        ("post", "/v1/persons/search"): "persons:search",
        ("get", "/v1/persons/{profile_id}"): "persons:read",
        ("post", "/v1/persons/{profile_id}/decisions"): "persons:decide",
        ("post", "/v1/vehicles/search"): "vehicles:search",
        ("post", "/v1/noc/vehicle"): "noc:issue",
        ("get", "/v1/noc/{noc_id}"): "noc:read",
        ("get", "/v1/sync/status"): "sync:read",
    }
    for (method, path), scope in ours.items():
        operation = doc["paths"][path][method]
        assert operation["summary"] and operation["tags"] and operation["description"]
        assert operation["security"] == [{"bearer": [scope]}]
        for status in ("401", "403", "429"):
            problem = operation["responses"][status]
            assert "application/problem+json" in problem["content"]
    for path in ("/healthz", "/readyz", "/metrics"):
        assert doc["paths"][path]["get"]["summary"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"

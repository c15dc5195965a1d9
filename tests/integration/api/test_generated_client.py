"""A partner's client, generated from the running server's `/openapi.json` by
`openapi-python-client` (as the README tells partners to), does the partner's work: gets a token,
searches a person and opens the profile, searches a vehicle, issues a NOC and re-checks it, and
receives every error as a typed model (`Problem`, `ValidationProblem`), never `None` or an
exception from inside the client.
"""

from __future__ import annotations

import base64
import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from auth.principal import Role
from indexer.backends.base import Backend
from tests.plugins.api import LiveApi, api_settings_for, fresh_sync_state, start_api

PACKAGE = "icjs_partner_client"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, world_backend: Backend) -> Iterator[LiveApi]:
    settings = api_settings_for(tmp_path_factory.mktemp("client-api"), rate_limit_per_minute=60)
    fresh_sync_state(settings.sync.state_path)
    with start_api(settings, world_backend) as api:
        yield api


@pytest.fixture(scope="module")
def client(served: LiveApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    """The client package, generated into a temporary directory and imported from there."""
    root = tmp_path_factory.mktemp("generated")
    document = root / "openapi.json"
    document.write_bytes(httpx.get(f"{served.url}/openapi.json").content)
    # the generator reads binary bodies as application/octet-stream only (the docket is a PDF)
    config = root / "config.json"
    config.write_text('{"content_type_overrides": {"application/pdf": "application/octet-stream"}}')
    bin_dir = str(Path(sys.executable).parent)
    done = subprocess.run(
        [
            str(Path(bin_dir) / "openapi-python-client"),
            "generate",
            "--path",
            str(document),
            "--meta",
            "none",
            "--config",
            str(config),
            "--output-path",
            str(root / PACKAGE),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def _token(served: LiveApi, role: Role, scopes: list[str]) -> str:
    """A token from the generated client's `get_token`, with HTTP Basic client credentials."""
    client_id, secret = served.register(agency="CBI", scopes=scopes, role=role)
    models = _module("models")
    plain = _module("client").Client(
        base_url=served.url, headers={"Authorization": _basic(client_id, secret)}
    )
    answer = _module("api.oauth2.get_token").sync(
        client=plain, body=models.TokenRequest(grant_type="client_credentials")
    )
    assert isinstance(answer, models.TokenResponse), answer
    assert set(answer.scope.split()) == set(scopes)
    token: str = answer.access_token
    return token


def test_a_partner_searches_a_person_and_a_vehicle(served: LiveApi, client: ModuleType) -> None:
    models = _module("models")
    token = _token(
        served, Role.PARTNER, ["persons:search", "persons:read", "vehicles:search", "noc:read"]
    )
    api = client.AuthenticatedClient(base_url=served.url, token=token)

    found = _module("api.persons.search_persons").sync(
        client=api,
        body=models.PersonSearchRequest(name="Rajendra Patil", purpose="FIR 0123/2024 test"),
    )
    assert isinstance(found, models.PersonSearchResponse), found
    assert found.profiles and found.profiles[0].records
    best = found.profiles[0]
    assert isinstance(best.records[0].kind, models.Kind)
    assert isinstance(best.records[0].fields, models.RecordFields)
    profile = _module("api.persons.get_profile").sync(
        client=api, profile_id=best.profile_id, purpose="FIR 0123/2024 test"
    )
    assert isinstance(profile, models.ProfileReadOut) and profile.profile_id == best.profile_id

    vehicle = _module("api.vehicles.search_vehicles").sync(
        client=api,
        body=models.VehicleSearchRequest(registration_no="KA-05-MN-4321", purpose="checkpoint"),
    )
    assert isinstance(vehicle, models.VehicleSearchResponse), vehicle
    assert vehicle.vehicles[0].registration_no == "KA05MN4321"
    assert vehicle.vehicles[0].blacklisted is True
    assert vehicle.vehicles[0].match == models.MatchKind.EXACT
    assert vehicle.live_lookup == models.LiveLookup.NOT_NEEDED  # the index holds it


def test_the_noc_service_issues_and_rechecks_a_noc(served: LiveApi, client: ModuleType) -> None:
    models = _module("models")
    token = _token(served, Role.NOC_SERVICE, ["noc:issue", "noc:read"])
    api = client.AuthenticatedClient(base_url=served.url, token=token)
    issued = _module("api.noc.issue_noc").sync_detailed(
        client=api,
        body=models.NocRequest(
            registration_no="DL 03 CAB 0007",
            chassis_no="MBHCZC63SKJ700007",
            purpose="inter-state transfer",
        ),
    )
    assert issued.status_code == 201
    noc = issued.parsed
    assert isinstance(noc, models.NocOut), noc
    assert noc.decision == models.Decision.CLEAR, noc.reasons
    assert issued.headers["location"] == f"/v1/noc/{noc.noc_id}"
    again = _module("api.noc.get_noc").sync(client=api, noc_id=noc.noc_id)
    assert isinstance(again, models.NocCheckOut), again
    assert again.status == models.NocStatus.VALID and again.certificate_valid is True
    assert again.changed is False


def test_errors_arrive_as_typed_problems(served: LiveApi, client: ModuleType) -> None:
    models = _module("models")
    search = _module("api.persons.search_persons")
    body = models.PersonSearchRequest(name="Rajendra Patil", purpose="typed errors")

    stranger = client.AuthenticatedClient(base_url=served.url, token="not-a-token")
    denied = search.sync_detailed(client=stranger, body=body)
    assert denied.status_code == 401 and isinstance(denied.parsed, models.Problem)
    assert denied.parsed.status == 401 and "www-authenticate" in denied.headers

    officer = client.AuthenticatedClient(
        base_url=served.url, token=served.officer(subject="typed-errors")
    )
    missing = _module("api.persons.get_profile").sync(
        client=officer, profile_id="p2_bm90aGluZyB3ZSBpc3N1ZWQgZXZlcg", purpose="typed errors"
    )
    assert isinstance(missing, models.Problem) and missing.status == 404

    invalid = search.sync(
        client=officer, body=models.PersonSearchRequest(name="S/O", purpose="typed errors")
    )
    assert isinstance(invalid, models.ValidationProblem), invalid
    assert [e.field for e in invalid.errors] == ["name"]
    # a 422 on a GET (query parameters) is the same typed problem, not an exception
    supervisor = client.AuthenticatedClient(
        base_url=served.url, token=served.officer(role=Role.SUPERVISOR, subject="typed-audit")
    )
    bad_page = _module("api.audit.list_audit_entries").sync(client=supervisor, limit=0)
    assert isinstance(bad_page, models.ValidationProblem), bad_page
    assert bad_page.errors[0].field == "limit"

    limited = None
    for _ in range(20):  # the per-caller limit: 60 a minute, a burst of at most a tenth
        answer = search.sync_detailed(client=officer, body=body)
        if answer.status_code == 429:
            limited = answer
            break
    assert limited is not None, "the rate limit never answered"
    assert isinstance(limited.parsed, models.Problem) and limited.parsed.status == 429
    assert int(limited.headers["retry-after"]) >= 1

"""The OpenAPI document against the running server, as a partner would test it: schemathesis's
command line with every check, positive and negative data, and stateful runs along the
document's links, for every role and without a token. Zero failures.

Every check means: no 5xx; every status, content type, header and body as documented; what
the schema allows is accepted (2xx, or the refusals a valid request can still get: 401, 403,
404, 429); what it forbids is refused with a 4xx; a required header missing is refused; an
undocumented method is a 405 with `Allow`; an operation that needs a token refuses the request
without it. The examples phase sends the document's own examples; the coverage phase each
boundary (lengths, bounds, enum values, patterns, missing and extra fields); the stateful phase
follows links (a search's profile id opens the profile, a NOC issued is re-checked).

Each role runs with the credentials its kind of caller uses: officers, supervisors, auditors and
operators an officer token; partner systems and the NOC service a token from the running
server's OAuth2 endpoint, and their client id and secret on the OAuth endpoints themselves.
Example counts are small and seeded (deterministic): together about a couple of minutes on two
shared cores.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from auth.principal import Role
from config import Settings
from indexer.backends.base import Backend
from tests.plugins.api import LiveApi, api_settings_for, fresh_sync_state, start_api

ROLES = ["none", "officer", "supervisor", "partner", "noc_service", "auditor", "admin"]
MAX_EXAMPLES = 6
SEED = 20261206


@pytest.fixture(scope="module")
def fuzz_api(tmp_path_factory: pytest.TempPathFactory, world_backend: Backend) -> Iterator[LiveApi]:
    settings: Settings = api_settings_for(
        tmp_path_factory.mktemp("fuzz"),
        rate_limit_per_minute=10_000_000,
        auth={"token_rate_per_minute": 10_000_000, "lockout_failures": 1000},
    )
    fresh_sync_state(settings.sync.state_path)
    with start_api(settings, world_backend) as api:
        yield api


def credentials(api: LiveApi, role: str) -> dict[str, dict[str, str]]:
    """The schemathesis `auth.openapi` table for `role`: one entry per security scheme."""
    if role == "none":
        return {}
    if role in (Role.PARTNER, Role.NOC_SERVICE):
        scopes = sorted(api.auth.policy.role_scopes(Role(role)))
        client_id, secret = api.register(agency="CBI", scopes=scopes, role=Role(role))
        return {
            "partnerOAuth2": {"bearer": api.client_token(client_id, secret)},
            "clientSecretBasic": {"username": client_id, "password": secret},
        }
    token = api.officer(role=Role(role), clearances=["sensitive"])
    return {"officerBearer": {"bearer": token}}


def _toml(value: Any) -> str:
    return json.dumps(value)  # a JSON string or number is a TOML one


def config(api: LiveApi, role: str) -> str:
    lines = [
        f"base-url = {_toml(api.url)}",
        f"seed = {SEED}",
        "request-timeout = 60",
        # Hypothesis' health checks time generation; on shared CI cores that would be a flake
        'suppress-health-check = ["all"]',
        "[cache]",  # nothing written into the working directory
        "enabled = false",
        "[generation]",
        'mode = "all"',
        f"max-examples = {MAX_EXAMPLES}",
        "deterministic = true",
        'database = "none"',
        "[checks]",
        "enabled = true",
    ]
    for scheme, values in credentials(api, role).items():
        lines.append(f"[auth.openapi.{scheme}]")
        lines += [f"{key} = {_toml(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def schemathesis(api: LiveApi, settings: Path, *options: str) -> str:
    """Run `schemathesis run` against the server; fail with its report unless it passes."""
    st = Path(sys.executable).parent / "schemathesis"
    done = subprocess.run(
        [
            str(st),
            "--config-file",
            str(settings),
            "--no-color",
            "run",
            f"{api.url}/openapi.json",
            *options,
        ],
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "SCHEMATHESIS_HOOKS": ""},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-12_000:]
    assert " passed" in output and not re.search(r"\d+ failed", output), output[-3_000:]
    return output


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_the_document_holds_for_every_role(fuzz_api: LiveApi, role: str, tmp_path: Path) -> None:
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(config(fuzz_api, role))
    output = schemathesis(
        fuzz_api,
        settings,
        "--checks",
        "all",
        "--mode",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
    )
    selected = re.search(r"Selected: (\d+)/(\d+)", output)
    tested = re.search(r"Tested: (\d+)", output)
    assert selected and tested and selected[1] == selected[2] == tested[1], "every operation"


@pytest.mark.slow
def test_unreadable_basic_credentials_are_never_a_server_error(
    fuzz_api: LiveApi, tmp_path: Path
) -> None:
    """The probes' malformed Basic header (not base64 of UTF-8) was a 500 that held the event
    loop for seconds: on every operation it is a 4xx now."""
    settings = tmp_path / "schemathesis.toml"
    settings.write_text(config(fuzz_api, "none"))
    schemathesis(
        fuzz_api,
        settings,
        "--checks",
        "not_a_server_error",
        "--phases",
        "fuzzing",
        "-H",
        "Authorization: Basic //46/w==",
    )

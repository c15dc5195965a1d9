"""Issue 7's "done when", with the real command line and the real server:

a partner client created with `icjs clients create` gets a token (authlib's client, OAuth2
client credentials) and searches; an officer token from `icjs token officer` searches within
its policy; the NOC service issues a certificate that verifies offline against the published
keys; `icjs audit verify` finds the chain intact.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jws
from joserfc.jwk import KeySet

from config import Settings
from indexer.backends.base import Backend
from tests.plugins.api import start_api


def icjs(settings: Settings, *args: str) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ICJS_")},
        "ICJS_AUTH__DB_PATH": str(settings.auth.db_path),
        "ICJS_AUTH__KEYS_DIR": str(settings.auth.keys_dir),
        "ICJS_AUTH__AUDIT_PATH": str(settings.auth.audit_path),
        "ICJS_AUTH__ISSUER": settings.auth.issuer,
    }
    done = subprocess.run(
        [str(Path(sys.executable).parent / "icjs"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_done_when(api_settings: Settings, world_backend: Backend) -> None:
    with start_api(api_settings, world_backend) as api:
        created = json.loads(
            icjs(
                api_settings,
                "clients", "create", "--agency", "CBI",
                "--scopes", "persons:search,persons:read", "--json",
            )
        )  # fmt: skip
        with OAuth2Client(
            created["client_id"],
            created["client_secret"],
            token_endpoint_auth_method="client_secret_basic",
        ) as oauth:
            oauth.fetch_token(f"{api.url}/oauth/token", grant_type="client_credentials")
            partner = oauth.post(
                f"{api.url}/v1/persons/search",
                json={"name": "Rajendra Patil", "purpose": "CBI case RC-12/2024"},
            )
        assert partner.status_code == 200, partner.text
        assert partner.json()["profiles"]

        officer = icjs(api_settings, "token", "officer", "--role", "officer", "--state", "KA")
        officer = officer.strip()
        assert officer.count(".") == 2, "the bare token, for TOKEN=$(icjs token officer …)"
        seen = api.post(
            "/v1/persons/search",
            officer,
            json={"name": "Rajendra Shankar Patil", "purpose": "FIR 42/2024 PS Jayanagar"},
        )
        assert seen.status_code == 200
        assert "GANESH PETH" not in seen.text, "outside the officer's state: no address"

        noc_client = json.loads(
            icjs(
                api_settings,
                "clients", "create", "--agency", "Parivahan",
                "--role", "noc_service", "--scopes", "noc:issue", "--json",
            )
        )  # fmt: skip
        token = api.client_token(noc_client["client_id"], noc_client["client_secret"])
        noc = api.post(
            "/v1/noc/vehicle",
            token,
            json={"registration_no": "MH12AB1234", "chassis_no": "MA3EWDE1S00123456"},
        )
        assert noc.status_code == 201, noc.text
        keys = KeySet.import_key_set(httpx.get(f"{api.url}/.well-known/jwks.json").json())
        claims = json.loads(
            jws.deserialize_compact(noc.json()["certificate"], keys, algorithms=["ES256"]).payload
        )
        assert claims["decision"] == noc.json()["decision"] == "NOT_CLEAR"

    log = subprocess.run(
        [str(Path(sys.executable).parent / "icjs"), "audit", "verify"],
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("ICJS_")},
            "ICJS_AUTH__AUDIT_PATH": str(api_settings.auth.audit_path),
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert log.returncode == 0, log.stdout + log.stderr

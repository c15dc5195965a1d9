"""Two API nodes on one PostgreSQL state database (in-process servers, the same keys): what one
node learns, the other acts on at once — a revocation, failed logins and the lock-out they
cause, a client's registration, the sync state behind a NOC, and the audit chain they share."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import httpx
from pydantic import SecretStr

from auth.principal import Role
from config import StateSettings
from indexer.backends.base import Backend
from state import Database
from state.sync import StateStore
from tests.plugins.api import api_settings_for, start_api


def _token(api_url: str, client_id: str, secret: str) -> httpx.Response:
    return httpx.post(
        api_url + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client_id, secret),
    )


def test_two_nodes_share_revocations_lockouts_registry_and_sync_state(
    tmp_path: Path, world_backend: Backend, pg_url: str
):
    settings = api_settings_for(
        tmp_path, rate_limit_per_minute=100_000, auth={"lockout_failures": 3, "lockout_s": 600}
    ).model_copy(update={"state": StateSettings(url=SecretStr(pg_url))})
    with ExitStack() as stack:
        a = stack.enter_context(start_api(settings, world_backend))
        b = stack.enter_context(start_api(settings, world_backend))
        client_id, secret = a.register(agency="CBI")  # registered through node A
        token = b.client_token(client_id, secret)  # a token from node B
        body = {"name": "Rajendra Patil", "purpose": "shared state test"}
        assert a.post("/v1/persons/search", token, json=body).status_code == 200
        # both nodes have verified (and remembered) the token's signature before it is revoked
        assert b.post("/v1/persons/search", token, json=body).status_code == 200
        revoked = a.http.post(
            "/oauth/revoke", data={"token": token}, auth=(client_id, secret)
        )  # through node A
        assert revoked.status_code == 200
        refused = b.post("/v1/persons/search", token, json=body)
        assert refused.status_code == 401 and "revoked" in refused.json()["detail"]
        refused = a.post("/v1/persons/search", token, json=body)
        assert refused.status_code == 401 and "revoked" in refused.json()["detail"]

        # failures counted on either node lock the client out from that address on both
        assert a.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(client_id, "wrong")).status_code == 401  # fmt: skip
        assert b.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(client_id, "wrong")).status_code == 401  # fmt: skip
        assert a.http.post("/oauth/token", data={"grant_type": "client_credentials"},
                           auth=(client_id, "wrong")).status_code == 401  # fmt: skip
        for node in (a, b):
            locked = node.http.post(
                "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
            )
            assert locked.status_code == 429, locked.text

        # a sync that wrote the shared state is seen by every node's status and NOC evidence
        with StateStore(Database.from_url(pg_url)) as state:
            state.commit_page("vahan", "all", watermark=None, walk=None, success=True)
        admin = a.officer(role=Role.ADMIN, state=None)
        status = b.get("/v1/sync/status", admin)
        assert status.status_code == 200, status.text
        [vahan] = [s for s in status.json()["sources"] if s["source"] == "vahan"]
        assert vahan["last_success"] is not None

        assert a.auth.audit.verify().ok
        assert a.auth.audit.count() == b.auth.audit.count()  # one chain, read from either

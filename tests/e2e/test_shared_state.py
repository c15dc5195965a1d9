"""Several API processes on one PostgreSQL state database, under load at once: `icjs serve
--workers 4` and two single-worker `icjs serve` processes (one reading its database password
from a file), sharing the index, the keys and `state.url`. Officers search, a partner agency
gets tokens and revokes half of them, all in parallel and spread over every worker.

Afterwards: `icjs audit verify` finds one unbroken chain holding exactly the two entries of
every request sent (received, then the answer), none missing, none doubled; and a revoked token
is refused by every worker of every process, while the others are accepted everywhere."""

from __future__ import annotations

import itertools
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from auth.clients import ClientRegistry
from auth.principal import Role
from auth.service import AuthService
from config import AuthSettings, SearchSettings
from indexer import open_backend
from state import Database
from state.audit import AuditLog, AuditQuery
from tests.plugins.api import api_world
from tests.security.serve import free_port

ICJS = shutil.which("icjs", path=str(Path(sys.executable).parent))
NAMES = ["Rajendra Patil", "RAJENDRA PATEEL", "Mahesh Jadhav", "सुनीता देवी", "Latha Rao", "Ramesh"]


@dataclass
class Sent:
    """Every request the test sends, by request id (the audit must hold each exactly twice)."""

    ids: list[str] = field(default_factory=list)
    lock: Lock = field(default_factory=Lock)

    def new(self, kind: str) -> dict[str, str]:
        rid = f"{kind}-{uuid.uuid4().hex[:16]}"
        self.add(rid)
        return {"X-Request-ID": rid}

    def add(self, rid: str) -> None:
        with self.lock:
            self.ids.append(rid)


def _without_password(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    assert parts.password and parts.username
    netloc = f"{parts.username}@{parts.hostname}:{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc)), parts.password


@contextmanager
def _serve(root: Path, env: dict[str, str], sent: Sent, *args: str) -> Iterator[str]:
    assert ICJS is not None
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [ICJS, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
        env=env,
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            rid = f"probe-{uuid.uuid4().hex[:16]}"
            try:
                ready = httpx.get(url + "/readyz", headers={"X-Request-ID": rid}, timeout=30)
            except httpx.ConnectError:  # not listening yet: nothing reached the server
                ready = None
            if ready is not None:
                sent.add(rid)
                if ready.is_success:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                out = proc.stdout.read().decode() if proc.stdout else ""
                raise AssertionError(f"icjs serve did not start: {out}")
            time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGINT)  # graceful: requests in flight finish, and are audited
        proc.communicate(timeout=60)


@pytest.mark.slow
def test_workers_and_processes_share_one_chain_and_one_revocation_list(
    tmp_path: Path, pg_url: str
) -> None:
    root = tmp_path
    backend = open_backend(SearchSettings(backend="embedded", path=root / "icjs.db"))
    assert not backend.upsert(api_world()).failed
    backend.flush()
    backend.close()

    state_url, password = _without_password(pg_url)
    (root / "db-password").write_text(password + "\n")
    base_env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ICJS_")},
        "ICJS_SEARCH__PATH": str(root / "icjs.db"),
        "ICJS_AUTH__KEYS_DIR": str(root / "keys"),
        "ICJS_DATA_DIR": str(root),
        "ICJS_STATE__URL": state_url,
        "ICJS_STATE__POOL_SIZE": "3",
        "ICJS_AUTH__TOKEN_RATE_PER_MINUTE": "100000",
        "ICJS_API__RATE_LIMIT_PER_MINUTE": "100000",
    }
    with_env_password = {**base_env, "ICJS_STATE__PASSWORD": password}
    with_file_password = {**base_env, "ICJS_STATE__PASSWORD_FILE": str(root / "db-password")}

    # the partner's registration and an officer's token, from the same database and key ring
    db = Database.from_url(pg_url)
    registry = ClientRegistry(db)
    client, secret = registry.create(agency="CBI", scopes=["persons:search"], role=Role.PARTNER)
    assert secret is not None
    keys = AuthService.from_settings(
        AuthSettings(keys_dir=root / "keys", db_path=root / "x.db", audit_path=root / "x-audit.db")
    )
    assert keys.demo is not None
    officer = keys.demo.mint(role=Role.OFFICER, state="MH", district="PUNE", ttl_s=3600)
    keys.close()

    sent = Sent()
    basic = httpx.BasicAuth(client.client_id, secret)
    with ExitStack() as stack:
        servers = [
            stack.enter_context(_serve(root, with_env_password, sent, "--workers", "4")),
            stack.enter_context(_serve(root, with_env_password, sent)),
            stack.enter_context(_serve(root, with_file_password, sent)),
        ]
        pick = itertools.cycle(servers)

        def search(token: str, server: str | None = None) -> int:
            # a new connection each time: the kernel hands it to any of a server's workers
            response = httpx.post(
                (server or next(pick)) + "/v1/persons/search",
                json={"name": random.choice(NAMES), "purpose": "FIR 12/2026 load test"},
                headers={"Authorization": f"Bearer {token}", **sent.new("search")},
                timeout=60,
            )
            return response.status_code

        def issue() -> str:
            response = httpx.post(
                next(pick) + "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=basic,
                headers=sent.new("token"),
                timeout=60,
            )
            assert response.status_code == 200, response.text
            token: str = response.json()["access_token"]
            return token

        def revoke(token: str) -> None:
            response = httpx.post(
                next(pick) + "/oauth/revoke",
                data={"token": token, "token_type_hint": "access_token"},
                auth=basic,
                headers=sent.new("revoke"),
                timeout=60,
            )
            assert response.status_code == 200, response.text

        with ThreadPoolExecutor(max_workers=12) as pool:
            # tokens issued while officers search
            searching = [pool.submit(search, officer) for _ in range(60)]
            issuing = [pool.submit(issue) for _ in range(16)]
            tokens = [f.result() for f in issuing]
            assert all(f.result() == 200 for f in searching)
            revoked, kept = tokens[::2], tokens[1::2]
            # half revoked while partners and officers search with every token
            busy = [pool.submit(search, t) for t in tokens * 3 + [officer] * 40]
            revoking = [pool.submit(revoke, t) for t in revoked]
            for f in revoking:
                f.result()
            assert {f.result() for f in busy} <= {200, 401}
            # now every worker of every process agrees
            checks = {
                (t, server): pool.submit(lambda t=t, s=server: [search(t, s) for _ in range(8)])
                for t in revoked[:4] + kept[:4]
                for server in servers
            }
            for (token, _), future in checks.items():
                expected = 401 if token in revoked else 200
                assert future.result() == [expected] * 8

    state_env = {**with_env_password}
    verify = subprocess.run(
        [ICJS, "audit", "verify"], env=state_env, cwd=root, capture_output=True, text=True
    )
    assert verify.returncode == 0, verify.stderr
    log = AuditLog(db)
    entries = []
    since = 0
    while batch := log.entries(AuditQuery(since_seq=since, limit=1000, newest_first=False)):
        entries += batch
        since = batch[-1].seq
    assert f"ok: {len(entries)} entries" in verify.stdout
    per_request = Counter(e.request_id for e in entries)
    assert set(per_request) == set(sent.ids)  # nothing audited that was not sent, and back
    assert set(per_request.values()) == {2}  # received + the answer, once each
    decisions = Counter(e.decision for e in entries)
    assert decisions["received"] == len(sent.ids)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    db.close()

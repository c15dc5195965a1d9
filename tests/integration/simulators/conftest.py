"""Clients for the simulated sources, authenticated the way each contract says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulators.harness import Running


def client(sims: Running, name: str, **kwargs: Any) -> httpx.Client:
    """An httpx client for one source, with its credentials applied (OAuth: a fresh token)."""
    entry = sims.manifest[name]
    if "api_key" in entry:
        return httpx.Client(headers={"X-API-Key": entry["api_key"]}, timeout=10, **kwargs)
    if "username" in entry:
        return httpx.Client(auth=(entry["username"], entry["password"]), timeout=10, **kwargs)
    token = fetch_token(sims, name)
    return httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10, **kwargs)


def fetch_token(sims: Running, name: str) -> str:
    entry = sims.manifest[name]
    r = httpx.post(
        entry["url"] + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(entry["client_id"], entry["client_secret"]),
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


@pytest.fixture
def fresh(simulators_factory: Callable[..., Running], tmp_path: Path) -> Iterator[Running]:
    """A private world (its clock and faults are the test's to change)."""
    yield simulators_factory(
        seed=21, persons=250, faults="none", data_dir=tmp_path, token_ttl_s=2, page_token_ttl_s=2
    )

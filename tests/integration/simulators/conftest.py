"""Clients for the simulated sources, authenticated the way each contract says."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from simulators.harness import Running, start_simulators

_CACHE: dict[tuple[str, ...], httpx.Client] = {}


def client(sims: Running, name: str) -> httpx.Client:
    """An httpx client for one source, with its credentials applied (OAuth: a fresh token).

    Key and basic-auth clients are reused per URL and credentials: making an httpx client
    builds an SSL context, which costs more than the requests the tests send.
    """
    entry = sims.manifest[name]
    if "client_id" in entry:
        token = fetch_token(sims, name)
        return httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10)
    key = tuple(sorted(entry.values()))
    if key not in _CACHE:
        if "api_key" in entry:
            _CACHE[key] = httpx.Client(headers={"X-API-Key": entry["api_key"]}, timeout=10)
        else:
            _CACHE[key] = httpx.Client(auth=(entry["username"], entry["password"]), timeout=10)
    return _CACHE[key]


def fetch_token(sims: Running, name: str) -> str:
    entry = sims.manifest[name]
    r = httpx.post(
        entry["url"] + "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(entry["client_id"], entry["client_secret"]),
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


FRESH = {"seed": 21, "persons": 250, "faults": "none"}


@pytest.fixture(scope="session")
def fresh_template(simulators_cache: Path) -> Path:
    """One generated copy of the private world; each `fresh` test starts from a copy of it."""
    template = simulators_cache / "fresh-template"
    sims = start_simulators(data_dir=template, **FRESH)  # type: ignore[arg-type]
    sims.stop()
    sims.store.close()
    return template


@pytest.fixture
def fresh(
    simulators_factory: Callable[..., Running], fresh_template: Path, tmp_path: Path
) -> Iterator[Running]:
    """A private world (its clock and faults are the test's to change); lifetimes of OAuth and
    page tokens are 2 s instead of 15 minutes."""
    for item in fresh_template.iterdir():
        shutil.copy(item, tmp_path / item.name)
    yield simulators_factory(data_dir=tmp_path, token_ttl_s=2, page_token_ttl_s=2, **FRESH)

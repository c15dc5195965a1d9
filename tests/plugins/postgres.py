"""Pytest fixtures: a real PostgreSQL server for the state stores (owner: the state engineer).

- `postgres_url` (session): a server's URL. `ICJS_TEST_POSTGRES_URL` names one to use; without
  it the fixture starts a throw-away server (`scripts/postgres_server.py`: Debian's programs,
  which `make test` installs when missing) and stops it after the session. Where no server can
  be had the tests that need one are skipped, except in CI, where that is an error.
- `pg_url`: a fresh, empty database on that server per test (dropped afterwards).
- `state_db` (parametrised `sqlite` / `postgresql`): a `state.Database` of either engine, so a
  store's conformance tests run on both.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _server_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "postgres_server", ROOT / "scripts" / "postgres_server.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    given = os.environ.get("ICJS_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    module = _server_module()
    if module.find_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("no PostgreSQL server programs: run the suite with `make test`")
        pytest.skip("no PostgreSQL server programs: `make test` installs them")
    server = module.start()
    try:
        yield server.url()
    finally:
        server.stop()


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def pg_url(postgres_url: str) -> Iterator[str]:
    """A fresh database of its own on the test server."""
    name = f"icjs_test_{uuid.uuid4().hex[:12]}"
    _admin(postgres_url, f'CREATE DATABASE "{name}"')
    base, _, _ = postgres_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        _admin(postgres_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def state_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[object]:
    from state import Database

    if request.param == "sqlite":
        db = Database.sqlite(tmp_path / "state.db")
    else:
        db = Database.from_url(request.getfixturevalue("pg_url"))
    try:
        yield db
    finally:
        db.close()

"""Imports point one way, and a route speaks HTTP only (#17).

Read from the source with `ast`, so a forbidden import fails here before anything runs. The
layers, lowest first: records → matching → connectors, indexer → federation → alerts, auth,
    "api": {"cli", "web"},
    # the pages call the API's handlers and the services, never the stores or the index
    "web": {"cli", "connectors", "indexer", "state"},
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = (
    "records",
    "matching",
    "connectors",
    "indexer",
    "federation",
    "alerts",
    "network",
    "auth",
    "state",
    "dockets",
    "api",
    "web",
    "cli",
    "config",
    "simulators",
    "sqlitewal",
)

# What each package may not import (directly, at any depth of its modules).
FORBIDDEN: dict[str, set[str]] = {
    "records": set(PACKAGES) - {"records"},
    "matching": {"connectors", "indexer", "federation", "alerts", "auth", "state", "api", "cli"},
    "connectors": {"federation", "alerts", "api", "cli"},
    "indexer": {"connectors", "federation", "alerts", "api", "cli"},
    "federation": {"alerts", "api", "cli", "connectors", "fastapi", "starlette"},
    # alerts read records through federation and indexer, and are read by the API (#18)
    "alerts": {"api", "cli", "connectors", "fastapi", "starlette"},
    # the graph reads records and profiles through federation and indexer, like alerts (#19)
    "network": {"api", "cli", "web", "connectors", "alerts", "fastapi", "starlette"},
    "state": {"federation", "alerts", "api", "cli"},
    # the mini-docket reads profiles through federation and its network summary through network
    # (the stored graph); it is printed by the API and CLI
    "dockets": {"api", "cli", "web", "connectors", "indexer", "state", "fastapi", "starlette"},
    "api": {"cli", "web"},
    # the pages call the API's handlers and the services, never the stores or the index
    "web": {"cli", "connectors", "indexer", "state"},
    # the simulators share only `sqlitewal` (opening an SQLite file in WAL mode): it knows
    # nothing of any source's data, so they cannot share a reading of one with us through it
    "simulators": set(PACKAGES) - {"simulators", "sqlitewal"},
    # a leaf: SQLite, nothing of ours, so the product and the simulators may both import it
    "sqlitewal": set(PACKAGES) - {"sqlitewal"},
    # settings know the sources' names (`records.source_names`), nothing else of ours
    "config": set(PACKAGES) - {"config", "records"},
}

# Routes turn HTTP into a service call and back: they reach the index, the sources and the
# stores only through services. The health route asks the backend whether it is up; the audit
# route's service is the audit log itself (a query over the chain, nothing to assemble).
ROUTE_FORBIDDEN = {"connectors", "indexer", "state", "matching", "records"}
ROUTE_ALLOWED = {
    ("api/routes/health.py", "indexer.backends.base"),
    ("api/routes/audit.py", "state.audit"),
}


def imported(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


def top(name: str) -> str:
    return name.split(".", 1)[0]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_point_one_way(package: str) -> None:
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in imported(path)
        if top(name) in FORBIDDEN[package]
    )
    assert not wrong


def test_routes_call_services_only() -> None:
    routes = sorted((ROOT / "api" / "routes").glob("*.py"))
    assert routes
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in routes
        for name in imported(path)
        if top(name) in ROUTE_FORBIDDEN and (str(path.relative_to(ROOT)), name) not in ROUTE_ALLOWED
    )
    assert not wrong


def test_a_source_folder_imports_no_other_source() -> None:
    """A source is a folder (#17, item 4): what it needs of another source goes through the
    sync machinery, so a newcomer reads one folder."""
    folders = sorted(p for p in (ROOT / "connectors" / "sources").iterdir() if p.is_dir())
    assert len(folders) >= 8
    wrong = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for folder in folders
        for path in folder.rglob("*.py")
        for name in imported(path)
        if name.startswith("connectors.sources.") and name.split(".")[2] != folder.name
    )
    assert not wrong


def test_the_check_sees_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import connectors.sources.vahan\nfrom indexer.backends import base\nfrom . import x\n"
    )
    assert imported(module) == {"connectors.sources.vahan", "indexer.backends"}

"""Pytest fixtures for the simulated sources (owner: simulators).

- `simulators`: one small world (300 people, seed 11, no transient faults, no bad records) served
  for the whole session. Treat it as read-only: do not advance its clock or change its faults.
- `simulators_factory`: call it with `start_simulators` keyword arguments (`seed`, `persons`,
  `faults`, `token_ttl_s`, `page_token_ttl_s`, …) for a private instance, e.g. harsh faults or a
  clock to advance; every instance is stopped after the test.

Worlds are cached per session under a temporary directory, so a second instance of the same
(seed, persons, faults) reuses the generated file... unless the test advanced that world's clock,
which writes to it: tests that advance should pass their own `data_dir` (e.g. `tmp_path`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from simulators.harness import Running, start_simulators


@pytest.fixture(scope="session")
def simulators_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("simulators-cache")


@pytest.fixture(scope="session")
def simulators(simulators_cache: Path) -> Iterator[Running]:
    running = start_simulators(seed=11, persons=300, faults="none", data_dir=simulators_cache)
    yield running
    running.stop()


@pytest.fixture
def simulators_factory(simulators_cache: Path) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(**kwargs: Any) -> Running:
        kwargs.setdefault("data_dir", simulators_cache)
        kwargs.setdefault("persons", 300)
        running = start_simulators(**kwargs)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()

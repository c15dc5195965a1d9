"""Pytest fixtures for the simulated sources (owner: simulators).

- `simulators`: one small world (300 people, seed 11, no transient faults, no bad records) served
  for the whole session. Treat it as read-only: do not advance its clock or change its faults.
- `simulators_factory`: call it with `start_simulators` keyword arguments (`seed`, `persons`,
  `faults`, `token_ttl_s`, `page_token_ttl_s`, `data_dir`, …) for a private instance, e.g. harsh
  faults or a clock to advance; every instance is stopped after the test. Without `data_dir`
  each instance generates its world in a fresh temporary directory (advancing the clock writes
  to the world file, so instances never share one unless the test says so).
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
def simulators_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Callable[..., Running]]:
    started: list[Running] = []

    def start(**kwargs: Any) -> Running:
        if "data_dir" not in kwargs:
            kwargs["data_dir"] = tmp_path_factory.mktemp("simulators-world")
        kwargs.setdefault("persons", 300)
        running = start_simulators(**kwargs)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()

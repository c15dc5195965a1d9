"""Start the eight simulated sources over one world, in-process, on loopback.

    with start_simulators(seed=7, persons=300, faults="none", data_dir=tmp) as sims:
        sims.manifest["cctns"]   # {"url": ..., "api_key": ...}
        sims.ground_truth.live_record_ids("vahan")
        sims.advance(10)         # ten simulated minutes of changes
        sims.set_faults("harsh")

The manifest has one key per source with the field names of the `[sources.*]` configuration
(`url`, `api_key`, `client_id`, `client_secret`, `username`, `password`). Every server also
answers `POST /_admin/advance {"minutes": n}`, `POST /_admin/faults {"profile": "harsh"}` and
`GET /_admin/status` with header `X-Admin-Key`, so a simulator run as a subprocess can be driven.
"""

from __future__ import annotations

import os
import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from simulators.clock import Clock
from simulators.faults import PROFILES, FaultSpec, FaultState, profile
from simulators.servers.base import AdminHooks, RunningServer, SourceApp
from simulators.servers.registry import SOURCE_ORDER, build_app
from simulators.truth import GroundTruth
from simulators.world.generate import open_world, world_file
from simulators.world.store import Store


def default_cache_dir() -> Path:
    env = os.environ.get("ICJS_SIM_CACHE")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "icjs-simulators"


class Running:
    """The running simulators: manifest, ground truth, clock and fault controls."""

    def __init__(
        self,
        store: Store,
        servers: dict[str, RunningServer],
        faults: dict[str, FaultState],
        credentials: dict[str, dict[str, str]],
        admin_key: str,
    ):
        self.store = store
        self.servers = servers
        self.faults = faults
        self.admin_key = admin_key
        self.ground_truth = GroundTruth(store)
        self._clock = Clock(store)
        self._credentials = credentials
        self._lock = threading.Lock()

    @property
    def manifest(self) -> dict[str, dict[str, str]]:
        return {
            name: {"url": srv.url, **self._credentials[name]} for name, srv in self.servers.items()
        }

    @property
    def admin_url(self) -> str:
        """Root URL for `/_admin/*` (every server answers them; this is the first one's)."""
        return next(iter(self.servers.values())).root

    def advance(self, minutes: float) -> dict[str, int]:
        with self._lock:
            return self._clock.advance(minutes)

    def set_faults(
        self, spec: str | FaultSpec, source: str | None = None, **overrides: Any
    ) -> None:
        """Switch the transient faults of one source (or all) to a profile or an explicit spec."""
        chosen = profile(spec, **overrides) if isinstance(spec, str) else replace(spec, **overrides)
        for name, state in self.faults.items():
            if source is None or source == name:
                state.set_spec(chosen)

    def injected(self) -> dict[str, dict[str, int]]:
        """What each source has injected so far, by fault name."""
        return {name: dict(state.injected) for name, state in self.faults.items()}

    def status(self) -> dict[str, Any]:
        return {"clock_ms": self.store.clock_ms(), "injected": self.injected()}

    def stop(self) -> None:
        for srv in self.servers.values():
            srv.stop()

    def __enter__(self) -> Running:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def start_simulators(
    seed: int = 7,
    persons: int = 20_000,
    faults: str | FaultSpec = "none",
    port: int = 0,
    data_dir: Path | None = None,
    *,
    token_ttl_s: float = 900.0,
    page_token_ttl_s: float = 900.0,
    admin_key: str | None = None,
    credentials: dict[str, dict[str, str]] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Running:
    """Open (generating if needed) the world and serve all eight sources.

    `port=0` takes free ports; `port=P` binds P, P+1, … P+7 in `SOURCE_ORDER`. Lifetimes of
    OAuth tokens and CCTNS page tokens are parameters so that tests need not wait 15 minutes.
    """
    spec = profile(faults) if isinstance(faults, str) else faults
    cache = data_dir or default_cache_dir()
    store = open_world(
        world_file(cache, seed, persons, spec.bad_rate), seed, persons, spec.bad_rate, progress
    )
    creds = credentials or make_credentials()
    key = admin_key or secrets.token_urlsafe(18)
    states = {name: FaultState(spec, f"{seed}:{name}:faults") for name in SOURCE_ORDER}
    servers: dict[str, RunningServer] = {}
    running: Running | None = None

    def hooks() -> AdminHooks:
        def advance(minutes: float) -> dict[str, Any]:
            assert running is not None
            return {"changes": running.advance(minutes), "clock_ms": store.clock_ms()}

        def set_faults(payload: dict[str, Any]) -> dict[str, Any]:
            assert running is not None
            name = payload.get("profile", "none")
            if name not in PROFILES:
                raise ValueError(f"unknown profile {name!r}")
            overrides = {k: v for k, v in payload.items() if k not in ("profile", "source")}
            for k, v in overrides.items():
                if isinstance(v, list):
                    overrides[k] = tuple(v)
            running.set_faults(name, payload.get("source"), **overrides)
            return running.status()

        def status() -> dict[str, Any]:
            assert running is not None
            return running.status()

        return AdminHooks(key, advance, set_faults, status)

    admin = hooks()
    clock = Clock(store)
    try:
        for i, name in enumerate(SOURCE_ORDER):
            app: SourceApp = build_app(
                name,
                store,
                states[name],
                admin,
                creds[name],
                secret=f"{seed}:{name}:{key}".encode(),
                token_ttl_s=token_ttl_s,
                page_token_ttl_s=page_token_ttl_s,
                on_shift=clock.late_inmates,
            )
            srv = RunningServer(app, port + i if port else 0)
            servers[name] = srv
            srv.start()
    except BaseException:
        for srv in servers.values():
            srv.stop()
        raise
    running = Running(store, servers, states, creds, key)
    return running


def make_credentials() -> dict[str, dict[str, str]]:
    """Fresh credentials per run: nothing secret lives in code."""
    out: dict[str, dict[str, str]] = {}
    for name in SOURCE_ORDER:
        if name in ("eprisons", "ncrp"):
            out[name] = {"client_id": f"icjs-{name}", "client_secret": secrets.token_urlsafe(24)}
        elif name == "alis":
            out[name] = {"username": "icjs-alis", "password": secrets.token_urlsafe(18)}
        else:
            out[name] = {"api_key": secrets.token_urlsafe(24)}
    return out


@contextmanager
def simulators(**kwargs: Any) -> Iterator[Running]:
    running = start_simulators(**kwargs)
    try:
        yield running
    finally:
        running.stop()

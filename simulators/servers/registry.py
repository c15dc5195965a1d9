"""Which app serves which source, and how each is built from the shared pieces."""

from __future__ import annotations

from simulators.faults import FaultState
from simulators.servers.base import AdminHooks, SourceApp
from simulators.servers.cctns import CctnsApp
from simulators.servers.vahan import VahanApp
from simulators.world.store import Store

SOURCE_ORDER = ("cctns", "vahan")


def build_app(
    name: str,
    store: Store,
    faults: FaultState,
    admin: AdminHooks,
    creds: dict[str, str],
    *,
    secret: bytes,
    token_ttl_s: float,
    page_token_ttl_s: float,
) -> SourceApp:
    if name == "cctns":
        app = CctnsApp(store, faults, admin, creds["api_key"], secret)
        app.page_token_ttl_s = page_token_ttl_s
        return app
    if name == "vahan":
        return VahanApp(store, faults, admin, creds["api_key"], secret)
    raise ValueError(f"unknown source {name!r}")

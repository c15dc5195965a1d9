"""Which app serves which source, and how each is built from the shared pieces."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulators.faults import FaultState
from simulators.servers.alis import AlisApp
from simulators.servers.base import AdminHooks, SourceApp
from simulators.servers.cctns import CctnsApp
from simulators.servers.eprisons import EprisonsApp
from simulators.servers.ivfrt import IvfrtApp
from simulators.servers.khoyapaya import KhoyaPayaApp
from simulators.servers.ncrp import NcrpApp
from simulators.servers.sarathi import SarathiApp
from simulators.servers.vahan import VahanApp
from simulators.world.store import Store

# Also the port order when a base port is given: cctns on P, eprisons on P+1, …
SOURCE_ORDER = ("cctns", "eprisons", "vahan", "sarathi", "alis", "ncrp", "ivfrt", "khoyapaya")


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
    on_shift: Callable[[int], Any] | None = None,
) -> SourceApp:
    if name == "cctns":
        cctns = CctnsApp(store, faults, admin, creds["api_key"], secret)
        cctns.page_token_ttl_s = page_token_ttl_s
        return cctns
    if name == "eprisons":
        eprisons = EprisonsApp(
            store, faults, admin, creds["client_id"], creds["client_secret"], secret, token_ttl_s
        )
        eprisons.on_shift = on_shift
        return eprisons
    if name == "ncrp":
        return NcrpApp(
            store, faults, admin, creds["client_id"], creds["client_secret"], secret, token_ttl_s
        )
    if name == "alis":
        return AlisApp(store, faults, admin, creds["username"], creds["password"])
    keyed = {"vahan": VahanApp, "sarathi": SarathiApp, "ivfrt": IvfrtApp, "khoyapaya": KhoyaPayaApp}
    if name in keyed:
        return keyed[name](store, faults, admin, creds["api_key"], secret)
    raise ValueError(f"unknown source {name!r}")

"""The live Vahan look-up behind `federation.VahanLookup`, over the Vahan connector.

Used only when a searched plate (or chassis) is not in the index yet. An officer is waiting, so
the retry policy is short: two quick attempts, and the route's own timeout on top; a failure is
reported in the response (`live_lookup: failed`), never as an error of the search.
"""

from __future__ import annotations

from urllib.parse import quote

from config.settings import SourceSettings
from connectors.base import Row
from connectors.clean import scrub_aadhaar
from connectors.errors import MappingError
from connectors.registry import open_connector
from connectors.retry import CircuitBreaker, RetryPolicy
from connectors.sources.vahan.connector import VahanConnector
from records import Record

# Two attempts within about a second; Vahan asking to come back later is not worth waiting for.
LIVE_POLICY = RetryPolicy(max_attempts=2, initial_s=0.2, max_s=1.0, retry_after_cap_s=1.0)


class ConnectorVahanLookup:
    def __init__(self, connector: VahanConnector) -> None:
        self.connector = connector

    @classmethod
    def from_settings(cls, settings: SourceSettings) -> ConnectorVahanLookup:
        connector = open_connector(
            "vahan",
            settings,
            policy=LIVE_POLICY,
            # After 5 failures in a row, stop asking for a minute: searches stay fast while
            # Vahan is down.
            breaker=CircuitBreaker("vahan-live", failures=5, reset_s=60.0),
        )
        assert isinstance(connector, VahanConnector)
        return cls(connector)

    async def by_registration(self, registration_no: str) -> list[Record]:
        """Every owner of the plate (past and current), or nothing when Vahan knows none."""
        current = await self.connector.lookup_registration(registration_no)
        if current is None:
            return []
        try:
            owners = await self.connector.owner_history(registration_no)
        except MappingError:
            owners = await self._owners_beside(current)
        known = {r.record_id for r in owners}
        return owners + ([current] if current.record_id not in known else [])

    async def _owners_beside(self, current: Record) -> list[Record]:
        """Past owners, from the history's owner fields laid over the current registration's
        vehicle fields: Vahan's owner history lists owner fields only (sources/vahan.md), which
        `owner_history` cannot map on their own (no `rc_modified_on`)."""
        regn = current.vehicle.registration_no if current.vehicle else None
        if regn is None or current.raw is None:
            return []
        body = await self.connector.client.get_json(f"/rc/{quote(regn)}/owners")
        owners = body.get("owners") if isinstance(body, dict) else None
        out: list[Record] = []
        for owner in owners or []:
            if not isinstance(owner, dict):
                continue
            row, _ = scrub_aadhaar({**current.raw, **owner})
            try:
                mapped = self.connector.map_row(Row(row), current.provenance.fetched_at)
            except MappingError:
                continue  # one bad history row must not hide the rest
            if isinstance(mapped, Record):
                out.append(mapped)
        return out

    async def by_chassis(self, chassis_suffix: str) -> list[Record]:
        return await self.connector.lookup_chassis_suffix(chassis_suffix)

    async def aclose(self) -> None:
        await self.connector.client.aclose()

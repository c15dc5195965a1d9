"""A theft report that a sync brings in for a vehicle holding a valid CLEAR certificate revokes
it, through the sync engine's hook, and leaves an event for the alerts work."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import respx
from prometheus_client import CollectorRegistry

from config import SourceSettings, SyncSettings
from connectors.engine import run_sync
from connectors.evidence import SyncEvidence
from connectors.metrics import SyncMetrics
from federation import (
    Decision,
    NocService,
    NocStore,
    VehicleSearch,
    normalise_vehicle,
    revoke_on_reports,
)
from state.sync import StateStore
from tests.unit.connectors.fakes import FAST, T0, FakeCctns, later
from tests.unit.federation.test_noc_and_vehicles import rc

URL = "http://cctns.test/cctns"
PLATE, CHASSIS = "MH12AB1234", "MA3EWDE1S00123456"


def theft(report_id: str, **fields: Any) -> dict[str, Any]:
    return {
        "VEHICLE_REPORT_ID": report_id,
        "FIR_REG_NUM": "0456/2026",
        "FIR_DATE": "01/05/2026",
        "STATE_CD": "MH",
        "PS_CD": "0412",
        "REG_NO": "MH-12-AB-1234",
        "CHASSIS_NO": "123456",
        "VEHICLE_STATUS": "STOLEN",
        "LAST_UPDATED": later(T0, 5).isoformat(),
        "RECORD_STATUS": "ACTIVE",
        **fields,
    }


@respx.mock
async def test_sync_revokes_a_clear_noc_when_a_theft_report_arrives(
    tmp_path: Path, embedded_backend: Any
) -> None:
    state_path = tmp_path / "sync.db"
    with StateStore(state_path) as state:  # CCTNS and Vahan synced just now
        for source, stream in (("cctns", "vehicles"), ("vahan", "all")):
            state.commit_page(source, stream, watermark=T0, walk=None, success=True)
    embedded_backend.upsert([rc(PLATE, CHASSIS)])
    store = NocStore(tmp_path / "noc.db")
    service = NocService(
        embedded_backend,
        store,
        lambda claims: "signed",
        issuer="test",
        evidence=SyncEvidence(state_path),
    )
    terms = normalise_vehicle(VehicleSearch(registration_no=PLATE, chassis_no=CHASSIS))
    clear = service.issue(terms, issued_to="rto")
    other = service.issue(
        normalise_vehicle(VehicleSearch(registration_no="KA01AA0001", chassis_no="X" * 17)),
        issued_to="rto",
    )
    assert clear.decision is Decision.CLEAR
    # a damaged report (its FIR date unreadable) still names the vehicle, and says STOLEN
    fake = FakeCctns(rows={"vehicles": [theft("MH-PS0412-2026-0456-V1", FIR_DATE="31/02/2026")]})
    respx.get(url__startswith=f"{URL}/v1/").mock(side_effect=fake)
    report = await run_sync(
        {"cctns": SourceSettings(url=URL, api_key="key")},
        embedded_backend,
        state_path,
        SyncSettings(state_path=state_path),
        policy=FAST,
        metrics=SyncMetrics(CollectorRegistry()),
        on_written=lambda records: revoke_on_reports(store, records, now=datetime.now(UTC)),
    )
    assert report.sources["cctns"].with_issues == 1
    revoked = store.get(clear.noc_id)
    assert revoked is not None and revoked.status(datetime.now(UTC)) == "revoked"
    untouched = store.get(other.noc_id)
    assert untouched is not None and untouched.revoked_at is None
    (event,) = store.pending_events()
    assert (event.kind, event.noc_id) == ("noc_revoked", clear.noc_id)
    assert event.record_id == "cctns:MH-PS0412-2026-0456-V1"
    store.mark_picked([event.id], datetime.now(UTC))
    assert store.pending_events() == []
    # and the vehicle's next NOC is not CLEAR: the report blocks, its damage is listed
    again = service.check(terms)
    assert again.decision is Decision.NOT_CLEAR
    assert {"stolen", "data_issues"} <= {r.code for r in again.reasons}
    store.close()

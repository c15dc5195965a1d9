"""A record its source deletes takes its alert case with it: the engine tells the alert step the
ids the index deleted (`on_removed`), and a later record is not matched against a report that
no longer exists. The source is contract-shaped CCTNS (respx); the index and the alert store are
real (embedded backend, SQLite)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import respx
import sqlalchemy as sa

from alerts.hook import sync_hook
from config import SourceSettings
from connectors.engine import run_sync
from connectors.metrics import SyncMetrics
from records import Source
from state.schema import alert_cases
from tests.unit.connectors.fakes import FAST, T0, FakeCctns, later, settings

URL = "http://cctns.test/cctns"
CCTNS = {"cctns": SourceSettings(url=URL, api_key="key", page_size=10)}


def _stolen(report_id: str, updated: Any, **fields: Any) -> dict[str, Any]:
    row = {
        "VEHICLE_REPORT_ID": report_id,
        "FIR_REG_NUM": "0456/2024",
        "STATE_CD": "DL",
        "PS_CD": "0101",
        "REG_NO": "DL 3C AB 1234",
        "CHASSIS_NO": "MA3EJKD1S00123456",
        "VEHICLE_STATUS": "STOLEN",
        "LAST_UPDATED": updated.isoformat(),
        "RECORD_STATUS": "ACTIVE",
    }
    row.update(fields)
    return row


def _missing(report_id: str, updated: Any, **fields: Any) -> dict[str, Any]:
    row = {
        "REPORT_ID": report_id,
        "NAME": "SUNITA",
        "AGE_FROM": 12,
        "AGE_TO": 12,
        "REPORT_DATE": "02/04/2024",
        "STATE_CD": "UP",
        "LAST_UPDATED": updated.isoformat(),
    }
    row.update(fields)
    return row


def _cases(db_path: Path) -> set[str]:
    engine = sa.create_engine(f"sqlite:///{db_path}")
    try:
        with engine.connect() as conn:
            return set(conn.execute(sa.select(alert_cases.c.record_id)).scalars())
    finally:
        engine.dispose()


async def _sync(tmp_path: Path, backend: Any, hook: Any, forget: Any) -> None:
    from prometheus_client import CollectorRegistry

    report = await run_sync(
        CCTNS,
        backend,
        tmp_path / "sync.db",
        settings(tmp_path),
        policy=FAST,
        metrics=SyncMetrics(CollectorRegistry()),
        on_written=hook,
        on_removed=forget,
    )
    assert report.sources["cctns"].status == "ok", report.sources["cctns"].error


@respx.mock
async def test_a_tombstone_removes_the_alert_case_of_the_deleted_report(
    tmp_path: Path, embedded_backend: Any
) -> None:
    fake = FakeCctns(
        rows={
            "vehicles": [_stolen("DL-V1", T0), _stolen("DL-V2", T0, REG_NO="DL 8C X 9")],
            "missing-persons": [_missing("MP1", T0), _missing("MP2", T0, NAME="REKHA")],
        }
    )
    respx.get(url__startswith=f"{URL}/v1/").mock(side_effect=fake)
    alerts_db = tmp_path / "alerts.db"
    hook, close, step = sync_hook(alerts_db, tmp_path / "noc.db", embedded_backend)
    try:
        await _sync(tmp_path, embedded_backend, hook, step.forget)
        kept = {"cctns:DL-V1", "cctns:DL-V2", "cctns:MP1", "cctns:MP2"}
        assert _cases(alerts_db) == kept

        # the source withdraws one stolen-vehicle report and one missing-person report
        deleted = {"LAST_UPDATED": later(T0, 10).isoformat(), "RECORD_STATUS": "DELETED"}
        fake.rows["vehicles"][0].update(deleted)
        fake.rows["missing-persons"][1].update(deleted)
        await _sync(tmp_path, embedded_backend, hook, step.forget)

        assert set(embedded_backend.ids(Source.CCTNS)) == {"cctns:DL-V2", "cctns:MP1"}
        assert _cases(alerts_db) == {"cctns:DL-V2", "cctns:MP1"}
    finally:
        close()

"""The NOC on incomplete evidence: a stale or failed sync and a failed live Vahan look-up say
REVIEW; certificates carry expiry, audience, purpose and the sources' last syncs; verification
refuses an expired certificate and reports a revoked one."""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alerts.delivery import Deliverer, FeedChannel
from alerts.step import AlertStep
from alerts.store import AlertStore
from auth.principal import Role
from config import SourceSettings
from connectors.sources.vahan.live import ConnectorVahanLookup
from federation import revoke_on_reports
from indexer.backends.base import Backend
from records import Identifier, IdType, Kind, Provenance, Record, Source, Vehicle
from state.outbox import Outbox
from tests.integration.api.test_noc import NOC_SCOPES, issue, verify_offline
from tests.plugins.api import LiveApi, api_settings_for, fresh_sync_state, start_api

CLEAN = {"registration_no": "DL3CAB0007", "chassis_no": "MBHCZC63SKJ700007"}


def codes(noc: dict[str, Any]) -> set[str]:
    return {r["code"] for r in noc["reasons"]}


@pytest.fixture
def api(tmp_path: Path, world_backend: Backend) -> Iterator[LiveApi]:
    settings = api_settings_for(tmp_path, rate_limit_per_minute=100_000)
    fresh_sync_state(settings.sync.state_path)
    with start_api(settings, world_backend) as live:
        yield live


def token(api: LiveApi) -> str:
    return api.partner(agency="RTO desk", role=Role.NOC_SERVICE, scopes=NOC_SCOPES)


def age_syncs(state_path: Path, hours: float) -> None:
    """Make the last successful syncs `hours` old (as if no sync had run since)."""
    then = (datetime.now(UTC) - timedelta(hours=hours)).isoformat()
    with sqlite3.connect(state_path) as db:
        db.execute("UPDATE checkpoints SET last_success = ?", (then,))


def test_certificate_carries_expiry_audience_purpose_and_evidence(api: LiveApi) -> None:
    noc = issue(api, token(api), **CLEAN, purpose="inter-state transfer", audience="RTO MH12")
    assert noc["decision"] == "CLEAR"
    claims = verify_offline(noc["certificate"], f"{api.url}/.well-known/jwks.json")
    assert claims["aud"] == "RTO MH12" and claims["purpose"] == "inter-state transfer"
    assert claims["exp"] - claims["iat"] == 30 * 86400
    assert set(claims["sources_last_sync"]) == {"cctns", "vahan"}
    assert all(claims["sources_last_sync"].values())
    assert noc["sources_last_sync"] == claims["sources_last_sync"]
    assert datetime.fromisoformat(noc["expires_at"]).timestamp() == claims["exp"]


def test_stale_sync_says_review(api: LiveApi, tmp_path: Path) -> None:
    age_syncs(tmp_path / "sync.db", hours=30)
    noc = issue(api, token(api), **CLEAN)
    assert noc["decision"] == "REVIEW"
    assert codes(noc) == {"sync_stale"}
    assert any("CCTNS vehicle reports" in r["detail"] for r in noc["reasons"])


def test_failed_last_sync_says_review(api: LiveApi, tmp_path: Path) -> None:
    from state.sync import StateStore

    with StateStore(tmp_path / "sync.db") as state:
        run = state.start_run("vahan", full=False)
        state.finish_run(run, "failed", {"extra": {"failed_stream": "all"}}, "vahan: HTTP 503")
    noc = issue(api, token(api), **CLEAN)
    assert noc["decision"] == "REVIEW"
    assert codes(noc) == {"sync_failed"}


def test_no_sync_state_never_clears(tmp_path: Path, world_backend: Backend) -> None:
    settings = api_settings_for(tmp_path, rate_limit_per_minute=100_000)
    with start_api(settings, world_backend) as live:
        noc = issue(live, token(live), **CLEAN)
    assert noc["decision"] == "REVIEW"
    assert codes(noc) == {"sync_never"}


def test_failed_live_vahan_lookup_says_review(tmp_path: Path, world_backend: Backend) -> None:
    settings = api_settings_for(tmp_path, rate_limit_per_minute=100_000)
    fresh_sync_state(settings.sync.state_path)
    with socket.socket() as closed:  # a port nothing listens on: Vahan is down
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    vahan = ConnectorVahanLookup.from_settings(
        SourceSettings(url=f"http://127.0.0.1:{port}/api", api_key="k", timeout_s=1.0)
    )
    with start_api(settings, world_backend, vahan=vahan) as live:
        # a plate the index does not hold: only the live look-up could say what it is
        noc = issue(live, token(live), registration_no="TN09AA0001", chassis_no="MAT4444444444")
    assert noc["decision"] == "REVIEW"
    assert {"live_lookup_failed", "not_registered"} <= codes(noc)


def test_expired_certificate_is_refused(api: LiveApi, tmp_path: Path) -> None:
    noc_token = token(api)
    noc = issue(api, noc_token, **CLEAN)
    check = api.get(f"/v1/noc/{noc['noc_id']}", noc_token).json()
    assert check["status"] == "valid" and check["certificate_valid"] is True
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    with sqlite3.connect(tmp_path / "noc.db") as db:  # thirty days later
        db.execute("UPDATE noc SET expires_at = ? WHERE noc_id = ?", (past, noc["noc_id"]))
    check = api.get(f"/v1/noc/{noc['noc_id']}", noc_token).json()
    assert check["status"] == "expired"
    assert check["certificate_valid"] is False


def theft_report(regn: str, chassis_tail: str) -> Record:
    now = datetime.now(UTC)
    return Record(
        record_id="cctns:DL-PS0101-2026-0001-V1",
        source=Source.CCTNS,
        kind=Kind.VEHICLE_REPORT,
        status="STOLEN",
        vehicle=Vehicle(registration_no=regn, chassis_no=chassis_tail),
        identifiers=(Identifier(type=IdType.REGISTRATION, value=regn),),
        provenance=Provenance(
            source=Source.CCTNS,
            native_id="DL-PS0101-2026-0001-V1",
            source_updated_at=now,
            fetched_at=now,
        ),
    )


def test_theft_report_after_a_clear_revokes_it(api: LiveApi) -> None:
    noc_token = token(api)
    noc = issue(api, noc_token, **CLEAN)
    assert noc["decision"] == "CLEAR"
    store = api.app.state.noc.store
    # what the sync does with each batch the index accepted (`icjs sync` wires it)
    revoked = revoke_on_reports(
        store, [theft_report("DL03CAB0007", "700007")], now=datetime.now(UTC)
    )
    assert revoked >= 1
    check = api.get(f"/v1/noc/{noc['noc_id']}", noc_token).json()
    assert check["status"] == "revoked" and check["certificate_valid"] is False
    assert "STOLEN" in check["revoked_reason"]
    events = [e for e in store.pending_events() if e.noc_id == noc["noc_id"]]
    assert len(events) == 1 and events[0].kind == "noc_revoked"
    assert events[0].record_id == "cctns:DL-PS0101-2026-0001-V1"
    # the same report read again (an overlap) revokes nothing twice
    assert (
        revoke_on_reports(store, [theft_report("DL03CAB0007", "700007")], now=datetime.now(UTC))
        == 0
    )


def test_the_holder_of_a_revoked_certificate_reads_the_revocation_in_its_feed(
    api: LiveApi,
) -> None:
    """The alert step addresses a revocation to the certificate's holder (`noc:<client>`); that
    client's `GET /v1/alerts` shows it, and another NOC client's does not."""
    scopes = (*NOC_SCOPES, "alerts:read", "alerts:acknowledge")
    holder = api.partner(agency="RTO desk", role=Role.NOC_SERVICE, scopes=scopes)
    other = api.partner(agency="Other RTO", role=Role.NOC_SERVICE, scopes=scopes)
    noc = issue(api, holder, **CLEAN)
    assert noc["decision"] == "CLEAR"
    nocs = api.app.state.noc.store
    assert revoke_on_reports(nocs, [theft_report("DL03CAB0007", "700007")], now=datetime.now(UTC))
    # what the sync's alert step and the delivery worker do next
    alerts: AlertStore = api.app.state.alerts
    step = AlertStep(alerts, Outbox(alerts.db), nocs=nocs)
    assert step.run([]).queued >= 1
    channel = FeedChannel(alerts, lambda: datetime.now(UTC))
    assert Deliverer(Outbox(alerts.db), {"feed": channel}, worker="t").drain().sent >= 1

    feed = api.get("/v1/alerts", holder, params={"purpose": "noc_verification"})
    assert feed.status_code == 200, feed.text
    mine = [a for a in feed.json()["alerts"] if a["kind"] == "noc_revoked"]
    assert [a["detail"]["noc_id"] for a in mine] == [noc["noc_id"]]
    assert "STOLEN" in mine[0]["detail"]["reason"]
    ack = api.post(f"/v1/alerts/{mine[0]['id']}/acknowledge", holder)
    assert ack.status_code == 200, ack.text

    theirs = api.get("/v1/alerts", other, params={"purpose": "noc_verification"})
    assert theirs.status_code == 200, theirs.text
    assert not [a for a in theirs.json()["alerts"] if a["kind"] == "noc_revoked"]

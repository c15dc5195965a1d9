"""`GET /v1/alerts` and `POST /v1/alerts/{id}/acknowledge` on the running API: a desk reads its
own alerts and no other desk's, each cut to what the reader may see now (a sensitive record's
side is `restricted`, with whom to call), the read states a purpose and is audited, and an
acknowledgement stands once."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from alerts import AlertStore
from auth.principal import Role
from state.audit import AuditQuery
from tests.plugins.api import LiveApi

SENSITIVE = {
    "kind": "missing_found",
    "score": 0.91,
    "review": False,
    "own": {
        "record_id": "cctns:MH-PS0412-2024-MP-0001",
        "side": "missing",
        "source": "cctns",
        "state": "MH",
        "names": ["ASHA PAWAR"],
        "marks": "MOLE ON LEFT CHEEK",
        "contact": "station:MH/0412",
    },
    "match": {
        "record_id": "cctns:MH-PS0999-2024-UP-0002",
        "side": "found",
        "source": "cctns",
        "state": "MH",
        "labels": ["sexual_offence"],
        "marks": "MOLE ON LEFT CHEEK",
        "contact": "station:MH/0999",
    },
    "evidence": [{"feature": "identifying marks", "missing": "MOLE", "found": "MOLE", "weight": 2}],
}


def _officer(api: LiveApi, station: str, **kw: Any) -> str:
    demo = api.auth.demo
    assert demo is not None
    return demo.mint(
        role=kw.pop("role", Role.OFFICER), state="MH", district="PUNE", police_station=station, **kw
    )


def _deliver(api: LiveApi, key: str, recipient: str, payload: dict[str, Any]) -> None:
    store: AlertStore = api.app.state.alerts
    store.deliver(
        recipient=recipient, kind=payload["kind"], dedup_key=key, payload=payload,
        now=datetime.now(UTC),
    )  # fmt: skip


def test_a_desk_reads_its_alerts_cut_to_what_it_may_see(live_api: LiveApi) -> None:
    _deliver(live_api, "api-test-1", "station:MH/0412", SENSITIVE)
    _deliver(live_api, "api-test-2", "station:MH/0999", SENSITIVE)
    uncleared = _officer(live_api, "0412")
    answer = live_api.get("/v1/alerts", uncleared, params={"purpose": "morning review"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "station:MH/0412" in body["recipients"]
    mine = [
        a for a in body["alerts"] if a["own"] and a["own"].get("record_id", "").endswith("0001")
    ]
    assert len(mine) == 1 and all(a["recipient"] != "station:MH/0999" for a in body["alerts"])
    alert = mine[0]
    shown_side = {k: v for k, v in alert["match"].items() if v is not None}
    assert shown_side == {"restricted": True, "contact": "station:MH/0999"}
    assert alert["restricted"] and alert["evidence"] == [] and alert["score"] is None
    assert "sexual_offence" not in answer.text and "0002" not in answer.text

    cleared = _officer(live_api, "0412", clearances=["sensitive"])
    shown = live_api.get("/v1/alerts", cleared, params={"purpose": "morning review"}).json()
    alert = next(a for a in shown["alerts"] if a["id"] == mine[0]["id"])
    assert alert["match"]["record_id"] == "cctns:MH-PS0999-2024-UP-0002"
    assert alert["score"] == 0.91 and alert["evidence"]

    entries = live_api.auth.audit.entries(AuditQuery(limit=50, newest_first=True))
    read = next(e for e in entries if e.request_id == answer.headers["X-Request-ID"])
    assert read.purpose == "morning review" and read.route.startswith("/v1/alerts")


def test_reading_the_feed_needs_a_purpose_and_the_scope(live_api: LiveApi) -> None:
    officer = _officer(live_api, "0412")
    assert live_api.get("/v1/alerts", officer).status_code == 422
    auditor = live_api.officer(role=Role.AUDITOR)
    assert live_api.get("/v1/alerts", auditor, params={"purpose": "x review"}).status_code == 403
    assert live_api.get("/v1/alerts", None, params={"purpose": "x review"}).status_code == 401


def test_an_acknowledgement_stands_once_and_only_for_the_desk(live_api: LiveApi) -> None:
    _deliver(live_api, "api-test-ack", "station:MH/0412", SENSITIVE)
    officer = _officer(live_api, "0412", subject="officer-0412-a")
    feed = live_api.get(
        "/v1/alerts", officer, params={"purpose": "ack test", "unacknowledged": "true"}
    ).json()
    alert_id = feed["alerts"][-1]["id"]
    other_desk = _officer(live_api, "0999")
    refused = live_api.post(f"/v1/alerts/{alert_id}/acknowledge", other_desk, json={})
    assert refused.status_code == 404
    done = live_api.post(f"/v1/alerts/{alert_id}/acknowledge", officer, json={"note": "seen"})
    assert done.status_code == 200, done.text
    assert done.json()["acknowledged_by"] == "officer-0412-a"
    again = live_api.post(
        f"/v1/alerts/{alert_id}/acknowledge", _officer(live_api, "0412", subject="b"), json={}
    )
    assert again.json() == done.json()
    left = live_api.get(
        "/v1/alerts", officer, params={"purpose": "ack test", "unacknowledged": "true"}
    ).json()
    assert alert_id not in [a["id"] for a in left["alerts"]]


def _events(text: str) -> list[dict[str, str]]:
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if fields.get("event") == "alert":
            out.append(fields)
    return out


def test_the_feed_streams_as_server_sent_events(live_api: LiveApi) -> None:
    import json
    import threading

    officer = _officer(live_api, "0412")
    _deliver(live_api, "api-test-sse-1", "station:MH/0412", SENSITIVE)
    first = live_api.get("/v1/alerts/stream", officer, params={"purpose": "console"})
    assert first.status_code == 200
    assert first.headers["content-type"].startswith("text/event-stream")
    events = _events(first.text)
    assert events and first.text.startswith("retry: ")
    last = events[-1]["id"]
    shown = json.loads(events[-1]["data"])
    assert shown["match"]["restricted"] is True  # cut like the feed
    # from the last id on: nothing until a new alert arrives while the stream waits
    timer = threading.Timer(
        1.0, _deliver, (live_api, "api-test-sse-2", "station:MH/0412", SENSITIVE)
    )
    timer.start()
    later = live_api.get(
        "/v1/alerts/stream",
        officer,
        params={"purpose": "console", "wait": 4},
        headers={"Last-Event-ID": last},
    )
    timer.join()
    fresh = _events(later.text)
    assert [int(e["id"]) > int(last) for e in fresh] == [True]


def test_a_path_with_two_methods_lists_both_in_allow(live_api: LiveApi) -> None:
    answer = live_api.http.request("PATCH", "/v1/watches/7")
    assert answer.status_code == 405
    assert answer.headers["Allow"] == "DELETE, GET"

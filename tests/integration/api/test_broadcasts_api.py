"""Cri-MAC through the running API: a supervisor's broadcast reaches every police station of the
chosen state and district in the directory (and no other), each station acknowledges it in its
feed, and the sender sees delivery and acknowledgement per station; nobody else may read it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from alerts.delivery import Deliverer, FeedChannel
from alerts.directory import Contact, Directory
from alerts.store import AlertStore
from auth.principal import Role
from state.outbox import Outbox
from tests.plugins.api import LiveApi

DIRECTORY = Directory(
    {
        "station:MH/0412": Contact(name="Shivajinagar", district="PUNE"),
        "station:MH/0007": Contact(name="Kothrud", district="PUNE"),
        "station:MH/0900": Contact(name="Colaba", district="MUMBAI"),
        "station:GJ/0077": Contact(name="Navrangpura", district="AHMEDABAD"),
    }
)


@pytest.fixture
def directory(live_api: LiveApi) -> Iterator[Directory]:
    before = live_api.app.state.directory
    live_api.app.state.directory = DIRECTORY
    yield DIRECTORY
    live_api.app.state.directory = before


def _token(api: LiveApi, role: Role, station: str | None, subject: str) -> str:
    demo = api.auth.demo
    assert demo is not None
    return demo.mint(
        role=role, state="MH", district="PUNE", police_station=station, subject=subject
    )


def test_a_broadcast_reaches_the_chosen_stations_and_tracks_acknowledgements(
    live_api: LiveApi, directory: Directory
) -> None:
    sp = _token(live_api, Role.SUPERVISOR, None, "sp-pune")
    body = {
        "category": "wanted_person",
        "message": "Absconding accused, FIR 0123/2024 PS Shivajinagar",
        "states": ["MH"],
        "districts": ["PUNE"],
        "purpose": "FIR 0123/2024",
    }
    sent = live_api.post("/v1/broadcasts", sp, json=body)
    assert sent.status_code == 201, sent.text
    stations = {s["recipient"] for s in sent.json()["stations"]}
    assert stations == {"station:MH/0412", "station:MH/0007"}
    location = sent.headers["Location"]

    store: AlertStore = live_api.app.state.alerts
    Deliverer(
        Outbox(store.db), {"feed": FeedChannel(store, lambda: datetime.now(UTC))}, worker="api"
    ).drain()
    officer = _token(live_api, Role.OFFICER, "0412", "officer-0412-z")
    feed = live_api.get("/v1/alerts", officer, params={"purpose": "shift start"}).json()
    crimac = [a for a in feed["alerts"] if a["kind"] == "crimac"]
    assert crimac and crimac[-1]["detail"]["message"] == body["message"]
    ack = live_api.post(f"/v1/alerts/{crimac[-1]['id']}/acknowledge", officer, json={})
    assert ack.status_code == 200

    status = {s["recipient"]: s for s in live_api.get(location, sp).json()["stations"]}
    assert status["station:MH/0412"]["acknowledged_by"] == "officer-0412-z"
    assert (
        status["station:MH/0007"]["delivered_at"]
        and not status["station:MH/0007"]["acknowledged_at"]
    )
    # only the sender reads it; officers may not send
    other_sp = _token(live_api, Role.SUPERVISOR, None, "sp-other")
    assert live_api.get(location, other_sp).status_code == 404
    assert live_api.post("/v1/broadcasts", officer, json=body).status_code == 403
    nowhere = live_api.post("/v1/broadcasts", sp, json={**body, "states": ["KL"]})
    assert nowhere.status_code == 201 and nowhere.json()["stations"] == []

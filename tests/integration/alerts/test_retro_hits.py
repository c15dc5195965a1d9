"""Retro-hits and watches on a real state database (SQLite and PostgreSQL): a record arriving
within the window that would have been among a search's results alerts the officer who searched;
one outside the window, one already shown, or one that does not match does not. A watched plate
or profile identifier alerts its watcher. Through the API: searches are remembered, watches made,
read and removed by their owner only."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alerts import AlertStep, AlertStore
from alerts.searches import PERSON, WATCH, SearchMemory, access_of, person_keys, vehicle_keys
from auth.principal import Caller, Role
from records import Identifier, IdType, Kind, Person, Record, Sensitivity, Source, Vehicle
from state import Database
from state.outbox import Outbox
from state.schema import outbox
from tests.plugins.api import LiveApi
from tests.plugins.backends import make

NOW = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def _accused(native: str, name: str, state: str = "MH") -> Record:
    return make(
        Source.CCTNS,
        native,
        Kind.ACCUSED,
        status="ARRESTED",
        state=state,
        police_station="0412",
        people=(Person(name=name, relative_name="SHANKAR PATIL", birth_year=1990),),
    )


def _queued(db: Database) -> list[tuple[str, str, dict[str, object]]]:
    with db.read() as conn:
        rows = conn.execute(sa.select(outbox.c.kind, outbox.c.recipient, outbox.c.payload)).all()
    return [(k, r, json.loads(p)) for k, r, p in rows]


def test_a_record_that_would_have_been_in_a_search_alerts_the_searcher(
    state_db: Database,
) -> None:
    memory = SearchMemory(state_db)
    query = {"name": "Rajendra Patil", "father_name": "Shankar", "birth_year": 1990}
    memory.remember(
        kind=PERSON,
        subject="officer-17",
        query=query,
        keys=person_keys(query),
        results=["cctns:SHOWN"],
        now=NOW,
        min_score=0.5,
    )
    clock = {"now": NOW + timedelta(days=1)}
    step = AlertStep(
        AlertStore(state_db), Outbox(state_db), searches=memory, clock=lambda: clock["now"]
    )
    step.run(
        [
            _accused("NEW-1", "RAJENDRA SHANKAR PATIL"),  # would have been found
            _accused("SHOWN", "RAJENDRA PATIL"),  # already shown: no alert
            _accused("OTHER-1", "MOHAMMED IRFAN"),  # another person
        ]
    )
    queued = _queued(state_db)
    assert [(k, r) for k, r, _ in queued] == [("retro_hit", "officer:officer-17")]
    payload = queued[0][2]
    assert payload["match"]["record_id"] == "cctns:NEW-1"  # type: ignore[index]
    assert payload["own"]["search"]["query"]["name"] == "Rajendra Patil"  # type: ignore[index]

    clock["now"] = NOW + timedelta(days=6)  # past the five-day window
    step.run([_accused("NEW-2", "RAJENDRA S PATIL")])
    assert len(_queued(state_db)) == 1
    assert memory.forget_expired(clock["now"]) == 1


def test_a_retro_hit_on_a_record_the_searcher_may_not_see_is_not_sent(
    state_db: Database,
) -> None:
    """Two officers searched for the same name; a sexual-offence case arrives. The one cleared
    for such records is told; the other is not told anything (not even "restricted": that
    would say the person he searched for has a record he may not see). A partner client whose
    entitlement stops at Sarathi is not told of a CCTNS record either."""
    memory = SearchMemory(state_db)
    query = {"name": "Rajendra Patil", "father_name": "Shankar", "birth_year": 1990}
    none: frozenset[str] = frozenset()
    searchers = {
        "cleared": Caller(
            "cleared", Role.OFFICER, none, state="MH", clearances=frozenset({"sensitive"})
        ),
        "plain": Caller("plain", Role.OFFICER, none, state="MH"),
        "cbi": Caller(
            "cbi", Role.PARTNER, none, client_id="cbi-1", sources=frozenset({Source.SARATHI})
        ),
    }
    for subject, caller in searchers.items():
        memory.remember(
            kind=PERSON,
            subject=subject,
            query=query,
            keys=person_keys(query),
            results=[],
            now=NOW,
            min_score=0.5,
            access=access_of(caller),
        )
    step = AlertStep(
        AlertStore(state_db), Outbox(state_db), searches=memory, clock=lambda: NOW + timedelta(1)
    )
    labelled = _accused("SO-1", "RAJENDRA SHANKAR PATIL")
    labelled = labelled.model_copy(update={"sensitivity": frozenset({Sensitivity.SEXUAL_OFFENCE})})
    step.run([labelled])
    queued = _queued(state_db)
    assert [r for _, r, _ in queued] == ["officer:cleared"]
    assert "access" not in queued[0][2]["own"]["search"]["query"]  # type: ignore[index]

    step.run([_accused("PLAIN-1", "RAJENDRA SHANKAR PATIL")])  # unlabelled: officers, not CBI
    assert sorted(r for _, r, _ in _queued(state_db)) == [
        "officer:cleared",
        "officer:cleared",
        "officer:plain",
    ]


def test_a_watched_plate_alerts_its_watcher(state_db: Database) -> None:
    memory = SearchMemory(state_db)
    keys = vehicle_keys("MH12AB1234")
    memory.remember(
        kind=WATCH,
        subject="officer-9",
        query={"keys": sorted(keys)},
        keys=keys,
        results=[],
        now=NOW,
        window=None,
    )
    step = AlertStep(
        AlertStore(state_db),
        Outbox(state_db),
        searches=memory,
        clock=lambda: NOW + timedelta(days=400),  # watches do not expire
    )
    seen = make(
        Source.VAHAN,
        "MH12AB1234#3",
        Kind.VEHICLE_REGISTRATION,
        status="ACTIVE",
        state="MH",
        vehicle=Vehicle(registration_no="MH12AB1234", chassis_no="MA3EWDE1S00123456"),
        identifiers=(Identifier(type=IdType.REGISTRATION, value="MH12AB1234"),),
    )
    other = make(
        Source.VAHAN,
        "MH12AB9999#1",
        Kind.VEHICLE_REGISTRATION,
        vehicle=Vehicle(registration_no="MH12AB9999"),
    )
    step.run([seen, other])
    queued = _queued(state_db)
    assert [(k, r) for k, r, _ in queued] == [("watch_hit", "officer:officer-9")]


def test_searches_are_remembered_and_watches_belong_to_their_owner(live_api: LiveApi) -> None:
    demo = live_api.auth.demo
    assert demo is not None
    officer = demo.mint(role=Role.OFFICER, state="MH", district="PUNE", subject="retro-officer")
    answer = live_api.post(
        "/v1/persons/search", officer, json={"name": "Zorawar Bhullar", "purpose": "FIR 1/2026"}
    )
    assert answer.status_code == 200
    memory: SearchMemory = live_api.app.state.searches
    with memory.db.read() as conn:
        found = memory.sharing(conn, person_keys({"name": "Zorawar Bhullar"}), datetime.now(UTC))
    assert [m.subject for m in found] == ["retro-officer"]

    made = live_api.post(
        "/v1/watches", officer, json={"registration_no": "MH-12-AB-1234", "purpose": "FIR 1/2026"}
    )
    assert made.status_code == 201, made.text
    watch_id = made.json()["watch_id"]
    assert made.headers["Location"] == f"/v1/watches/{watch_id}"
    assert live_api.get(f"/v1/watches/{watch_id}", officer).json()["keys"] == 1
    stranger = demo.mint(role=Role.OFFICER, state="MH", district="PUNE", subject="someone-else")
    assert live_api.get(f"/v1/watches/{watch_id}", stranger).status_code == 404
    assert (
        live_api.http.delete(
            f"/v1/watches/{watch_id}", headers={"Authorization": f"Bearer {stranger}"}
        ).status_code
        == 404
    )
    gone = live_api.http.delete(
        f"/v1/watches/{watch_id}", headers={"Authorization": f"Bearer {officer}"}
    )
    assert gone.json() == {"watch_id": watch_id, "removed": True}
    assert live_api.get(f"/v1/watches/{watch_id}", officer).status_code == 404
    nothing = live_api.post("/v1/watches", officer, json={"purpose": "FIR 1/2026"})
    assert nothing.status_code == 422
    unseen = live_api.post(
        "/v1/watches", officer, json={"profile_id": "p2_" + "0" * 40, "purpose": "FIR 1/2026"}
    )
    assert unseen.status_code == 404


def test_a_profile_is_watched_by_its_identifiers_and_names(live_api: LiveApi) -> None:
    demo = live_api.auth.demo
    assert demo is not None
    officer = demo.mint(role=Role.OFFICER, state="MH", district="PUNE", subject="watcher-2")
    found = live_api.post(
        "/v1/persons/search", officer, json={"name": "Rajendra Patil", "purpose": "FIR 2/2026"}
    ).json()
    profile = found["profiles"][0]
    made = live_api.post(
        "/v1/watches", officer, json={"profile_id": profile["profile_id"], "purpose": "FIR 2/2026"}
    )
    assert made.status_code == 201, made.text
    assert made.json()["keys"] >= 1
    assert set(made.json()["watching"]) >= {r["record_id"] for r in profile["records"]}

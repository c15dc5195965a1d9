"""The sexual-offender register's alerts from the sync hook (`alerts.ndso`): a registered
offender in a new record alerts his station (certain when the index links the record to his,
REVIEW when only name and birth year agree), a namesake of another age does not, and an address
at a hostel does; a re-run queues nothing twice. Against the simulated world's ground truth, a
certain alert is always about the registered person."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from alerts.hook import sync_hook
from config import SearchSettings, SourceSettings, SyncSettings
from connectors.engine import run_sync
from indexer import open_backend
from records import Identifier, IdType, Kind, Person, Record, Relation, Source, Vehicle
from simulators.harness import start_simulators
from state import Database
from state.schema import outbox
from tests.plugins.api import fill
from tests.plugins.backends import make

STATION = "station:MH/0412"


def _queued(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with db.read() as conn:
        rows = conn.execute(sa.select(outbox.c.kind, outbox.c.recipient, outbox.c.payload)).all()
    return [(k, r, json.loads(p)) for k, r, p in rows]


def offender(**person: Any) -> Person:
    fields: dict[str, Any] = {
        "name": "SURESH BABURAO JADHAV",
        "relative_name": "BABURAO JADHAV",
        "relation": Relation.SON_OF,
        "birth_year": 1979,
        "address": "H NO 4, KASBA PETH, PUNE",
    }
    fields.update(person)
    return Person(**fields)


def registering() -> list[Record]:
    fir, later = "MH/0412/2020/77", "MH/0412/2025/9"
    return [
        make(
            Source.CCTNS,
            "MH-PS0412-2020-0077-A1",
            Kind.ACCUSED,
            status="CONVICTED",
            state="MH",
            district="PUNE",
            police_station="0412",
            event_date=date(2020, 2, 3),
            people=(offender(),),
            identifiers=(Identifier(type=IdType.FIR, value=fir),),
            attributes={"act_section": "IPC 376", "ps_name": "SHIVAJINAGAR"},
        ),
        make(
            Source.EPRISONS,
            "MH/YERWADA/2021/000123",
            Kind.INMATE,
            state="MH",
            district="PUNE",
            event_date=date(2021, 1, 5),
            people=(Person(name="Suresh Baburao Jadhav", relative_name="Baburao Jadhav",
                           relation=Relation.RELATIVE, age_from=41, age_to=41,
                           age_on=date(2021, 1, 5)),),
            identifiers=(
                Identifier(type=IdType.PRISONER, value="MH/YERWADA/2021/000123"),
                Identifier(type=IdType.FIR, value=fir),
                Identifier(type=IdType.FIR, value=later),
            ),
            attributes={
                "category": "CONVICT",
                "cases": [
                    {"firNumber": "0077/2020", "psCode": "0412", "sections": "IPC 376"},
                    {"firNumber": "0009/2025", "psCode": "0412", "sections": "IPC 379"},
                ],
            },
        ),
    ]  # fmt: skip


def appearing() -> list[Record]:
    return [
        # his new arrest: linked by the index to his inmate record (FIR + name): certain
        make(
            Source.CCTNS,
            "MH-PS0412-2025-0009-A1",
            Kind.ACCUSED,
            status="ARRESTED",
            state="MH",
            district="PUNE",
            police_station="0412",
            event_date=date(2025, 3, 1),
            people=(offender(address="SHANTI LODGE, PUNE"),),
            identifiers=(Identifier(type=IdType.FIR, value="MH/0412/2025/9"),),
            attributes={"act_section": "IPC 379"},
        ),
        # his driving licence, at a hostel: name and birth year agree (REVIEW), and the place
        make(
            Source.SARATHI,
            "MH1220190012345",
            Kind.DRIVING_LICENCE,
            state="MH",
            people=(
                Person(
                    name="Suresh Baburao Jadhav",
                    birth_date=date(1979, 6, 1),
                    address="Room 12, Boys Hostel, Fergusson College, Pune",
                ),
            ),
            identifiers=(Identifier(type=IdType.DRIVING_LICENCE, value="MH1220190012345"),),
        ),
        # a namesake 16 years younger: nothing
        make(
            Source.SARATHI,
            "MH1220210054321",
            Kind.DRIVING_LICENCE,
            state="MH",
            people=(Person(name="Suresh Baburao Jadhav", birth_date=date(1995, 2, 2)),),
            identifiers=(Identifier(type=IdType.DRIVING_LICENCE, value="MH1220210054321"),),
        ),
        # a vehicle in his name with no birth date: a name alone tells nobody anything
        make(
            Source.VAHAN,
            "MH12XY9999#1",
            Kind.VEHICLE_REGISTRATION,
            state="MH",
            people=(Person(name="SURESH JADHAV", address="FLAT 2, KOTHRUD, PUNE"),),
            vehicle=Vehicle(registration_no="MH12XY9999", owner_serial=1),
        ),
    ]


def test_a_registered_offender_in_new_records_alerts_his_station(tmp_path: Path) -> None:
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    db = Database.sqlite(tmp_path / "alerts.db")
    hook, close, _ = sync_hook(db, db, backend)
    try:
        first = registering()
        fill(backend, first)
        hook(first)
        assert [q for q in _queued(db) if q[0].startswith("ndso")] == []
        later = appearing()
        fill(backend, later)
        hook(later)
        hook(later)  # a re-run (a crash before the checkpoint) queues nothing twice
        got = [(k, r, p) for k, r, p in _queued(db) if k.startswith("ndso")]
        by = {(k, p["match"]["record_id"]): (r, p) for k, r, p in got}
        assert len(by) == len(got)
        arrest = by[("ndso_appeared", "cctns:MH-PS0412-2025-0009-A1")]
        assert arrest[0] == STATION and arrest[1]["review"] is False
        licence = by[("ndso_appeared", "sarathi:MH1220190012345")]
        assert licence[0] == STATION and licence[1]["review"] is True  # name and birth year only
        hostel = by[("ndso_place", "sarathi:MH1220190012345")]
        assert "Hostel" in hostel[1]["evidence"][0]["level"]
        assert ("ndso_place", "cctns:MH-PS0412-2025-0009-A1") not in by  # a lodge is no hotel
        assert set(by) == {
            ("ndso_appeared", "cctns:MH-PS0412-2025-0009-A1"),
            ("ndso_appeared", "sarathi:MH1220190012345"),
            ("ndso_place", "sarathi:MH1220190012345"),
        }
        # the register's side carries its label: an uncleared reader is told only whom to call
        assert arrest[1]["own"]["labels"] == ["sexual_offence"]
    finally:
        close()
        backend.close()


def test_what_arrived_before_the_conviction_alerts_as_had_it_arrived_after(tmp_path: Path) -> None:
    """The sources' order must not decide what his station is told: his later arrest and his
    licence, held before his conviction arrives, alert when it does (the arrest linked through
    the inmate's FIRs: certain). The convicting case's own accused row, dated before he was
    registered, is his history, not an appearance."""
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    db = Database.sqlite(tmp_path / "alerts.db")
    hook, close, _ = sync_hook(db, db, backend)
    try:
        convicting, inmate = registering()
        history = make(
            Source.CCTNS,
            "MH-PS0412-2020-0077-A1-CS",
            Kind.ACCUSED,
            status="CHARGESHEETED",
            state="MH",
            district="PUNE",
            police_station="0412",
            event_date=date(2020, 2, 3),
            people=(offender(),),
            identifiers=(Identifier(type=IdType.FIR, value="MH/0412/2020/77"),),
        )
        arrest, licence, _, _ = appearing()
        before = [arrest, licence, history]
        fill(backend, before)
        hook(before)
        assert [q for q in _queued(db) if q[0].startswith("ndso")] == []  # nobody registered yet
        fill(backend, [convicting, inmate])
        hook([convicting, inmate])
        got = {(k, p["match"]["record_id"]): p for k, _, p in _queued(db) if k == "ndso_appeared"}
        assert set(got) == {
            ("ndso_appeared", "cctns:MH-PS0412-2025-0009-A1"),
            ("ndso_appeared", "sarathi:MH1220190012345"),
        }
        arrested = got[("ndso_appeared", "cctns:MH-PS0412-2025-0009-A1")]
        assert arrested["review"] is False
        assert arrested["evidence"][0]["level"] == "linked to eprisons:MH/YERWADA/2021/000123"
        assert got[("ndso_appeared", "sarathi:MH1220190012345")]["review"] is True
    finally:
        close()
        backend.close()


def test_a_link_that_arrives_later_makes_a_review_certain(tmp_path: Path) -> None:
    """CCTNS before e-Prisons: his later arrest arrives with his conviction, before the inmate
    record that links the two; it is sent for REVIEW (name and birth year). When the inmate
    arrives, the index joins the arrest to him: it is sent again, certain."""
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    db = Database.sqlite(tmp_path / "alerts.db")
    hook, close, _ = sync_hook(db, db, backend)
    try:
        convicting, inmate = registering()
        arrest = appearing()[0]
        for batch in ([convicting, arrest], [inmate], [inmate]):  # the last: a re-run
            fill(backend, batch)
            hook(batch)
        got = [
            (p["review"], p["evidence"][0]["level"])
            for k, _, p in _queued(db)
            if k == "ndso_appeared" and p["match"]["record_id"] == arrest.record_id
        ]
        assert got == [
            (True, "name and birth year agree with cctns:MH-PS0412-2020-0077-A1 (0.99)"),
            (False, "linked to eprisons:MH/YERWADA/2021/000123"),
        ]
    finally:
        close()
        backend.close()


def _synced(tmp_path: Path, simulators: Any, first: tuple[str, ...]) -> list[dict[str, Any]]:
    """The NDSO alerts of a first sync that takes the sources in `first` one by one, then the
    rest, into an index of its own."""
    backend = open_backend(SearchSettings(path=tmp_path / "index.db"))
    db = Database.sqlite(tmp_path / "alerts.db")
    hook, close, _ = sync_hook(db, db, backend)
    try:
        sources = {n: SourceSettings.model_validate(e) for n, e in simulators.manifest.items()}
        state = tmp_path / "sync.db"
        for run in [*({n: sources[n]} for n in first), sources]:
            report = asyncio.run(
                run_sync(run, backend, state, SyncSettings(state_path=state), on_written=hook)
            )
            assert report.ok
        return [p for k, _, p in _queued(db) if k.startswith("ndso")]
    finally:
        close()
        backend.close()


def _alerted(payloads: list[dict[str, Any]], certain: bool | None = None) -> set[tuple[str, str]]:
    """(kind, record id) of the alerts, of all or only the certain (True) or REVIEW ones."""
    return {
        (p["kind"], p["match"]["record_id"])
        for p in payloads
        if certain is None or p["review"] is not certain
    }


def test_certain_alerts_are_about_the_registered_person(tmp_path: Path) -> None:
    """A world large enough to hold convicted sexual offenders, synced with the hook: every
    certain NDSO alert's new record is, by the ground truth, the same person as the conviction
    that registered him, and the same records alert whichever source syncs first.

    The sources are synced one after another (e-Prisons, then CCTNS, then the rest; and again
    with CCTNS first), so that what is measured does not depend on timing. With CCTNS first,
    an arrest that arrives before the inmate record linking it to him is sent for REVIEW first,
    then again as certain (seed 23: the same 32 records in both orders and interleaved, 4
    certain, all right by the ground truth; CCTNS first sends 5 more)."""
    simulators = start_simulators(seed=23, persons=1500, faults="none", data_dir=tmp_path / "w")
    try:
        ndso = _synced(tmp_path / "a", simulators, ("eprisons", "cctns"))
        other = _synced(tmp_path / "b", simulators, ("cctns", "eprisons"))
        truth = simulators.ground_truth
    finally:
        simulators.stop()

    assert _alerted(ndso) == _alerted(other)
    assert _alerted(ndso, certain=True) == _alerted(other, certain=True)

    def same(payload: dict[str, Any]) -> bool:
        registered = set(truth.person_of(payload["own"]["record_id"]))
        return bool(registered & set(truth.person_of(payload["match"]["record_id"])))

    certain = [p for p in ndso if not p["review"]]
    assert len(certain) >= 3, "the world's offenders appear in linked new records"
    assert all(same(p) for p in certain), [p for p in certain if not same(p)]
    # name and birth year only: REVIEW, and mostly right (the world plants namesakes with
    # the same father's name; measured 100% on seed 23 after the birth-year check)
    review = [p for p in ndso if p["review"]]
    assert sum(same(p) for p in review) >= 0.8 * len(review)

"""The stores beside the index behave alike on SQLite and on a real PostgreSQL server: every test
here runs on both (`state_db`), against one database of each per test."""

from __future__ import annotations

import itertools
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from auth.clients import ClientRegistry
from auth.principal import Role
from federation.noc_model import Decision, IssuedNoc, NocReason
from federation.noc_store import NocStore
from state import Database
from state.audit import GENESIS, AuditEvent, AuditLog, AuditQuery
from state.lockouts import SharedFailures
from state.migrate import HEADS, ensure, script_heads
from state.outbox import DEAD, SENT, Outbox
from state.revocations import RevocationStore
from state.schema import AREAS, METADATA
from state.sync import Quarantined, StateStore
from tests.plugins.at_once import at_once

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _twin(db: Database, tmp_path: Path) -> Database:
    """A second, independent engine on the same database: another process, as the database
    sees it (its own pool, its own connections)."""
    if db.is_sqlite:
        return Database.sqlite(Path(str(db.engine.url.database)))
    return Database.from_url(db.engine.url.render_as_string(hide_password=False))


def _event(i: int, **kw: object) -> AuditEvent:
    base: dict[str, object] = {
        "route": "/v1/persons/search",
        "method": "POST",
        "status": 200,
        "decision": "allow",
        "actor": f"officer-{i}",
        "role": "officer",
        "actor_state": "MH",
        "actor_district": "PUNE",
        "query": {"name": f"Ramesh {i}", "nested": {"ऩाम": "राज"}},
        "purpose": f"FIR {i}/2026",
        "record_ids": [f"cctns:{i}"],
        "latency_ms": 3.25,
        "request_id": f"req-{i}",
    }
    base.update(kw)
    return AuditEvent(**base)  # type: ignore[arg-type]


# -- schema -----------------------------------------------------------------------------------


@pytest.mark.parametrize("area", AREAS)
def test_migrations_build_exactly_the_declared_tables(state_db: Database, area: str):
    """What the migrations create is what `state.schema` declares (columns, types, indexes,
    constraints): autogenerate finds nothing to do, on both engines."""
    ensure(state_db, area)
    with state_db.read() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, METADATA[area])
    ours = {t.name for t in METADATA[area].tables.values()}
    # other areas' tables and the version tables are not this area's business
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name not in ours)]
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].table.name not in ours)]
    assert diff == []


def test_the_heads_written_in_code_are_the_scripts_heads():
    assert {area: script_heads(area) for area in AREAS} == {a: [h] for a, h in HEADS.items()}


def test_migrating_twice_and_concurrently_is_harmless(state_db: Database, tmp_path: Path):
    twins = [_twin(state_db, tmp_path) for _ in range(3)]

    def migrate(db: Database) -> None:
        for area in AREAS:
            ensure(db, area)

    errors = at_once([lambda db=db: migrate(db) for db in twins])
    for db in twins:
        db.close()
    assert errors == []
    for area in AREAS:
        ensure(state_db, area)


# -- audit ------------------------------------------------------------------------------------


def test_audit_chain_appends_reads_and_verifies(state_db: Database):
    log = AuditLog(state_db)
    for i in range(1, 6):
        log.append(_event(i, actor_district="PUNE" if i % 2 else "NAGPUR"))
    entries = log.entries(AuditQuery(newest_first=False))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    for prev, cur in itertools.pairwise(entries):
        assert cur.prev_hash == prev.hash
        assert cur.time >= prev.time
    assert entries[0].query == {"name": "Ramesh 1", "nested": {"ऩाम": "राज"}}
    assert entries[0].latency_ms == 3.25
    assert [e.seq for e in log.entries(AuditQuery(state="MH", district="NAGPUR"))] == [4, 2]
    assert [e.seq for e in log.entries(AuditQuery(actor="officer-3"))] == [3]
    assert [e.seq for e in log.entries(AuditQuery(since_seq=3, before_seq=5))] == [4]
    assert log.count() == 5
    result = log.verify()
    assert result.ok and result.entries == 5 and result.head_hash == entries[-1].hash
    assert not log.verify(expect_head="f" * 64).ok


def test_audit_detects_an_edit_and_a_cut_tail(state_db: Database):
    log = AuditLog(state_db)
    for i in range(1, 5):
        log.append(_event(i))
    with state_db.write() as conn:
        conn.execute(sa.text("UPDATE audit SET purpose = 'nothing' WHERE seq = 2"))
    assert log.verify().first_bad_seq == 2
    with state_db.write() as conn:
        conn.execute(sa.text("DELETE FROM audit WHERE seq >= 2"))
    result = log.verify()
    assert not result.ok and "removed from the end" in result.problems[0]


def test_audit_chain_stays_one_chain_with_concurrent_writers(state_db: Database, tmp_path: Path):
    """Four writers with their own engines (four processes, as the database sees them), eight
    threads each, appending at once: one unbroken chain, every entry once."""
    writers = [AuditLog(_twin(state_db, tmp_path)) for _ in range(4)]
    per_thread = 15

    def append(log: AuditLog, w: int, t: int) -> None:
        for i in range(per_thread):
            log.append(_event(i, request_id=f"w{w}-t{t}-{i}"))

    threads = [
        threading.Thread(target=append, args=(log, w, t))
        for w, log in enumerate(writers)
        for t in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log = AuditLog(state_db)
    result = log.verify()
    assert result.ok, result.problems
    assert result.entries == 4 * 8 * per_thread
    ids = [e.request_id for e in log.entries(AuditQuery(limit=1000))]
    assert len(set(ids)) == len(ids) == 4 * 8 * per_thread
    for writer in writers:
        writer.db.close()


# -- auth -------------------------------------------------------------------------------------


def test_revocations_are_seen_by_every_instance(state_db: Database, tmp_path: Path):
    one, other = RevocationStore(state_db), RevocationStore(_twin(state_db, tmp_path))
    expires = int(datetime.now(UTC).timestamp()) + 600
    assert not other.is_revoked("jti-1")
    one.revoke("jti-1", "cbi-1", expires)
    one.revoke("jti-1", "cbi-1", expires)  # twice is once
    assert other.is_revoked("jti-1") and not other.is_revoked("jti-2")
    assert one.first_use_of_assertion("cbi-1", "a-1", expires)
    assert not other.first_use_of_assertion("cbi-1", "a-1", expires)  # replayed elsewhere
    assert other.first_use_of_assertion("nia-1", "a-1", expires)  # another client's id
    other.db.close()


def test_client_registry(state_db: Database):
    registry = ClientRegistry(state_db)
    client, secret = registry.create(
        agency="CBI", scopes=["persons:search"], clearances=["sensitive"]
    )
    assert secret is not None
    assert registry.check_secret(client.client_id, secret)
    assert not registry.check_secret(client.client_id, secret + "x")
    assert not registry.check_secret("nobody", secret)
    got = registry.get(client.client_id)
    assert got is not None and got.role is Role.PARTNER and got.clearances == {"sensitive"}
    assert got.has_secret and got.scopes == {"persons:search"}
    registry.disable(client.client_id)
    assert not registry.check_secret(client.client_id, secret)
    assert [c.client_id for c in registry.list(include_disabled=False)] == []
    registry.enable(client.client_id)
    new = registry.rotate_secret(client.client_id)
    assert registry.check_secret(client.client_id, new)
    assert not registry.check_secret(client.client_id, secret)
    registry.bind_certificate(client.client_id, "A" * 43, bound=True)
    bound = registry.get(client.client_id)
    assert bound is not None and bound.cert_bound and bound.cert_thumbprint == "A" * 43


def test_token_endpoint_failures_are_shared(state_db: Database, tmp_path: Path):
    one = SharedFailures(state_db, window_s=900)
    other = SharedFailures(_twin(state_db, tmp_path), window_s=900)
    now = 1_000_000.0
    assert not one.add("pair:cbi@10.0.0.1", now, 3, 60)
    assert not other.add("pair:cbi@10.0.0.1", now + 1, 3, 60)
    assert one.locked("pair:cbi@10.0.0.1", now + 1) == 0
    assert one.add("pair:cbi@10.0.0.1", now + 2, 3, 60)  # the third, counted across both
    assert other.locked("pair:cbi@10.0.0.1", now + 3) == pytest.approx(59)
    assert other.locked("pair:cbi@10.0.0.1", now + 63) == 0  # over
    assert not one.add("pair:cbi@10.0.0.2", now - 1000, 3, 60)  # outside the window
    assert not one.add("pair:cbi@10.0.0.2", now, 3, 60)
    assert not one.add("pair:cbi@10.0.0.2", now, 3, 60)
    other.clear("pair:cbi@10.0.0.2")  # a success forgets them
    assert not one.add("pair:cbi@10.0.0.2", now, 3, 60)
    other.db.close()


# -- sync state --------------------------------------------------------------------------------


def test_sync_state_commits_pages_and_answers(state_db: Database):
    with StateStore(state_db) as state:
        assert state.checkpoint("cctns", "persons").watermark is None
        new = state.commit_page(
            "cctns",
            "persons",
            watermark=T0,
            walk={"page": "p2"},
            success=False,
            written=[("cctns:A1", 10), ("cctns:A2", 20)],
            quarantined=[
                Quarantined("cctns", "B1", "unparseable date", {"regn_no": "MH12AB1234", "x": 1}),
                Quarantined(
                    "cctns", "B2", "bad state", {"chassis_no": "MALBB51BLAM654321"}, indexed=True
                ),
            ],
            redactions=[("A1", "aadhaar", "aadhaar number")],
        )
        assert new == 2
        assert state.versions(["cctns:A1", "cctns:A2", "cctns:A3"]) == {
            "cctns:A1": 10,
            "cctns:A2": 20,
        }
        cp = state.checkpoint("cctns", "persons")
        assert cp.watermark == T0 and cp.walk == {"page": "p2"} and cp.last_success is None
        # the same rows again: nothing new, seen twice
        again = state.commit_page(
            "cctns",
            "persons",
            watermark=T0,
            walk=None,
            success=True,
            written=[("cctns:A1", 11)],
            quarantined=[
                Quarantined("cctns", "B1", "unparseable date", {"regn_no": "MH12AB1234", "x": 1})
            ],
            as_of=T0,
        )
        assert again == 0
        assert state.versions(["cctns:A1"]) == {"cctns:A1": 11}
        state.commit_page(  # the same id twice in a page: the later version stands
            "cctns", "persons", watermark=T0, walk=None, success=False,
            written=[("cctns:A2", 21), ("cctns:A2", 22)],
        )  # fmt: skip
        assert state.versions(["cctns:A2"]) == {"cctns:A2": 22}
        assert state.checkpoint("cctns", "persons").last_success is not None
        assert state.quarantine_split() == {"cctns": (1, 1)}
        assert state.quarantine_counts() == {"cctns": 2}
        assert state.redaction_counts() == {"cctns": 1}
        # a fragment of a chassis number, either way round, finds the damaged row
        assert [m.native_id for m in state.mentions(chassis="654321")] == ["B2"]
        assert [m.native_id for m in state.mentions(chassis="XMALBB51BLAM654329")] == []
        assert [m.native_id for m in state.mentions(registration="MH 12 AB 1234")] == ["B1"]
        assert state.mentions(registration="MH12AB9999") == []
        entries = list(state.quarantine_entries("cctns"))
        assert [e.native_id for e in entries] == ["B1", "B2"] and entries[0].seen == 2
        state.resolve(entries[0].id, "replayed")
        assert [e.native_id for e in state.quarantine_entries()] == ["B2"]
        state.reopen(entries[0].id, "still bad", indexed=False)
        assert len(list(state.quarantine_entries())) == 2
        state.saw("cctns", "persons", T0 + timedelta(hours=1))
        state.saw("cctns", "persons", T0)  # older: ignored
        assert state.source_times()[("cctns", "persons")] == (T0, T0 + timedelta(hours=1))
        assert state.count_versions("cctns") == 2
        state.reset("cctns")
        assert state.count_versions("cctns") == 0


def test_quarantine_keeps_ids_no_text_column_holds(state_db: Database):
    """A row whose id carries NUL or a lone surrogate is quarantined alike on both engines."""
    with StateStore(state_db) as state:
        state.add_quarantine(
            [Quarantined("ncrp", "C\x001", "id \ud800 unreadable", {"id": "C\x001"}, "x\x00")]
        )
        [entry] = state.quarantine_entries()
        assert entry.native_id == "C\\u00001" and entry.reason == "id \\ud800 unreadable"
        assert entry.payload == {"id": "C\x001"}


def test_sync_runs_reconciliation_and_failures(state_db: Database):
    with StateStore(state_db) as state:
        first = state.start_run("eprisons", full=False)
        state.finish_run(first, "ok", {"fetched": 3}, None)
        second = state.start_run("eprisons", full=True)
        assert second > first
        state.finish_run(second, "failed", {"extra": {"failed_stream": "inmates"}}, "HTTP 503")
        runs = state.last_runs()
        assert runs["eprisons"]["status"] == "failed" and runs["eprisons"]["counts"]["extra"]
        failure = state.last_failure("eprisons")
        assert failure is not None and failure.stream == "inmates" and failure.error == "HTTP 503"
        state.commit_page(
            "eprisons",
            "inmates",
            watermark=None,
            walk=None,
            success=True,
            written=[("eprisons:P1", 1), ("eprisons:P2", 1)],
            quarantined=[Quarantined("eprisons", "P9", "no name", {"id": "P9"})],
        )
        state.reconcile_begin("eprisons")
        state.reconcile_add(["eprisons:P1", "eprisons:P3", "eprisons:P9"])
        state.reconcile_add(["eprisons:P1"])
        assert state.reconcile_missing(["eprisons:P1", "eprisons:P2"]) == ["eprisons:P2"]
        assert state.reconcile_unknown("eprisons") == 1  # P3: neither indexed nor quarantined
        state.record_reconciliation("eprisons", T0, 3, ["eprisons:P2"])
        state.mark_reconciled("eprisons", "reconcile", T0)
        assert state.last_reconciliations()["eprisons"]["removed_ids"] == ["eprisons:P2"]
        assert state.checkpoint("eprisons", "reconcile").last_reconcile == T0


# -- NOCs and the outbox ----------------------------------------------------------------------


def _noc(noc_id: str, registration: str, chassis: str, expires: datetime) -> IssuedNoc:
    return IssuedNoc(
        noc_id=noc_id,
        issued_at=T0,
        registration_no=registration,
        chassis_no=chassis,
        engine_no=None,
        decision=Decision.CLEAR,
        reasons=(NocReason("clear", "nothing against it"),),
        certificate="eyJ.x.y",
        issued_to="noc-service",
        expires_at=expires,
        audience="rto",
        purpose="transfer",
        evidence={"vahan": T0.isoformat()},
    )


def test_noc_store_revokes_once_and_keeps_events(state_db: Database, tmp_path: Path):
    store = NocStore(state_db)
    store.add(_noc("n1", "MH12AB1234", "MALBB51BLAM654321", T0 + timedelta(days=30)))
    store.add(_noc("n2", "MH12AB9999", "MA1TA2HRXK2099887", T0 - timedelta(days=1)))  # expired
    got = store.get("n1")
    assert got is not None and got.reasons[0].code == "clear" and got.evidence["vahan"]
    assert [n.noc_id for n in store.for_registration("MH12AB1234")] == ["n1"]
    assert [
        n.noc_id for n in store.clear_for(registration=None, chassis="654321", engine=None, now=T0)
    ] == ["n1"]
    assert store.clear_for(registration="MH12AB9999", chassis=None, engine=None, now=T0) == []
    other = NocStore(_twin(state_db, tmp_path))
    assert store.revoke(got, at=T0, reason="reported stolen", record_id="cctns:V1")
    assert not other.revoke(got, at=T0, reason="reported stolen", record_id="cctns:V1")
    revoked = other.get("n1")
    assert revoked is not None and revoked.revoked_at == T0
    [event] = other.pending_events()
    assert event.noc_id == "n1" and event.record_id == "cctns:V1"
    store.mark_picked([event.id], T0)
    assert other.pending_events() == []
    other.rows.db.close()


def test_outbox_deduplicates_leases_and_gives_up(state_db: Database, tmp_path: Path):
    box = Outbox(state_db)
    add = {"kind": "watch_hit", "channel": "webhook", "recipient": "https://x.example/hook"}
    assert box.add(**add, dedup_key="w1:r1", payload={"record": "cctns:1"}, now=T0)
    assert not box.add(**add, dedup_key="w1:r1", payload={"record": "cctns:1"}, now=T0)
    assert box.add(**add, dedup_key="w1:r2", payload={"record": "cctns:2"}, now=T0)
    assert box.add(
        **add, dedup_key="w1:r3", payload={"record": "cctns:3"}, now=T0 + timedelta(hours=1)
    )
    lease = timedelta(minutes=1)
    claimed = box.claim("a", now=T0, lease=lease)
    assert [m.dedup_key for m in claimed] == ["w1:r1", "w1:r2"]  # r3 is not due yet
    assert box.claim("b", now=T0, lease=lease) == []  # leased to a
    assert box.sent(claimed[0].id, "a", now=T0)
    assert box.failed(claimed[1].id, "a", "HTTP 500", now=T0, retry_in=timedelta(0), max_attempts=2)
    [retry] = box.claim("b", now=T0 + timedelta(seconds=1), lease=lease)
    assert retry.dedup_key == "w1:r2" and retry.attempts == 1
    assert not box.sent(retry.id, "a", now=T0)  # a's claim is gone
    assert box.failed(retry.id, "b", "HTTP 500", now=T0, retry_in=timedelta(0), max_attempts=2)
    assert box.counts() == {SENT: 1, DEAD: 1, "pending": 1}


def test_outbox_claims_never_overlap(state_db: Database, tmp_path: Path):
    box = Outbox(state_db)
    for i in range(60):
        box.add(
            kind="k", channel="feed", recipient="r", dedup_key=f"d{i}", payload={"i": i}, now=T0
        )
    boxes = [Outbox(_twin(state_db, tmp_path)) for _ in range(4)]
    claimed: list[list[int]] = [[] for _ in boxes]

    def drain(i: int) -> None:
        while batch := boxes[i].claim(f"w{i}", now=T0, lease=timedelta(minutes=5), limit=5):
            claimed[i] += [m.id for m in batch]

    threads = [threading.Thread(target=drain, args=(i,)) for i in range(len(boxes))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for ids in claimed for i in ids]
    assert len(every) == len(set(every)) == 60
    for b in boxes:
        b.db.close()

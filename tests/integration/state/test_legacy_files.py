"""State files written before `state/` existed (SQLite, created by hand-written DDL, some before
later columns were added) open where they are, keep their data and their audit chain, and move
into PostgreSQL with `icjs state import-sqlite`'s copy, the chain's head unchanged."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from auth.clients import ClientRegistry, hash_secret
from federation.noc_store import NocStore
from state import Database
from state.audit import GENESIS, AuditEvent, AuditLog, canonical_json, entry_hash
from state.copy import copy_sqlite_files
from state.revocations import RevocationStore
from state.sync import Quarantined, StateStore

# The schemas as the first releases wrote them (before clearances, certificate binding, client
# address and user agent, NOC expiry and revocation, quarantine's `indexed`, lag times).
OLD_AUTH = """
CREATE TABLE clients (client_id TEXT PRIMARY KEY, agency TEXT NOT NULL, role TEXT NOT NULL,
  scopes TEXT NOT NULL, sources TEXT, fields TEXT, secret_hash TEXT, jwks TEXT,
  disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  description TEXT);
CREATE TABLE revoked_tokens (jti TEXT PRIMARY KEY, client_id TEXT, expires_at INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL);
CREATE TABLE used_assertions (client_id TEXT NOT NULL, jti TEXT NOT NULL,
  expires_at INTEGER NOT NULL, PRIMARY KEY (client_id, jti));
"""
OLD_AUDIT = """
CREATE TABLE audit (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, actor TEXT NOT NULL,
  agency TEXT, client TEXT, role TEXT, actor_state TEXT, actor_district TEXT, route TEXT NOT NULL,
  method TEXT NOT NULL, status INTEGER NOT NULL, decision TEXT NOT NULL, query TEXT NOT NULL,
  purpose TEXT, record_ids TEXT NOT NULL, latency_ms REAL NOT NULL, request_id TEXT,
  reason TEXT, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE INDEX audit_actor_district ON audit(actor_state, actor_district, seq);
CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL,
  hash TEXT NOT NULL);
"""
OLD_SYNC = """
CREATE TABLE checkpoints (source TEXT NOT NULL, stream TEXT NOT NULL, watermark TEXT, walk TEXT,
  last_success TEXT, last_reconcile TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (source, stream));
CREATE TABLE versions (record_id TEXT PRIMARY KEY, source TEXT NOT NULL,
  version INTEGER NOT NULL);
CREATE TABLE quarantine (id INTEGER PRIMARY KEY, source TEXT NOT NULL, collection TEXT,
  native_id TEXT NOT NULL, reason TEXT NOT NULL, payload TEXT NOT NULL, version_hint TEXT,
  fingerprint TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
  seen INTEGER NOT NULL DEFAULT 1, resolved_at TEXT, resolution TEXT,
  UNIQUE (source, fingerprint));
CREATE TABLE quarantine_keys (entry_id INTEGER NOT NULL, kind TEXT NOT NULL,
  value TEXT NOT NULL, rev TEXT NOT NULL);
CREATE TABLE reconciliations (id INTEGER PRIMARY KEY, source TEXT NOT NULL, at TEXT NOT NULL,
  listed INTEGER NOT NULL, removed INTEGER NOT NULL, removed_ids TEXT NOT NULL);
CREATE TABLE redactions (source TEXT NOT NULL, native_id TEXT NOT NULL, field TEXT NOT NULL,
  what TEXT NOT NULL, first_seen TEXT NOT NULL, seen INTEGER NOT NULL DEFAULT 1,
  PRIMARY KEY (source, native_id, field));
CREATE TABLE runs (id INTEGER PRIMARY KEY, source TEXT NOT NULL, started_at TEXT NOT NULL,
  finished_at TEXT, full INTEGER NOT NULL, status TEXT NOT NULL, error TEXT, counts TEXT);
"""
OLD_NOC = """
CREATE TABLE noc (noc_id TEXT PRIMARY KEY, issued_at TEXT NOT NULL, registration_no TEXT,
  chassis_no TEXT, engine_no TEXT, decision TEXT NOT NULL, reasons TEXT NOT NULL,
  certificate TEXT NOT NULL, issued_to TEXT NOT NULL);
CREATE TABLE noc_events (id INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL,
  noc_id TEXT NOT NULL, registration_no TEXT, record_id TEXT, detail TEXT NOT NULL,
  picked_at TEXT);
"""


def _legacy(root: Path) -> dict[str, Path]:
    files = {area: root / f"{area}.db" for area in ("auth", "audit", "sync", "noc")}
    for area, ddl in (("auth", OLD_AUTH), ("audit", OLD_AUDIT), ("sync", OLD_SYNC)):
        with sqlite3.connect(files[area]) as conn:
            conn.executescript(ddl)
    with sqlite3.connect(files["noc"]) as conn:
        conn.executescript(OLD_NOC)
        conn.execute(
            "INSERT INTO noc VALUES ('n1', '2026-01-01T00:00:00+00:00', 'MH12AB1234', NULL, NULL,"
            " 'CLEAR', '[]', 'a.b.c', 'svc')"
        )
    with sqlite3.connect(files["auth"]) as conn:
        conn.execute(
            "INSERT INTO clients VALUES ('cbi-1', 'CBI', 'partner', 'persons:search', NULL, NULL,"
            " ?, NULL, 0, '2026-01-01T00:00:00+00:00', '2026-01-01T00:00:00+00:00', NULL)",
            (hash_secret("s3cret"),),
        )
        conn.execute("INSERT INTO revoked_tokens VALUES ('jti-1', 'cbi-1', 4102444800, 1)")
    with sqlite3.connect(files["sync"]) as conn:
        conn.execute(
            "INSERT INTO checkpoints VALUES ('cctns', 'persons', '2026-01-01T00:00:00+00:00',"
            " NULL, '2026-01-02T00:00:00+00:00', NULL, '2026-01-02T00:00:00+00:00')"
        )
        conn.execute("INSERT INTO versions VALUES ('cctns:A1', 'cctns', 5)")
        conn.execute(
            "INSERT INTO quarantine (source, native_id, reason, payload, fingerprint, first_seen,"
            " last_seen) VALUES ('cctns', 'Q1', 'bad date', '{}', 'f1', 't', 't')"
        )
    # three entries hashed as the first release hashed them (no address, no user agent)
    prev = GENESIS
    with sqlite3.connect(files["audit"]) as conn:
        for seq in (1, 2, 3):
            content = {
                "seq": seq, "time": f"2026-01-01T00:00:0{seq}+00:00", "actor": "officer-1",
                "agency": None, "client": None, "role": "officer", "actor_state": "MH",
                "actor_district": "PUNE", "route": "/v1/persons/search", "method": "POST",
                "status": 200, "decision": "allow", "query": {"name": "Ramesh"},
                "purpose": "FIR 1", "record_ids": ["cctns:A1"], "latency_ms": 3.5,
                "request_id": f"r{seq}", "reason": None, "prev_hash": prev,
            }  # fmt: skip
            digest = entry_hash(content)
            row = {**content, "hash": digest}
            row["query"], row["record_ids"] = (
                canonical_json(row["query"]),
                canonical_json(row["record_ids"]),
            )
            conn.execute(
                f"INSERT INTO audit ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                tuple(row.values()),
            )
            conn.execute(
                "INSERT INTO audit_head VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE "
                "SET seq = excluded.seq, hash = excluded.hash",
                (seq, digest),
            )
            prev = digest
    return files


def test_old_state_files_open_where_they_are(tmp_path: Path):
    files = _legacy(tmp_path)
    log = AuditLog(files["audit"])
    before = log.verify()
    assert before.ok and before.entries == 3
    log.append(AuditEvent(route="/v1/x", method="GET", status=200, decision="allow",
                          client_address="10.1.1.1"))  # fmt: skip
    assert log.verify().ok and log.count() == 4
    registry = ClientRegistry(files["auth"])
    client = registry.get("cbi-1")
    assert client is not None and client.clearances == frozenset() and not client.cert_bound
    assert registry.check_secret("cbi-1", "s3cret")
    assert RevocationStore(files["auth"]).is_revoked("jti-1")
    with StateStore(files["sync"]) as state:
        assert state.versions(["cctns:A1"]) == {"cctns:A1": 5}
        assert state.quarantine_split() == {"cctns": (1, 0)}
        assert state.source_times()[("cctns", "persons")] == (None, None)
        state.commit_page(
            "cctns", "persons", watermark=None, walk=None, success=True,
            quarantined=[Quarantined("cctns", "Q2", "bad", {"x": 1}, indexed=True)],
        )  # fmt: skip
        assert state.quarantine_split() == {"cctns": (1, 1)}
    nocs = NocStore(files["noc"])
    old = nocs.get("n1")
    assert old is not None and old.expires_at is None and old.revoked_at is None
    assert nocs.revoke(old, at=datetime(2026, 2, 1, tzinfo=UTC), reason="stolen", record_id="x")
    for store in (log, registry, nocs):
        store.close()


def test_old_state_files_move_into_postgresql(tmp_path: Path, pg_url: str):
    files = _legacy(tmp_path)
    head = AuditLog(files["audit"]).verify().head_hash
    target = Database.from_url(pg_url)
    copied = {c.area: c.rows for c in copy_sqlite_files(files, target)}
    assert copied["audit"]["audit"] == 3 and copied["sync"]["quarantine"] == 1
    log = AuditLog(target)
    moved = log.verify()
    assert moved.ok and moved.entries == 3 and moved.head_hash == head
    log.append(AuditEvent(route="/v1/x", method="GET", status=200, decision="allow"))
    assert log.verify().ok and log.count() == 4
    assert ClientRegistry(target).check_secret("cbi-1", "s3cret")
    assert RevocationStore(target).is_revoked("jti-1")
    with StateStore(target) as state:
        assert state.versions(["cctns:A1"]) == {"cctns:A1": 5}
        state.add_quarantine([Quarantined("cctns", "Q2", "bad", {"x": 1})])  # ids go on
        assert [e.id for e in state.quarantine_entries()] == [1, 2]
    target.close()

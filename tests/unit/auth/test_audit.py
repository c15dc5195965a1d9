"""The hash-chained audit log: appends, reads, and tamper detection."""

from __future__ import annotations

import itertools
import json
import sqlite3
import threading
from pathlib import Path

from state.audit import GENESIS, AuditEvent, AuditLog, AuditQuery, sanitise


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
        "query": {"name": f"Ramesh {i}"},
        "purpose": f"FIR {i}/2026",
        "record_ids": [f"cctns:{i}"],
        "latency_ms": 3.2,
        "request_id": f"req-{i}",
    }
    base.update(kw)
    return AuditEvent(**base)  # type: ignore[arg-type]


def _filled(tmp_path: Path, n: int = 5) -> AuditLog:
    log = AuditLog(tmp_path / "audit.db")
    for i in range(1, n + 1):
        log.append(_event(i))
    return log


def _raw(log: AuditLog) -> sqlite3.Connection:
    return sqlite3.connect(log.path, isolation_level=None)


def test_chain_links_and_verifies(tmp_path: Path):
    log = _filled(tmp_path)
    entries = log.entries(AuditQuery(newest_first=False))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == GENESIS
    for prev, cur in itertools.pairwise(entries):
        assert cur.prev_hash == prev.hash
    result = log.verify()
    assert result.ok and result.entries == 5 and result.head_hash == entries[-1].hash
    assert log.verify(expect_head=entries[-1].hash).ok
    assert not log.verify(expect_head="0" * 64).ok


def test_edited_entry_detected(tmp_path: Path):
    log = _filled(tmp_path)
    _raw(log).execute("UPDATE audit SET purpose = 'nothing to see' WHERE seq = 3")
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 3
    assert "edited" in result.problems[0]


def test_edited_query_json_detected(tmp_path: Path):
    log = _filled(tmp_path)
    _raw(log).execute("UPDATE audit SET record_ids = ? WHERE seq = 2", (json.dumps([]),))
    assert log.verify().first_bad_seq == 2


def test_rehashed_edit_breaks_the_next_link(tmp_path: Path):
    """An editor who recomputes the edited row's hash still breaks the following row's link."""
    log = _filled(tmp_path)
    entry = log.entries(AuditQuery(newest_first=False))[1]
    from state.audit import entry_hash

    content = entry.content()
    content["actor"] = "someone-else"
    _raw(log).execute(
        "UPDATE audit SET actor = ?, hash = ? WHERE seq = 2", ("someone-else", entry_hash(content))
    )
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 3


def test_deleted_entry_detected(tmp_path: Path):
    log = _filled(tmp_path)
    _raw(log).execute("DELETE FROM audit WHERE seq = 2")
    result = log.verify()
    assert not result.ok and result.first_bad_seq == 2
    assert "removed" in result.problems[0]


def test_deleted_tail_detected(tmp_path: Path):
    log = _filled(tmp_path)
    _raw(log).execute("DELETE FROM audit WHERE seq = 5")
    result = log.verify()
    assert not result.ok and "removed from the end" in result.problems[0]


def test_reordered_entries_detected(tmp_path: Path):
    log = _filled(tmp_path)
    conn = _raw(log)
    # Swap the contents of rows 2 and 3 (keeping seq in place) — the chain breaks.
    rows = {r[0]: r for r in conn.execute("SELECT seq, actor, purpose, hash, prev_hash FROM audit")}
    for a, b in ((2, 3), (3, 2)):
        conn.execute(
            "UPDATE audit SET actor = ?, purpose = ?, hash = ?, prev_hash = ? WHERE seq = ?",
            (*rows[b][1:], a),
        )
    assert not log.verify().ok


def test_concurrent_appends_keep_one_chain(tmp_path: Path):
    log = AuditLog(tmp_path / "audit.db")
    other = AuditLog(tmp_path / "audit.db")  # a second connection, as a second worker would

    def work(target: AuditLog, offset: int) -> None:
        for i in range(25):
            target.append(_event(offset + i))

    threads = [
        threading.Thread(target=work, args=(lg, k * 100))
        for k, lg in enumerate([log, other, log, other])
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = log.verify()
    assert result.ok and result.entries == 100


def test_reads_filter_by_district_and_page(tmp_path: Path):
    log = AuditLog(tmp_path / "audit.db")
    log.append(_event(1))
    log.append(_event(2, actor_state="KA", actor_district="MYSURU"))
    log.append(_event(3))
    pune = log.entries(AuditQuery(state="MH", district="PUNE"))
    assert [e.seq for e in pune] == [3, 1]
    assert [e.seq for e in log.entries(AuditQuery(limit=1, before_seq=3))] == [2]


def test_sanitise_strips_credentials():
    cleaned = sanitise(
        {
            "name": "Ramesh",
            "client_secret": "s3cret",
            "nested": {"access_token": "eyJ", "ok": [1, {"password": "p"}]},
            "long": "x" * 2000,
        }
    )
    text = json.dumps(cleaned)
    assert "s3cret" not in text and "eyJ" not in text and '"p"' not in text
    assert cleaned["name"] == "Ramesh" and len(cleaned["long"]) < 600

"""Supervisors' decisions in the state layer, alike on SQLite and on a real PostgreSQL server
(`state_db`): two engines on one database (two API workers) see each other's decisions at once,
the newest judgement on a pair wins, and a decisions file written before migrations opens."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from federation.decisions import DecisionStore, Verdict
from state import Database

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _twin(db: Database) -> Database:
    if db.is_sqlite:
        return Database.sqlite(Path(str(db.engine.url.database)))
    return Database.from_url(db.engine.url.render_as_string(hide_password=False))


def test_two_workers_see_one_set_of_decisions_and_the_newest_wins(state_db: Database) -> None:
    worker_a = DecisionStore(state_db)
    other = _twin(state_db)
    worker_b = DecisionStore(other)
    try:
        ids = ["cctns:A", "sarathi:B", "vahan:C"]
        worker_a.record(
            "confirm",
            Verdict.SAME,
            [("sarathi:B", "cctns:A"), ("cctns:A", "vahan:C"), ("vahan:C", "vahan:C")],
            reason="same man",
            decided_by="supervisor:s1",
            now=T0,
        )
        seen = worker_b.among(ids)
        assert set(seen) == {("cctns:A", "sarathi:B"), ("cctns:A", "vahan:C")}  # a < b, no self
        assert all(j.verdict is Verdict.SAME and j.decided_at == T0 for j in seen.values())
        split = worker_b.record(
            "split",
            Verdict.DIFFERENT,
            [("cctns:A", "vahan:C")],
            reason="another father",
            decided_by="supervisor:s2",
            now=T0.replace(hour=13),
        )
        after = worker_a.among(ids)
        judged = after[("cctns:A", "vahan:C")]
        assert judged.verdict is Verdict.DIFFERENT and judged.reason == "another father"
        assert judged.decision_id == split.decision_id and judged.decided_by == "supervisor:s2"
        assert after[("cctns:A", "sarathi:B")].verdict is Verdict.SAME
        # only pairs of which both records are asked about
        assert set(worker_a.among(["cctns:A", "sarathi:B", "ncrp:X"])) == {("cctns:A", "sarathi:B")}
        assert worker_a.among(["cctns:A"]) == {}
    finally:
        worker_b.close()
        worker_a.close()
        other.close()


def test_many_records_are_read_in_chunks(state_db: Database) -> None:
    store = DecisionStore(state_db)
    ids = [f"cctns:{i:04d}" for i in range(1000)]
    store.record(
        "split",
        Verdict.DIFFERENT,
        [(ids[0], ids[-1]), (ids[400], ids[401])],
        reason="two men",
        decided_by="supervisor:s1",
    )
    assert set(store.among(ids)) == {(ids[0], ids[-1]), (ids[400], ids[401])}
    store.close()


def test_a_decisions_file_from_before_migrations_opens_with_its_decisions(tmp_path: Path) -> None:
    path = tmp_path / "decisions.db"
    with sqlite3.connect(path) as conn:  # as the store wrote it before the state layer
        conn.execute(
            "CREATE TABLE judgements (a TEXT NOT NULL, b TEXT NOT NULL, verdict TEXT NOT NULL,"
            " reason TEXT NOT NULL, decided_by TEXT NOT NULL, decided_at TEXT NOT NULL,"
            " decision_id TEXT NOT NULL, PRIMARY KEY (a, b))"
        )
        conn.execute(
            "INSERT INTO judgements VALUES ('cctns:A', 'vahan:C', 'different', 'two men',"
            " 'supervisor:s1', '2026-03-01T12:00:00+00:00', 'dec_old')"
        )
    store = DecisionStore(path)
    [judged] = store.among(["cctns:A", "vahan:C"]).values()
    assert judged.verdict is Verdict.DIFFERENT and judged.decision_id == "dec_old"
    store.close()

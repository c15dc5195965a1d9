"""What sure pairs teach the matchers is kept one row per pair and feature, on SQLite and
PostgreSQL: a pair met again by a later sync (another process, a fresh `CaseShares`) replaces
its observation instead of counting twice, and what was learnt under an earlier reading of
"alike" does not count."""

from __future__ import annotations

import sqlalchemy as sa

from alerts.evidence import AGREE
from alerts.shares import PRIOR_PAIRS, READING, CaseShares
from alerts.store import AlertStore
from state import Database
from state.schema import alert_learnt


def _prior_with(agree: int, seen: int) -> float:
    return (agree + AGREE * PRIOR_PAIRS) / (seen + PRIOR_PAIRS)


def _fresh(store: AlertStore) -> CaseShares:
    """The shares a new sync's process starts from."""
    shares = CaseShares()
    with store.db.read() as conn:
        shares.load(conn)
    return shares


def test_a_pair_met_again_by_a_later_sync_counts_once(state_db: Database) -> None:
    store = AlertStore(state_db)
    first = _fresh(store)
    with store.db.write() as conn:
        first.learn(conn, "cctns:M1|khoyapaya:F1", {"marks": True, "clothing": False})
        first.learn(conn, "cctns:M2|khoyapaya:F2", {"marks": True})
    assert first.agree("marks") == _prior_with(2, 2)
    # the next sync's process meets both pairs again (their reports were written again)
    second = _fresh(store)
    assert second.agree("marks") == _prior_with(2, 2)
    with store.db.write() as conn:
        second.learn(conn, "cctns:M1|khoyapaya:F1", {"marks": True, "clothing": False})
        # a report rewritten: its mark now reads otherwise; the pair's old observation goes
        second.learn(conn, "cctns:M2|khoyapaya:F2", {"marks": False})
    assert second.agree("marks") == _prior_with(1, 2)
    assert second.agree("clothing") == _prior_with(0, 1)
    third = _fresh(store)
    assert third.agree("marks") == second.agree("marks")
    assert third.agree("clothing") == second.agree("clothing")
    with store.db.read() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(alert_learnt)).scalar() == 3


def test_what_was_learnt_under_another_reading_does_not_count(state_db: Database) -> None:
    store = AlertStore(state_db)
    with store.db.write() as conn:
        conn.execute(
            alert_learnt.insert(),
            [
                {
                    "pair": f"cctns:M{i}|cctns:F{i}",
                    "feature": "marks",
                    "reading": READING - 1,
                    "alike": 1,
                }
                for i in range(30)
            ],
        )
    shares = _fresh(store)
    assert shares.agree("marks") == _prior_with(0, 0) == AGREE
    with store.db.write() as conn:  # met again, the pair is learnt under today's reading
        shares.learn(conn, "cctns:M0|cctns:F0", {"marks": False})
    assert _fresh(store).agree("marks") == _prior_with(0, 1)

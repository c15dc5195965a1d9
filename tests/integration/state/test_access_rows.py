"""Hit-flag access requests and grants in the state layer, alike on SQLite and on a real
PostgreSQL server (`state_db`): two workers on one database see one request; it is decided once
(the second decision, from the other worker, is refused); a grant is for its requester and its
records only, and ends at `expires_at`."""

from __future__ import annotations

from pathlib import Path

from state import Database
from state.access import AccessRows


def _twin(db: Database) -> Database:
    if db.is_sqlite:
        return Database.sqlite(Path(str(db.engine.url.database)))
    return Database.from_url(db.engine.url.render_as_string(hide_password=False))


def _request(request_id: str, requester: str) -> dict[str, object]:
    return {
        "request_id": request_id,
        "created_at": "2026-12-07T01:00:00.000000+00:00",
        "requester": requester,
        "requester_agency": "CBI",
        "record_ids": ["cctns:MH-1", "eprisons:MH-2"],
        "source": "cctns",
        "owner_state": "MH",
        "police_station": "0412",
        "reason": "co-accused",
        "case_reference": "RC 1/2026",
        "status": "pending",
        "decided_by": None,
        "decided_at": None,
        "decision_reason": None,
        "expires_at": None,
    }


def test_a_request_is_decided_once_and_its_grant_ends(state_db: Database) -> None:
    worker_a = AccessRows(state_db)
    other = _twin(state_db)
    worker_b = AccessRows(other)
    try:
        worker_a.add(_request("ar_1", "client:cbi-1"))
        worker_a.add(_request("ar_2", "client:cbi-2"))
        assert [r.request_id for r in worker_b.pending_for(["MH"], 10)] == ["ar_1", "ar_2"]
        assert worker_b.pending_for(["KA"], 10) == []
        until = "2026-12-14T01:00:00.000000+00:00"
        decided = dict(decided_by="supervisor:s1", decided_at="2026-12-07T02:00:00+00:00")
        assert worker_b.decide("ar_1", status="approved", reason="ok", expires_at=until, **decided)
        assert not worker_a.decide(
            "ar_1", status="refused", reason="no", expires_at=None, **decided
        )
        assert worker_a.get("ar_1") is not None
        assert worker_a.get("ar_1").status == "approved"  # type: ignore[union-attr]
        before, after = "2026-12-10T00:00:00+00:00", "2026-12-15T00:00:00+00:00"
        assert worker_a.granted("client:cbi-1", before) == {"cctns:MH-1", "eprisons:MH-2"}
        assert worker_a.granted("client:cbi-2", before) == frozenset()  # pending: nothing
        assert worker_a.granted("client:cbi-1", after) == frozenset()
        assert [r.request_id for r in worker_a.pending_for(["MH"], 10)] == ["ar_2"]
        assert [r.request_id for r in worker_a.of_requester("client:cbi-1", 10)] == ["ar_1"]
    finally:
        worker_b.close()
        other.close()

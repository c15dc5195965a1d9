"""Issued NOCs, their revocations, and the events a revocation leaves for the alerts work: the
NOC model (`noc_model`) over the rows the state database keeps (`state.noc`: `noc.db`, or the
shared PostgreSQL database), so that `GET /v1/noc/{id}` on any node can re-check any of them.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from state import Database
from state.noc import NocEvent, NocRows

from .noc_model import Decision, IssuedNoc, NocReason

__all__ = ["NocEvent", "NocStore"]


class NocStore:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.rows = NocRows(target, migrate=migrate)

    def add(self, noc: IssuedNoc) -> None:
        self.rows.add(
            {
                "noc_id": noc.noc_id,
                "issued_at": noc.issued_at.isoformat(),
                "registration_no": noc.registration_no,
                "chassis_no": noc.chassis_no,
                "engine_no": noc.engine_no,
                "decision": noc.decision.value,
                "reasons": json.dumps([asdict(r) for r in noc.reasons]),
                "certificate": noc.certificate,
                "issued_to": noc.issued_to,
                "expires_at": noc.expires_at.isoformat() if noc.expires_at else None,
                "audience": noc.audience,
                "purpose": noc.purpose,
                "evidence": json.dumps(noc.evidence),
            }
        )

    def get(self, noc_id: str) -> IssuedNoc | None:
        row = self.rows.get(noc_id)
        return None if row is None else _noc(row)

    def for_registration(self, registration_no: str, limit: int = 20) -> list[IssuedNoc]:
        ids = self.rows.ids_for_registration(registration_no, limit)
        return [n for n in (self.get(i) for i in ids) if n is not None]

    def clear_for(
        self, *, registration: str | None, chassis: str | None, engine: str | None, now: datetime
    ) -> list[IssuedNoc]:
        """CLEAR certificates still valid at `now` for a vehicle a report names (same
        registration, or a chassis or engine number ending with the report's)."""
        ids = self.rows.clear_ids_for(
            registration=registration, chassis=chassis, engine=engine, now=now.isoformat()
        )
        return [n for n in (self.get(i) for i in ids) if n is not None]

    def revoke(self, noc: IssuedNoc, *, at: datetime, reason: str, record_id: str | None) -> bool:
        """Mark `noc` revoked and record the event, in one transaction; False when it already
        was (a report read twice revokes once)."""
        return self.rows.revoke(
            noc.noc_id, noc.registration_no, at=at.isoformat(), reason=reason, record_id=record_id
        )

    def pending_events(self, limit: int = 100) -> list[NocEvent]:
        """Events nobody has acted on yet, oldest first."""
        return self.rows.pending_events(limit)

    def mark_picked(self, event_ids: list[int], at: datetime) -> None:
        self.rows.mark_picked(event_ids, at.isoformat())

    def close(self) -> None:
        self.rows.close()


def _noc(row: dict[str, Any]) -> IssuedNoc:
    return IssuedNoc(
        noc_id=row["noc_id"],
        issued_at=datetime.fromisoformat(row["issued_at"]),
        registration_no=row["registration_no"],
        chassis_no=row["chassis_no"],
        engine_no=row["engine_no"],
        decision=Decision(row["decision"]),
        reasons=tuple(NocReason(**r) for r in json.loads(row["reasons"])),
        certificate=row["certificate"],
        issued_to=row["issued_to"],
        expires_at=datetime.fromisoformat(row["expires_at"]) if row["expires_at"] else None,
        audience=row["audience"],
        purpose=row["purpose"],
        evidence=json.loads(row["evidence"]) if row["evidence"] else {},
        revoked_at=datetime.fromisoformat(row["revoked_at"]) if row["revoked_at"] else None,
        revoked_reason=row["revoked_reason"],
    )

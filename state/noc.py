"""Issued NOC certificates, their revocations, and the events a revocation leaves for the alerts
work (`noc_events`), as rows. What a NOC means is `federation.noc_model`; `federation.noc_store`
maps between the two.

Written by the API (issue) and by the sync (revoke, when a theft report arrives for a vehicle
holding a valid CLEAR certificate): a revocation and its event are one transaction, and the
events stay until someone acts on them (`pending_events`, `mark_picked`), whatever ran when they
happened.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .db import Database
from .schema import noc, noc_events
from .stores import open_area


@dataclass(frozen=True)
class NocEvent:
    id: int
    at: str
    kind: str
    noc_id: str
    registration_no: str | None
    record_id: str | None
    detail: str


_EVENT_COLUMNS = (
    noc_events.c.id,
    noc_events.c.at,
    noc_events.c.kind,
    noc_events.c.noc_id,
    noc_events.c.registration_no,
    noc_events.c.record_id,
    noc_events.c.detail,
)


class NocRows:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "noc", migrate=migrate)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def add(self, row: Mapping[str, Any]) -> None:
        with self.db.write() as conn:
            conn.execute(noc.insert(), dict(row))

    def get(self, noc_id: str) -> dict[str, Any] | None:
        with self.db.read() as conn:
            row = conn.execute(sa.select(noc).where(noc.c.noc_id == noc_id)).mappings().first()
        return dict(row) if row else None

    def ids_for_registration(self, registration_no: str, limit: int) -> list[str]:
        with self.db.read() as conn:
            return list(
                conn.execute(
                    sa.select(noc.c.noc_id)
                    .where(noc.c.registration_no == registration_no)
                    .order_by(noc.c.issued_at.desc())
                    .limit(limit)
                ).scalars()
            )

    def clear_ids_for(
        self, *, registration: str | None, chassis: str | None, engine: str | None, now: str
    ) -> list[str]:
        """CLEAR certificates still valid at `now` for a vehicle a report names: same
        registration, or a chassis or engine number that ends with the report's (a report often
        carries only the last 5-6 characters)."""
        clauses: list[sa.ColumnElement[bool]] = []
        if registration:
            clauses.append(noc.c.registration_no == registration)
        for column, value in ((noc.c.chassis_no, chassis), (noc.c.engine_no, engine)):
            if value and len(value) >= 5:
                suffix = "%" + value.replace("%", "").replace("_", "")
                clauses.append(sa.or_(column == value, column.like(suffix)))
        if not clauses:
            return []
        sql = sa.select(noc.c.noc_id).where(
            noc.c.decision == "CLEAR",
            noc.c.revoked_at.is_(None),
            sa.or_(noc.c.expires_at.is_(None), noc.c.expires_at > now),
            sa.or_(*clauses),
        )
        with self.db.read() as conn:
            return list(conn.execute(sql).scalars())

    def revoke(
        self,
        noc_id: str,
        registration_no: str | None,
        *,
        at: str,
        reason: str,
        record_id: str | None,
    ) -> bool:
        """Mark a certificate revoked and record the event, in one transaction; False when it
        already was (a report read twice, or by two syncs at once, revokes once)."""
        with self.db.write() as conn:
            done = conn.execute(
                noc.update()
                .where(noc.c.noc_id == noc_id, noc.c.revoked_at.is_(None))
                .values(revoked_at=at, revoked_reason=reason)
            ).rowcount
            if done:
                conn.execute(
                    noc_events.insert().values(
                        at=at,
                        kind="noc_revoked",
                        noc_id=noc_id,
                        registration_no=registration_no,
                        record_id=record_id,
                        detail=reason,
                    )
                )
        return bool(done)

    def pending_events(self, limit: int = 100) -> list[NocEvent]:
        """Events nobody has acted on yet, oldest first."""
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(*_EVENT_COLUMNS)
                .where(noc_events.c.picked_at.is_(None))
                .order_by(noc_events.c.id)
                .limit(limit)
            ).all()
        return [NocEvent(*row) for row in rows]

    def mark_picked(self, event_ids: list[int], at: str) -> None:
        if not event_ids:
            return
        with self.db.write() as conn:
            conn.execute(
                noc_events.update()
                .where(noc_events.c.id.in_(event_ids), noc_events.c.picked_at.is_(None))
                .values(picked_at=at)
            )

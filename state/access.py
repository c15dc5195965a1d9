"""Hit-flag access requests and their grants, as rows (`access_requests`, `access_grants`). What a
request means and who may decide it is `federation.access`; this module only keeps them, on
SQLite or PostgreSQL, so that every API worker sees the same requests and grants.

A decision is one conditional update (`status = 'pending'` in the `WHERE`): two supervisors
deciding at once leave exactly one decision, the other is told the request was already decided.
An approval writes its grants in the same transaction.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .db import Database
from .schema import access_grants, access_requests
from .stores import open_area


@dataclass(frozen=True)
class AccessRow:
    request_id: str
    created_at: str
    requester: str
    requester_agency: str | None
    record_ids: tuple[str, ...]
    source: str
    owner_state: str
    police_station: str | None
    reason: str
    case_reference: str
    status: str
    decided_by: str | None
    decided_at: str | None
    decision_reason: str | None
    expires_at: str | None


def _row(row: sa.RowMapping) -> AccessRow:
    values = dict(row)
    values["record_ids"] = tuple(json.loads(values["record_ids"]))
    return AccessRow(**values)


class AccessRows:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "access", migrate=migrate)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def add(self, row: Mapping[str, Any]) -> None:
        values = dict(row)
        values["record_ids"] = json.dumps(sorted(values["record_ids"]))
        with self.db.write() as conn:
            conn.execute(access_requests.insert(), values)

    def get(self, request_id: str) -> AccessRow | None:
        with self.db.read() as conn:
            row = (
                conn.execute(
                    sa.select(access_requests).where(access_requests.c.request_id == request_id)
                )
                .mappings()
                .first()
            )
        return None if row is None else _row(row)

    def of_requester(self, requester: str, limit: int) -> list[AccessRow]:
        """A requester's own requests, newest first."""
        r = access_requests.c
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(access_requests)
                .where(r.requester == requester)
                .order_by(r.created_at.desc(), r.request_id)
                .limit(limit)
            ).mappings()
            return [_row(row) for row in rows]

    def pending_for(self, owner_states: Collection[str], limit: int) -> list[AccessRow]:
        """Requests waiting for a decision by the supervisors of these states, oldest first."""
        if not owner_states:
            return []
        r = access_requests.c
        with self.db.read() as conn:
            rows = conn.execute(
                sa.select(access_requests)
                .where(r.status == "pending", r.owner_state.in_(sorted(owner_states)))
                .order_by(r.created_at, r.request_id)
                .limit(limit)
            ).mappings()
            return [_row(row) for row in rows]

    def decide(
        self,
        request_id: str,
        *,
        status: str,
        decided_by: str,
        decided_at: str,
        reason: str,
        expires_at: str | None,
    ) -> bool:
        """Decide a pending request (and, approved, write its grants), in one transaction;
        False when it was not pending any more."""
        with self.db.write() as conn:
            done = conn.execute(
                access_requests.update()
                .where(
                    access_requests.c.request_id == request_id,
                    access_requests.c.status == "pending",
                )
                .values(
                    status=status,
                    decided_by=decided_by,
                    decided_at=decided_at,
                    decision_reason=reason,
                    expires_at=expires_at,
                )
            ).rowcount
            if done and status == "approved" and expires_at is not None:
                row = conn.execute(
                    sa.select(access_requests.c.requester, access_requests.c.record_ids).where(
                        access_requests.c.request_id == request_id
                    )
                ).one()
                conn.execute(
                    access_grants.insert(),
                    [
                        {
                            "request_id": request_id,
                            "record_id": record_id,
                            "requester": row.requester,
                            "expires_at": expires_at,
                        }
                        for record_id in json.loads(row.record_ids)
                    ],
                )
        return bool(done)

    def granted(self, requester: str, now: str) -> frozenset[str]:
        """The record ids open to `requester` at `now` (grants not yet expired)."""
        g = access_grants.c
        with self.db.read() as conn:
            return frozenset(
                conn.execute(
                    sa.select(g.record_id).where(g.requester == requester, g.expires_at > now)
                ).scalars()
            )

"""The alerts outbox: messages the alerts work has decided to send, kept until one is sent.

A message is written once per `dedup_key` (a matcher re-run over the same change adds nothing),
then claimed by a sender for a lease, sent, and marked `sent`; a failed send goes back to
`pending` with a later `next_attempt_at`, and one that failed `max_attempts` times is `dead`
(kept, for someone to look at). A sender that dies while holding a lease leaves the message to
the next claim once the lease runs out. Claims by several senders at once never hand one message
to two of them: on PostgreSQL they skip each other's locked rows (`FOR UPDATE SKIP LOCKED`), on
SQLite they take turns (`BEGIN IMMEDIATE`).

Times are ISO 8601 UTC text, compared as text like every time in the stores.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .db import Database
from .schema import outbox
from .stores import open_area

PENDING, SENT, DEAD = "pending", "sent", "dead"


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    channel: str
    recipient: str
    dedup_key: str
    payload: Any
    attempts: int
    created_at: str


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


class Outbox:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "alerts", migrate=migrate)
        self._add = (
            self.db.insert(outbox)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(outbox.c.id)
        )

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def add(
        self,
        *,
        kind: str,
        channel: str,
        recipient: str,
        dedup_key: str,
        payload: Mapping[str, Any],
        now: datetime,
        conn: sa.Connection | None = None,
    ) -> bool:
        """Queue a message; False when one with this `dedup_key` exists already. `conn`: write
        it inside a caller's transaction on the same database (what decided to send it)."""
        row = {
            "created_at": _iso(now),
            "kind": kind,
            "channel": channel,
            "recipient": recipient,
            "dedup_key": dedup_key,
            "payload": json.dumps(payload, sort_keys=True, ensure_ascii=True),
            "status": PENDING,
            "attempts": 0,
            "next_attempt_at": _iso(now),
        }
        if conn is not None:
            return conn.execute(self._add, row).first() is not None
        with self.db.write() as own:
            return own.execute(self._add, row).first() is not None

    def claim(
        self, worker: str, *, now: datetime, lease: timedelta, limit: int = 50
    ) -> list[Message]:
        """Up to `limit` messages due at `now`, leased to `worker` until `now + lease`."""
        o = outbox.c
        stamp = _iso(now)
        due = (
            sa.select(o.id)
            .where(
                o.status == PENDING,
                o.next_attempt_at <= stamp,
                sa.or_(o.claimed_until.is_(None), o.claimed_until <= stamp),
            )
            .order_by(o.next_attempt_at, o.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        with self.db.write() as conn:
            ids = list(conn.execute(due).scalars())
            if not ids:
                return []
            conn.execute(
                outbox.update()
                .where(o.id.in_(ids))
                .values(claimed_by=worker, claimed_until=_iso(now + lease))
            )
            rows = conn.execute(
                sa.select(
                    o.id,
                    o.kind,
                    o.channel,
                    o.recipient,
                    o.dedup_key,
                    o.payload,
                    o.attempts,
                    o.created_at,
                )
                .where(o.id.in_(ids))
                .order_by(o.next_attempt_at, o.id)
            ).all()
        return [Message(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), r[6], r[7]) for r in rows]

    def sent(self, message_id: int, worker: str, *, now: datetime) -> bool:
        """Mark a claimed message sent; False when the claim was lost (the lease ran out and
        another worker holds it now)."""
        o = outbox.c
        with self.db.write() as conn:
            return bool(
                conn.execute(
                    outbox.update()
                    .where(o.id == message_id, o.claimed_by == worker, o.status == PENDING)
                    .values(
                        status=SENT,
                        sent_at=_iso(now),
                        attempts=o.attempts + 1,
                        claimed_by=None,
                        claimed_until=None,
                    )
                ).rowcount
            )

    def failed(
        self,
        message_id: int,
        worker: str,
        error: str,
        *,
        now: datetime,
        retry_in: timedelta,
        max_attempts: int = 10,
    ) -> bool:
        """A send failed: try again after `retry_in`, or give up (`dead`) after
        `max_attempts`. False when the claim was lost."""
        o = outbox.c
        with self.db.write() as conn:
            return bool(
                conn.execute(
                    outbox.update()
                    .where(o.id == message_id, o.claimed_by == worker, o.status == PENDING)
                    .values(
                        status=sa.case((o.attempts + 1 >= max_attempts, DEAD), else_=PENDING),
                        attempts=o.attempts + 1,
                        last_error=error[:1000],
                        next_attempt_at=_iso(now + retry_in),
                        claimed_by=None,
                        claimed_until=None,
                    )
                ).rowcount
            )

    def counts(self) -> dict[str, int]:
        o = outbox.c
        with self.db.read() as conn:
            rows = conn.execute(sa.select(o.status, sa.func.count()).group_by(o.status)).all()
        return {status: int(n) for status, n in rows}

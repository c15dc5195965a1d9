"""Cri-MAC broadcasts: a supervisor's message (a heinous crime, a wanted person, a stolen
vehicle) to every police station of chosen states and districts. Each station gets it in its
feed (and by e-mail, webhook or SMS where the directory has a contact); each acknowledges it
there (`POST /v1/alerts/{id}/acknowledge`); the sender reads delivery and acknowledgement per
station (`status`).

The broadcast and its messages are written in one transaction: a crash leaves all or nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from state import Database
from state.outbox import Outbox
from state.schema import alert_feed, broadcasts, outbox
from state.stores import open_area

from .directory import Directory

CATEGORIES = ("heinous_crime", "wanted_person", "stolen_vehicle")
KIND = "crimac"


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class StationStatus:
    recipient: str
    queued: bool
    delivered_at: str | None
    acknowledged_at: str | None
    acknowledged_by: str | None


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_at: str
    sender: str
    category: str
    message: str
    recipients: tuple[str, ...]


def feed_key(broadcast_id: int, recipient: str) -> str:
    return f"{KIND}:{broadcast_id}:feed:{recipient}"


class Broadcasts:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "alerts", migrate=migrate)
        self.outbox = Outbox(self.db)

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def send(
        self,
        *,
        sender: str,
        category: str,
        message: str,
        stations: Sequence[str],
        directory: Directory,
        now: datetime,
    ) -> Broadcast:
        if category not in CATEGORIES:
            raise ValueError(f"category must be one of {', '.join(CATEGORIES)}")
        with self.db.write() as conn:
            new_id = int(
                conn.execute(
                    broadcasts.insert()
                    .values(
                        created_at=_iso(now),
                        sender=sender,
                        category=category,
                        message=message,
                        recipients=json.dumps(list(stations)),
                    )
                    .returning(broadcasts.c.id)
                ).scalar_one()
            )
            payload: dict[str, Any] = {
                "kind": KIND,
                "broadcast_id": new_id,
                "category": category,
                "message": message,
                "sender": sender,
            }
            for station in stations:
                for channel in ["feed", *directory.channels(station)]:
                    key = (
                        feed_key(new_id, station)
                        if channel == "feed"
                        else f"{KIND}:{new_id}:{channel}:{station}"
                    )
                    self.outbox.add(
                        kind=KIND,
                        channel=channel,
                        recipient=station,
                        dedup_key=key,
                        payload=payload,
                        now=now,
                        conn=conn,
                    )
        return Broadcast(new_id, _iso(now), sender, category, message, tuple(stations))

    def get(self, broadcast_id: int) -> Broadcast | None:
        with self.db.read() as conn:
            row = (
                conn.execute(sa.select(broadcasts).where(broadcasts.c.id == broadcast_id))
                .mappings()
                .first()
            )
        if row is None:
            return None
        return Broadcast(
            int(row["id"]),
            row["created_at"],
            row["sender"],
            row["category"],
            row["message"],
            tuple(json.loads(row["recipients"])),
        )

    def status(self, broadcast: Broadcast) -> list[StationStatus]:
        """Per station: queued, delivered to its feed (when), acknowledged (when, by whom)."""
        keys = {feed_key(broadcast.id, r): r for r in broadcast.recipients}
        with self.db.read() as conn:
            queued = set(
                conn.execute(
                    sa.select(outbox.c.dedup_key).where(outbox.c.dedup_key.in_(list(keys)))
                ).scalars()
            )
            rows = {
                r["dedup_key"]: r
                for r in conn.execute(
                    sa.select(
                        alert_feed.c.dedup_key,
                        alert_feed.c.created_at,
                        alert_feed.c.acknowledged_at,
                        alert_feed.c.acknowledged_by,
                    ).where(alert_feed.c.dedup_key.in_(list(keys)))
                ).mappings()
            }
        out = []
        for key, recipient in keys.items():
            row = rows.get(key)
            out.append(
                StationStatus(
                    recipient=recipient,
                    queued=key in queued,
                    delivered_at=row["created_at"] if row else None,
                    acknowledged_at=row["acknowledged_at"] if row else None,
                    acknowledged_by=row["acknowledged_by"] if row else None,
                )
            )
        return out

"""The open cases the matchers compare a changed record with (`alert_cases`, in the alerts area of
the state database), and the recipients' feed (`alert_feed`).

Retrieval is by the columns a match cannot do without: the other side, the sex (or unknown) and
an overlapping birth-year range for people; the last five characters of the chassis or engine
number for vehicles. A changed record costs a few indexed look-ups whatever the size of the
index (`bench/alerts` measures it).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from state import Database
from state.schema import alert_cases, alert_feed
from state.stores import open_area

from .cases import FOUND, MISSING, REGISTRATION, STOLEN, Case

# Ages and dates are fuzzy: retrieve a little wider than the matcher accepts
# (`persons.AGE_SLACK_YEARS`, 3).
BORN_SLACK = 4
MAX_CANDIDATES = 2000


@lru_cache(maxsize=200_000)
def _case(features: str) -> Case:
    """A stored case, parsed once per process: every changed record of a sync is compared with
    the same open cases, and parsing them again each time was most of the step's cost."""
    return Case.from_json(json.loads(features))


def _tail(case: Case, name: str) -> str | None:
    return case.chassis_tail if name == "chassis" else case.engine_tail


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class FeedItem:
    id: int
    created_at: str
    recipient: str
    kind: str
    payload: dict[str, Any]
    acknowledged_at: str | None
    acknowledged_by: str | None


class AlertStore:
    def __init__(self, target: Database | Path, *, migrate: bool = True) -> None:
        self.db, self._owned = open_area(target, "alerts", migrate=migrate)
        self._put = self.db.insert(alert_cases).on_conflict_do_update(
            index_elements=["record_id"],
            set_={
                "side": sa.literal_column("excluded.side"),
                "gender": sa.literal_column("excluded.gender"),
                "born_from": sa.literal_column("excluded.born_from"),
                "born_to": sa.literal_column("excluded.born_to"),
                "chassis_tail": sa.literal_column("excluded.chassis_tail"),
                "engine_tail": sa.literal_column("excluded.engine_tail"),
                "features": sa.literal_column("excluded.features"),
                "updated_at": sa.literal_column("excluded.updated_at"),
            },
        )
        self._feed_add = (
            self.db.insert(alert_feed)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(alert_feed.c.id)
        )

    def close(self) -> None:
        if self._owned:
            self.db.close()

    # -- cases --------------------------------------------------------------------------------

    def put(self, conn: sa.Connection, cases: Sequence[Case], *, now: datetime) -> None:
        if not cases:
            return
        stamp = _iso(now)
        conn.execute(
            self._put,
            [
                {
                    "record_id": c.record_id,
                    "side": c.side,
                    "gender": c.gender,
                    "born_from": c.born_from,
                    "born_to": c.born_to,
                    "chassis_tail": c.chassis_tail,
                    "engine_tail": c.engine_tail,
                    "features": json.dumps(c.as_json(), sort_keys=True),
                    "updated_at": stamp,
                }
                for c in cases
            ],
        )

    def remove(self, conn: sa.Connection, record_ids: Iterable[str]) -> None:
        ids = list(record_ids)
        if ids:
            conn.execute(alert_cases.delete().where(alert_cases.c.record_id.in_(ids)))

    def people_like(self, conn: sa.Connection, case: Case) -> list[Case]:
        """Reports on the other side that the sex and ages do not rule out, nearest in age
        first, so that when more than `MAX_CANDIDATES` qualify (a nameless found child of
        unknown sex and age in a large index) the ones dropped are the least likely, not
        whichever the table holds last; reports without an age rank as if a few years off."""
        other = FOUND if case.side == MISSING else MISSING
        c = alert_cases.c
        query = sa.select(c.features).where(c.side == other)
        if case.gender:
            query = query.where(sa.or_(c.gender == case.gender, c.gender.is_(None)))
        if case.born_from is not None and case.born_to is not None:
            query = query.where(
                sa.or_(
                    c.born_from.is_(None),
                    sa.and_(
                        c.born_from <= case.born_to + BORN_SLACK,
                        c.born_to >= case.born_from - BORN_SLACK,
                    ),
                )
            )
            # twice the distance between the two ranges' middles (integers on both engines)
            twice_off = sa.func.abs(c.born_from + c.born_to - case.born_from - case.born_to)
            query = query.order_by(sa.func.coalesce(twice_off, 2 * BORN_SLACK), c.record_id)
        else:
            query = query.order_by(c.updated_at.desc(), c.record_id)
        rows = conn.execute(query.limit(MAX_CANDIDATES)).scalars()
        return [_case(r) for r in rows]

    def vehicles_like(self, conn: sa.Connection, cases: Sequence[Case]) -> dict[str, list[Case]]:
        """For each vehicle case of a batch: the reports (for a registration or report) and
        registrations (for a report) sharing the tail of its chassis or engine number. Two
        indexed look-ups per batch, whatever its size."""
        c = alert_cases.c
        by_tail: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for name, column in (("chassis", c.chassis_tail), ("engine", c.engine_tail)):
            tails = sorted({t for t in (_tail(x, name) for x in cases) if t})
            for start in range(0, len(tails), 500):
                query = sa.select(column, c.record_id, c.side, c.features).where(
                    column.in_(tails[start : start + 500])
                )
                for tail, rid, side, features in conn.execute(query).all():
                    by_tail.setdefault((name, tail), []).append((rid, side + "\x00" + features))
        out: dict[str, list[Case]] = {}
        for case in cases:
            sides = {REGISTRATION, STOLEN} if case.side == STOLEN else {STOLEN}
            found: dict[str, str] = {}
            for name in ("chassis", "engine"):
                tail = _tail(case, name)
                for rid, packed in by_tail.get((name, tail), []) if tail else []:
                    side, features = packed.split("\x00", 1)
                    if side in sides and rid != case.record_id:
                        found[rid] = features
            out[case.record_id] = [_case(f) for f in list(found.values())[:MAX_CANDIDATES]]
        return out

    def count(self) -> int:
        with self.db.read() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(alert_cases)).scalar_one()
            )

    # -- the feed -----------------------------------------------------------------------------

    def deliver(
        self, *, recipient: str, kind: str, dedup_key: str, payload: dict[str, Any], now: datetime
    ) -> bool:
        """Put an alert in a recipient's feed; False when it is there already (delivered once)."""
        with self.db.write() as conn:
            row = conn.execute(
                self._feed_add,
                {
                    "created_at": _iso(now),
                    "recipient": recipient,
                    "kind": kind,
                    "dedup_key": dedup_key,
                    "payload": json.dumps(payload, sort_keys=True),
                },
            ).first()
        return row is not None

    def feed(
        self,
        recipients: Sequence[str],
        *,
        after: int = 0,
        limit: int = 50,
        unacknowledged: bool = False,
    ) -> list[FeedItem]:
        f = alert_feed.c
        query = sa.select(alert_feed).where(f.recipient.in_(list(recipients)), f.id > after)
        if unacknowledged:
            query = query.where(f.acknowledged_at.is_(None))
        with self.db.read() as conn:
            rows = conn.execute(query.order_by(f.id).limit(limit)).mappings().all()
        return [_item(r) for r in rows]

    def get(self, alert_id: int) -> FeedItem | None:
        with self.db.read() as conn:
            row = (
                conn.execute(sa.select(alert_feed).where(alert_feed.c.id == alert_id))
                .mappings()
                .first()
            )
        return None if row is None else _item(row)

    def acknowledge(self, alert_id: int, by: str, *, now: datetime) -> FeedItem | None:
        """Mark an alert acknowledged (the first acknowledgement stands)."""
        f = alert_feed.c
        with self.db.write() as conn:
            conn.execute(
                alert_feed.update()
                .where(f.id == alert_id, f.acknowledged_at.is_(None))
                .values(acknowledged_at=_iso(now), acknowledged_by=by)
            )
        return self.get(alert_id)


def _item(row: Any) -> FeedItem:
    return FeedItem(
        id=int(row["id"]),
        created_at=row["created_at"],
        recipient=row["recipient"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        acknowledged_at=row["acknowledged_at"],
        acknowledged_by=row["acknowledged_by"],
    )

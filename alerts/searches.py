"""Retro-hits and watches: searches remembered for a window (5 days by default, as the FBI's
N-DEx keeps them) and watches kept until removed; a new or changed record that would have been
among a search's results, or that carries a watched plate, chassis or identifier, alerts the
officer who searched or watches.

Each remembered search is filed under retrieval keys (the name keys `matching` gives a name, or
a vehicle's normalised identifiers), so a changed record is compared only with the searches that
share one of its keys: the cost follows the changed records, not the searches kept. A person
search is then re-scored with the name matcher against the record's people; it is a hit when
the score reaches the search's own `min_score` and the record was not among the results shown.

The alert goes to `officer:<subject>`; what it shows is decided when the officer reads it, under
the officer's access then (`alerts.content`). A hit on a record the officer may not see at the
time of the alert (a label hidden from him, a source not granted or answered only as a
hit-flag) is not sent at all: the access he searched with (role, place, clearances, sources:
`access_of`) is kept with the search and judged under the policy when the record arrives. A
restricted retro-hit would tell him that the person he searched for has a record he may not
see, which is what the policy withholds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from auth.policy import Policy
from auth.principal import Caller, Role
from matching.api import PersonQuery, analyse, name_keys, score
from matching.identifiers import chassis_suffix, normalise_registration
from records import IdType, Record, Source
from state import Database
from state.schema import remembered, remembered_keys
from state.stores import open_area

PERSON, VEHICLE, WATCH = "person_search", "vehicle_search", "watch"
DEFAULT_WINDOW = timedelta(days=5)
# Keys bound in one `IN (...)`: well under SQLite's 32,766 parameters and PostgreSQL's 65,535.
_KEYS_PER_QUERY = 5000
WATCH_NAME_SCORE = 0.9  # a watched profile's name alone alerts only when the matcher is sure
# Identifiers strong enough for a watch to follow (the index links records on the same ones).
WATCHED_IDS = (
    IdType.REGISTRATION,
    IdType.CHASSIS,
    IdType.ENGINE,
    IdType.DRIVING_LICENCE,
    IdType.PASSPORT,
    IdType.MOBILE,
    IdType.FIR,
)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Remembered:
    id: int
    kind: str
    subject: str
    query: dict[str, Any]
    min_score: float
    results: frozenset[str]
    created_at: str


@dataclass(frozen=True)
class Hit:
    remembered: Remembered
    record: Record
    score: float
    reason: str


ACCESS = "access"  # the key of the searcher's access in a remembered query


def access_of(caller: Caller) -> dict[str, Any]:
    """What of a caller decides which records it may see (kept with its remembered searches)."""
    return {
        "role": caller.role.value,
        "state": caller.state,
        "district": caller.district,
        "police_station": caller.police_station,
        "clearances": sorted(caller.clearances),
        "sources": None if caller.sources is None else sorted(s.value for s in caller.sources),
        "fields": None if caller.fields is None else sorted(caller.fields),
        "hit_flag": None if caller.hit_flag is None else sorted(s.value for s in caller.hit_flag),
        "agency": caller.agency,
        "client_id": caller.client_id,
    }


def _searcher(memo: Remembered) -> Caller:
    """The searcher as the policy judges it; a search kept without its access (filed before
    access was kept) is judged as a plain officer's with no place and no clearance."""
    access = memo.query.get(ACCESS) or {}
    try:
        role = Role(access.get("role", Role.OFFICER.value))
        sources = access.get("sources")
        return Caller(
            subject=memo.subject,
            role=role,
            scopes=frozenset(),
            agency=access.get("agency"),
            client_id=access.get("client_id"),
            state=access.get("state"),
            district=access.get("district"),
            police_station=access.get("police_station"),
            clearances=frozenset(access.get("clearances") or ()),
            sources=None if sources is None else frozenset(Source(s) for s in sources),
            fields=None if access.get("fields") is None else frozenset(access["fields"]),
            hit_flag=(
                None
                if access.get("hit_flag") is None
                else frozenset(Source(s) for s in access["hit_flag"])
            ),
        )
    except (ValueError, TypeError):
        return Caller(subject=memo.subject, role=Role.OFFICER, scopes=frozenset())


def person_keys(query: Mapping[str, Any]) -> set[str]:
    name = query.get("name")
    return {f"name:{k}" for k in name_keys(name)} if name else set()


def vehicle_keys(
    registration: str | None, chassis: str | None = None, engine: str | None = None
) -> set[str]:
    out = set()
    regn = normalise_registration(registration) if registration else None
    if regn:
        out.add(f"reg:{regn}")
    tail = chassis_suffix(chassis, 5) if chassis else None
    if tail:
        out.add(f"chassis:{tail}")
    if engine and len(engine) >= 5:
        out.add(f"engine:{engine.upper()[-5:]}")
    return out


def identifier_keys(record: Record) -> set[str]:
    """The keys a record can be found by: its people's name keys, its vehicle's numbers, its
    strong identifiers."""
    out: set[str] = set()
    for person in record.subjects():
        for written in person.names:
            out |= {f"name:{k}" for k in name_keys(written)}
    if record.vehicle is not None:
        v = record.vehicle
        out |= vehicle_keys(v.registration_no, v.chassis_no, v.engine_no)
    for ident in record.identifiers:
        if ident.type in WATCHED_IDS and not ident.partial:
            out.add(f"id:{ident.type.value}:{ident.value}")
    return out


class SearchMemory:
    def __init__(
        self, target: Database | Path, *, migrate: bool = True, policy: Policy | None = None
    ) -> None:
        self.db, self._owned = open_area(target, "alerts", migrate=migrate)
        # judges whether a searcher may see a record at the time of the alert
        self.policy = policy if policy is not None else Policy.load()

    def close(self) -> None:
        if self._owned:
            self.db.close()

    def remember(
        self,
        *,
        kind: str,
        subject: str,
        query: Mapping[str, Any],
        keys: Iterable[str],
        results: Iterable[str],
        now: datetime,
        window: timedelta | None = DEFAULT_WINDOW,
        min_score: float = 0.0,
        access: Mapping[str, Any] | None = None,
    ) -> int | None:
        """File a search (or, with `window=None`, a watch); None when it has no key to be
        found by (nothing could ever hit it). `access`: the searcher's (`access_of`)."""
        keyset = sorted(set(keys))
        if not keyset:
            return None
        if access is not None:
            query = {**query, ACCESS: dict(access)}
        with self.db.write() as conn:
            new_id = conn.execute(
                remembered.insert()
                .values(
                    created_at=_iso(now),
                    expires_at=_iso(now + window) if window is not None else None,
                    kind=kind,
                    subject=subject,
                    query=json.dumps(dict(query), sort_keys=True, default=str),
                    min_score=min_score,
                    results=json.dumps(sorted(set(results))),
                )
                .returning(remembered.c.id)
            ).scalar_one()
            conn.execute(
                remembered_keys.insert(), [{"remembered_id": new_id, "key": k} for k in keyset]
            )
        return int(new_id)

    def get(self, remembered_id: int) -> Remembered | None:
        with self.db.read() as conn:
            row = (
                conn.execute(sa.select(remembered).where(remembered.c.id == remembered_id))
                .mappings()
                .first()
            )
        return None if row is None else _remembered(row)

    def remove(self, remembered_id: int) -> bool:
        with self.db.write() as conn:
            conn.execute(
                remembered_keys.delete().where(remembered_keys.c.remembered_id == remembered_id)
            )
            return bool(
                conn.execute(remembered.delete().where(remembered.c.id == remembered_id)).rowcount
            )

    def forget_expired(self, now: datetime) -> int:
        r = remembered.c
        stamp = _iso(now)
        with self.db.write() as conn:
            ids = list(
                conn.execute(
                    sa.select(r.id).where(r.expires_at.is_not(None), r.expires_at < stamp)
                ).scalars()
            )
            if ids:
                conn.execute(
                    remembered_keys.delete().where(remembered_keys.c.remembered_id.in_(ids))
                )
                conn.execute(remembered.delete().where(r.id.in_(ids)))
        return len(ids)

    def sharing(self, conn: sa.Connection, keys: Iterable[str], now: datetime) -> list[Remembered]:
        """Live searches and watches filed under any of `keys`."""
        keyset = list(set(keys))
        if not keyset:
            return []
        r, k = remembered.c, remembered_keys.c
        ids = sa.select(k.remembered_id).where(k.key.in_(keyset)).distinct()
        rows = conn.execute(
            sa.select(remembered).where(
                r.id.in_(ids), sa.or_(r.expires_at.is_(None), r.expires_at >= _iso(now))
            )
        ).mappings()
        return [_remembered(row) for row in rows]

    def filed(self, conn: sa.Connection, keys: Iterable[str]) -> set[str]:
        """Which of `keys` any remembered search or watch is filed under."""
        wanted = sorted(set(keys))
        found: set[str] = set()
        k = remembered_keys.c
        for start in range(0, len(wanted), _KEYS_PER_QUERY):
            chunk = wanted[start : start + _KEYS_PER_QUERY]
            found.update(
                conn.execute(sa.select(k.key).where(k.key.in_(chunk)).distinct()).scalars()
            )
        return found

    def hits(self, conn: sa.Connection, records: Sequence[Record], now: datetime) -> list[Hit]:
        out: list[Hit] = []
        keyed = [(record, identifier_keys(record)) for record in records]
        # one look-up for the batch first: most records share no key with any remembered
        # search, and one query each (`sharing`) was most of the alert step's cost
        filed = self.filed(conn, (key for _, keys in keyed for key in keys))
        for record, keys in keyed:
            if not keys & filed:
                continue
            for memo in self.sharing(conn, keys, now):
                if record.record_id in memo.results:
                    continue
                if not self.policy.admits(_searcher(memo), record):
                    continue  # not his to see now: not even that it exists
                hit = _hit(memo, record, keys)
                if hit is not None:
                    out.append(hit)
        return out


def _remembered(row: Any) -> Remembered:
    return Remembered(
        id=int(row["id"]),
        kind=row["kind"],
        subject=row["subject"],
        query=json.loads(row["query"]),
        min_score=float(row["min_score"]),
        results=frozenset(json.loads(row["results"])),
        created_at=row["created_at"],
    )


def _hit(memo: Remembered, record: Record, keys: set[str]) -> Hit | None:
    if memo.kind == PERSON:
        q = memo.query
        analysed = analyse(
            PersonQuery(
                name=str(q["name"]),
                relative_name=q.get("relative_name") or q.get("father_name"),
                birth_year=q.get("birth_year"),
                gender=q.get("gender"),
                state=q.get("state"),
                district=q.get("district"),
                age=q.get("age"),
            )
        )
        best = max(
            (score(analysed, p, state=record.state, district=record.district).score
             for p in record.subjects()),
            default=0.0,
        )  # fmt: skip
        if best < max(memo.min_score, 0.01):
            return None
        return Hit(memo, record, best, f"would have been in your search for {q['name']!r}")
    wanted = set(memo.query.get("keys") or ())
    shared = sorted(k for k in wanted & keys if not k.startswith("name:"))
    if not shared:
        # a watched profile's names: a hit only when the name matcher is sure (0.9 or more)
        for name in memo.query.get("names") or ():
            analysed = analyse(PersonQuery(name=str(name)))
            best = max((score(analysed, p).score for p in record.subjects()), default=0.0)
            if best >= WATCH_NAME_SCORE:
                return Hit(memo, record, best, f"carries the watched name {name!r}")
        return None
    what = "search" if memo.kind == VEHICLE else "watch"
    return Hit(memo, record, 1.0, f"carries {', '.join(shared)} from your {what}")


def record_summary(record: Record) -> dict[str, Any]:
    """What a retro-hit or watch alert says of the record (cut again when read)."""
    people = record.subjects()
    out: dict[str, Any] = {
        "record_id": record.record_id,
        "source": record.source.value,
        "kind": record.kind.value,
        "status": record.status,
        "state": record.state,
        "district": record.district,
        "police_station": record.police_station,
        "event_date": record.event_date.isoformat() if record.event_date else None,
        "labels": sorted(s.value for s in record.sensitivity),
        "review": bool(record.data_issues),
        "names": [n for p in people for n in p.names][:5],
        "registration_no": record.vehicle.registration_no if record.vehicle else None,
        "contact": f"station:{record.state}/{record.police_station}"
        if record.state and record.police_station
        else f"state:{record.state or 'XX'}",
    }
    return {k: v for k, v in out.items() if v not in (None, [], False)}


def hit_payload(hit: Hit) -> dict[str, Any]:
    memo = hit.remembered
    query = {k: v for k, v in memo.query.items() if k not in ("keys", ACCESS)}
    kind = "watch_hit" if memo.kind == WATCH else "retro_hit"
    return {
        "kind": kind,
        "score": round(hit.score, 4),
        "review": bool(hit.record.data_issues),
        "own": {
            "search": {"id": memo.id, "kind": memo.kind, "at": memo.created_at, "query": query},
            "contact": f"officer:{memo.subject}",
        },
        "match": record_summary(hit.record),
        "evidence": [{"feature": "reason", "weight": round(hit.score, 4), "found": hit.reason}],
    }

"""The sexual-offender register's alerts, run from the sync hook beside the other matchers.

Two kinds, each to the police station of the registered offender (the register's station,
`federation.registers`), through the same outbox and channels as every alert:

- `ndso_appeared`: a registered offender appears in a new record: an arrest (a CCTNS accused
  row), a driving or arms licence, a vehicle registration, a foreigner's registration or journey
  (IVFRT). Certain when the index links the record to one of his (a DL, a passport, a FIR +
  station) or it carries one of his strong identifiers; when only his name and birth year agree
  it is sent for REVIEW, never as a conclusion. An arrest dated on or before his registration
  is his history, not an appearance. What the index held before his conviction arrived (his
  linked records, and what shares his name or an identifier) is examined when it arrives, as
  though it had arrived after: the order in which the sources sync does not decide whether his
  station is told, only, where a linking record had not arrived yet, whether it is certain.
- `ndso_place`: a record of a registered offender gives an address, or an employer, at a
  school, hostel or hotel.

The register is read from the index (`OffenderIndex`, refreshed at most every few minutes); an
offender registered by the very batch being synced is added to it for that batch, so that his
own new records are not missed while the snapshot catches up.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from federation.registers import Offender, OffenderIndex, convictions, members_of, register
from indexer.backends.base import CandidateQuery, Filters, IdentifierTerm, IndexLink
from matching import api as matching
from records import IdType, Kind, Person, Record
from state.db import Database
from state.outbox import Outbox
from state.schema import ndso_pinned

from .directory import Directory

APPEARED = "ndso_appeared"
PLACE = "ndso_place"
# The records in which an offender "appears": arrests, licences, registrations, journeys.
_APPEARING = frozenset(
    {
        Kind.ACCUSED,
        Kind.DRIVING_LICENCE,
        Kind.ARMS_LICENCE,
        Kind.VEHICLE_REGISTRATION,
        Kind.FOREIGNER,
    }
)
_STRONG = frozenset(
    {IdType.DRIVING_LICENCE, IdType.PASSPORT, IdType.ARMS_LICENCE, IdType.PRISONER, IdType.VISA}
)
# Places where a sexual offender's presence is the register's business, as addresses write
# them (English, Hindi and the common transliterations).
SENSITIVE_PLACE = re.compile(
    r"\b(?:school|hostel|hotel|vidyalaya?|chhatrawas|chhatravas|gurukul|boarding house)\b"
    r"|स्कूल|विद्यालय|छात्रावास|हॉस्टल|होस्टल|होटल",
    re.IGNORECASE,
)
_EMPLOYER_KEYS = ("employer", "occupation", "work_address", "workplace")
NAME_MATCH = 0.9  # a name-only match's score (names as if unique) needed to send for REVIEW
SWEEP_LIMIT = 200  # records examined per newly convicted offender
BIRTH_SLACK = 1  # years by which a name-only match's birth years may miss each other
PIN_MARK = "*"  # the `ndso_pinned` row that says a pin is held (no record id is "*")


@dataclass(frozen=True)
class Hit:
    kind: str
    offender: Offender
    record: Record
    certain: bool
    reason: str


@dataclass
class _Registered:
    """One name-bearing person of one of an offender's records, in register order."""

    order: int
    offender: Offender
    record_id: str
    record: Record
    person: Person
    analysed: Any = None  # `matching.analyse` of the person, made when first compared


class _RegisteredNames:
    """The register's people by name key, built once per batch on first use: a name-only match
    compares a record with the registered people sharing a name key with it, in register
    order, instead of computing every registered name's keys again for each record."""

    def __init__(self, offenders: Iterable[Offender], held: dict[str, Record]) -> None:
        self._offenders = offenders
        self._held = held
        self._by_key: dict[str, list[_Registered]] | None = None

    def sharing(self, keys: set[str]) -> list[_Registered]:
        if self._by_key is None:
            self._by_key = self._build()
        found = {e.order: e for k in keys for e in self._by_key.get(k, ())}
        return [found[o] for o in sorted(found)]

    def _build(self) -> dict[str, list[_Registered]]:
        by_key: dict[str, list[_Registered]] = {}
        order = 0
        for offender in self._offenders:
            for rid in offender.record_ids:
                registered = self._held.get(rid)
                if registered is None:
                    continue
                for person in _subjects(registered):
                    entry = _Registered(order, offender, rid, registered, person)
                    order += 1
                    for key in set().union(*(matching.name_keys(n) for n in person.names)):
                        by_key.setdefault(key, []).append(entry)
        return by_key


def _latest(offenders: Sequence[Offender]) -> list[Offender]:
    """The offenders, an entry registered later replacing any earlier one sharing a record with
    it (he grew, or two entries turned out to be one man), in register order."""
    claimed: set[str] = set()
    kept: list[Offender] = []
    for offender in reversed(offenders):
        if claimed.isdisjoint(offender.record_ids):
            kept.append(offender)
        claimed.update(offender.record_ids)
    return kept[::-1]


def _subjects(record: Record) -> list[Person]:
    return [p for p in record.subjects() if p.names]


def _born(person: Person, record: Record) -> tuple[int, int] | None:
    """The birth years a record allows: one from a date or year, two from an age on a date."""
    if person.birth_date is not None:
        return person.birth_date.year, person.birth_date.year
    if person.birth_year is not None:
        return person.birth_year, person.birth_year
    on = person.age_on or record.event_date
    if person.age_from is not None and on is not None:
        oldest = person.age_to if person.age_to is not None else person.age_from
        return on.year - oldest - 1, on.year - person.age_from
    return None


def _born_alike(a: tuple[int, int] | None, b: tuple[int, int] | None) -> bool:
    """Birth years that overlap within `BIRTH_SLACK` (an age given to the police is rounded)."""
    if a is None or b is None:
        return False  # a name alone is not enough to tell a station
    return a[0] - BIRTH_SLACK <= b[1] and b[0] - BIRTH_SLACK <= a[1]


def _registered_on(offender: Offender, held: dict[str, Record]) -> date | None:
    """The date of his earliest registering record (the FIR of a convicting case, an admission
    as a convict): from then on he is a registered offender."""
    registering = (held.get(c.record_id) for c in offender.convictions)
    return min(
        (r.event_date for r in registering if r is not None and r.event_date is not None),
        default=None,
    )


def _after_registration(record: Record, offender: Offender, held: dict[str, Record]) -> bool:
    """Whether a record of him can be an appearance. An arrest dated on or before his
    registration (the convicting case's own accused row, his earlier cases) is his history,
    which the register already shows; alerting it would tell his station or not depending on
    which source synced first. A licence, a registration or a journey is something he holds
    or did, whenever it was issued: always."""
    if record.kind is not Kind.ACCUSED or record.event_date is None:
        return True
    since = _registered_on(offender, held)
    return since is None or record.event_date > since


def places_of(record: Record) -> Iterator[tuple[str, str]]:
    """(field, text) of a record's addresses and employers that name a sensitive place."""
    for person in _subjects(record) or list(record.people):
        if person.address and SENSITIVE_PLACE.search(person.address):
            yield "address", person.address
    for key, value in record.attributes.items():
        if not isinstance(value, str):
            continue
        if ("address" in key or key in _EMPLOYER_KEYS) and SENSITIVE_PLACE.search(value):
            yield key, value


class NdsoMatcher:
    def __init__(
        self,
        index: OffenderIndex,
        outbox: Outbox,
        directory: Directory,
        pins: Database | None = None,
    ) -> None:
        self._index = index
        self._outbox = outbox
        self._directory = directory
        # offenders registered by batches since the snapshot was read, until it is read again
        self._since: tuple[object, list[Offender]] = (None, [])
        self._pinned: Any = None  # the register read before a bulk load (`pin`)
        # where a pin outlives this process (`ndso_pinned`); read back once, at first use
        self._pins = pins
        self._restored = pins is None

    def _register(self) -> Any:
        if not self._restored:
            self._take_up_pin()
        return self._pinned or self._index.current()

    def _take_up_pin(self) -> bool:
        """Compare with the pin a killed process left in the database, if it left one (a load's
        batches it did not match); whether it did. Asked once per process, or by `pin`."""
        self._restored = True
        members = self._read_pin() if self._pins is not None else None
        if members is None:
            return False
        self._pinned = self._index.as_it_was(members)
        return True

    def _offenders(
        self, records: Sequence[Record], batch_links: Callable[[], list[IndexLink]]
    ) -> tuple[list[Offender], set[str]]:
        """The register as this batch finds it, and the keys of the offenders it registers or
        grows: a new conviction, or a record the index links to an offender's records (an
        inmate citing the FIR of an arrest already held joins that arrest to him).
        `batch_links`: the links of the batch's records, read from the index once a batch."""
        snapshot = self._register()
        if self._since[0] is not snapshot:
            self._since = (snapshot, [])
        known = _latest([*snapshot.offenders, *self._since[1]])
        members = {i: o for o in known for i in o.record_ids}
        fresh = [r for r in records if convictions(r) and r.record_id not in members]
        seeds = {r.record_id: r for r in fresh}
        touched = self._touched(records, members, batch_links)
        wanted = sorted({c.record_id for o in touched for c in o.convictions} - set(seeds))
        held = snapshot.records
        for rid in wanted:
            if rid in held:
                seeds[rid] = held[rid]
        later = [i for i in wanted if i not in held]
        seeds.update({r.record_id: r for r in self._index.backend.get(later)} if later else {})
        if not seeds:
            return known, set()
        grown = register(self._index.backend, [seeds[i] for i in sorted(seeds)])[0]
        self._since[1].extend(grown)
        return _latest([*known, *grown]), {o.key for o in grown}

    @staticmethod
    def _touched(
        records: Sequence[Record],
        members: dict[str, Offender],
        batch_links: Callable[[], list[IndexLink]],
    ) -> list[Offender]:
        """The offenders a record of this batch, not yet one of theirs, is linked to."""
        new = {r.record_id for r in records if r.record_id not in members}
        if not new or not members:
            return []
        found: dict[str, Offender] = {}
        for link in batch_links():
            for mine, other in ((link.a, link.b), (link.b, link.a)):
                if mine in new and other in members:
                    found.setdefault(members[other].key, members[other])
        return [found[k] for k in sorted(found)]

    def pin(self) -> None:
        """Read the register from the index now and compare with it (and the offenders later
        batches register) until `unpin`, however long that takes: a bulk load's batches are
        matched after the load, and a register read again meanwhile would be read from the
        loaded index (`alerts.hook.SyncHook`). The pin is kept in the database too: a process
        killed before the load's batches are all matched leaves it for the next one, which
        matches the rest against it (`_register`). A pin left by such a process is kept as it
        is: it is the register before the batches still waiting."""
        if self._take_up_pin():
            return
        self._index.refresh()
        self._pinned = self._index.current()
        if self._pins is not None:
            rows = [{"offender": PIN_MARK, "record_ids": "[]"}]
            rows += [
                {"offender": key, "record_ids": json.dumps(ids)}
                for key, ids in members_of(self._pinned).items()
            ]
            with self._pins.write() as conn:
                conn.execute(ndso_pinned.delete())
                conn.execute(ndso_pinned.insert(), rows)

    def unpin(self) -> None:
        """The load's batches are all matched: the register is read from the index again."""
        self._pinned = None
        self._restored = True
        if self._pins is not None:
            with self._pins.write() as conn:
                conn.execute(ndso_pinned.delete())

    def _read_pin(self) -> dict[str, list[str]] | None:
        assert self._pins is not None
        with self._pins.read() as conn:
            rows = conn.execute(sa.select(ndso_pinned.c.offender, ndso_pinned.c.record_ids)).all()
        members = {str(k): json.loads(ids) for k, ids in rows}
        return None if members.pop(PIN_MARK, None) is None else members

    def __call__(self, conn: sa.Connection, records: Sequence[Record], now: datetime) -> int:
        """Match a written batch and queue its alerts in `conn`'s transaction."""
        return self.queue(conn, self.hits(records), now)

    def hits(self, records: Sequence[Record]) -> list[Hit]:
        backend = self._index.backend
        batch = {r.record_id: r for r in records}
        # read when first needed (an empty register asks nothing), then kept for the batch
        batch_links = functools.cache(lambda: backend.links(sorted(batch)) if batch else [])
        offenders, grown = self._offenders(records, batch_links)
        if not offenders:
            return []
        held = {**self._register().records, **batch}
        missing = sorted({i for o in offenders for i in o.record_ids} - set(held))
        held.update({r.record_id: r for r in backend.get(missing)} if missing else {})
        # an offender whose conviction this batch brings (new, or read again after a crash), or
        # whom it joins to records already held: the records the index already holds that may
        # be his are examined too, so that the order in which the sources sync does not decide
        # what his station is told
        convicted_now = [
            o
            for o in offenders
            if o.key in grown or any(c.record_id in batch for c in o.convictions)
        ]
        # and his own records held before (the index linked them to him before his conviction,
        # or the link to him, arrived): the same appearances as had they arrived after it
        before = {
            i: held[i] for o in convicted_now for i in o.record_ids if i in held and i not in batch
        }
        swept = {r.record_id: r for r in self._sweep(convicted_now, held)}
        earlier = {**swept, **before}
        examined = [*records, *(earlier[i] for i in sorted(earlier) if i not in batch)]
        owner: dict[str, Offender] = {i: o for o in offenders for i in o.record_ids}
        registering = {c.record_id for o in offenders for c in o.convictions}
        now_keys = {o.key for o in convicted_now}
        held_before = [r.record_id for r in examined if r.record_id not in batch]
        linked: dict[str, set[str]] = {}
        for link in [*batch_links(), *(backend.links(held_before) if held_before else [])]:
            linked.setdefault(link.a, set()).add(link.b)
            linked.setdefault(link.b, set()).add(link.a)
        strong: dict[tuple[IdType, str], Offender] = {}
        for offender in offenders:
            for rid in offender.record_ids:
                for ident in held[rid].identifiers if rid in held else ():
                    if ident.type in _STRONG and not ident.partial:
                        strong[(ident.type, ident.value)] = offender
        names = _RegisteredNames(offenders, held)
        out: list[Hit] = []
        for record in examined:
            own = owner.get(record.record_id)
            if own is not None:
                out.extend(self._places(own, record))
                if (
                    own.key in now_keys
                    and record.kind in _APPEARING
                    and record.record_id not in registering
                    and _after_registration(record, own, held)
                ):
                    out.append(self._own_appearance(own, record, linked, owner))
                continue
            if record.kind not in _APPEARING:
                continue
            hit = self._appeared(record, owner, linked, strong, names)
            if hit is not None:
                if _after_registration(record, hit.offender, held):
                    out.append(hit)
                out.extend(self._places(hit.offender, record))
        return out

    @staticmethod
    def _own_appearance(
        offender: Offender,
        record: Record,
        linked: dict[str, set[str]],
        owner: dict[str, Offender],
    ) -> Hit:
        """One of his records the index linked to him before his conviction arrived: the hit it
        would have been had it arrived after (`_appeared`'s first rule)."""
        partners = [i for i in sorted(linked.get(record.record_id, ())) if owner.get(i) is offender]
        partner = partners[0] if partners else offender.key
        return Hit(APPEARED, offender, record, True, f"linked to {partner}")

    def _sweep(self, offenders: Sequence[Offender], held: dict[str, Record]) -> list[Record]:
        """Records in the index that share a name key or a strong identifier with these
        offenders' records, of the kinds an offender appears in."""
        out: dict[str, Record] = {}
        for offender in offenders:
            mine = [held[i] for i in offender.record_ids if i in held]
            keys = {
                k
                for r in mine
                for p in _subjects(r)
                for n in p.names
                for k in matching.name_keys(n)
            }
            terms = tuple(
                IdentifierTerm(i.type, i.value)
                for r in mine
                for i in r.identifiers
                if i.type in _STRONG and not i.partial
            )
            if not keys and not terms:
                continue
            query = CandidateQuery(
                name_keys=frozenset(keys),
                identifiers=terms,
                filters=Filters(kinds=_APPEARING),
                limit=SWEEP_LIMIT,
            )
            for candidate in self._index.backend.candidates(query):
                out.setdefault(candidate.record.record_id, candidate.record)
        return [out[k] for k in sorted(out)]

    def _places(self, offender: Offender, record: Record) -> Iterator[Hit]:
        for field, text in places_of(record):
            yield Hit(PLACE, offender, record, True, f"{field}: {text}")

    def _appeared(
        self,
        record: Record,
        owner: dict[str, Offender],
        linked: dict[str, set[str]],
        strong: dict[tuple[IdType, str], Offender],
        names: _RegisteredNames,
    ) -> Hit | None:
        for other in sorted(linked.get(record.record_id, ())):
            if other in owner:
                return Hit(APPEARED, owner[other], record, True, f"linked to {other}")
        for ident in record.identifiers:
            found = strong.get((ident.type, ident.value))
            if found is not None and not ident.partial:
                return Hit(APPEARED, found, record, True, f"same {ident.type.value}")
        return self._by_name(record, names)

    def _by_name(self, record: Record, names: _RegisteredNames) -> Hit | None:
        people = _subjects(record)
        if not people:
            return None
        keys = set().union(*(matching.name_keys(n) for p in people for n in p.names))
        for entry in names.sharing(keys):
            person = entry.person
            born = _born(person, entry.record)
            if entry.analysed is None:
                entry.analysed = matching.analyse(
                    matching.PersonQuery(name=person.names[0], relative_name=person.relative_name)
                )
            for candidate in people:
                if not _born_alike(born, _born(candidate, record)):
                    continue
                result = matching.score(entry.analysed, candidate)
                if result.score >= NAME_MATCH:
                    return Hit(
                        APPEARED,
                        entry.offender,
                        record,
                        False,
                        f"name and birth year agree with {entry.record_id} ({result.score:.2f})",
                    )
        return None

    def queue(self, conn: sa.Connection, hits: Sequence[Hit], now: datetime) -> int:
        queued = 0
        for hit in hits:
            to = recipient(hit.offender)
            payload = payload_of(hit)
            for channel in ["feed", *self._directory.channels(to)]:
                queued += self._outbox.add(
                    kind=hit.kind,
                    channel=channel,
                    recipient=to,
                    # one alert per record, kind, certainty and desk, however the register is
                    # grouped: a re-run sends nothing twice, and a record first sent for REVIEW
                    # is sent again once a link makes it certain (the linking record arrived)
                    dedup_key=f"{hit.kind}:{_certainty(hit)}:{hit.record.record_id}:{to}:{channel}",
                    payload=payload,
                    now=now,
                    conn=conn,
                )
        return queued


def _certainty(hit: Hit) -> str:
    return "certain" if hit.certain else "review"


def recipient(offender: Offender) -> str:
    station = offender.station
    if station.state and station.police_station:
        return f"station:{station.state}/{station.police_station}"
    if station.state and station.district:
        return f"district:{station.state}/{station.district}"
    return f"state:{station.state or 'XX'}"


def _side(record: Record | None, record_id: str, side: str) -> dict[str, Any]:
    if record is None:
        return {"record_id": record_id, "side": side}
    names = [n for p in _subjects(record) for n in p.names]
    return {
        "record_id": record.record_id,
        "side": side,
        "source": record.source.value,
        "kind": record.kind.value,
        "status": record.status,
        "state": record.state,
        "district": record.district,
        "police_station": record.police_station,
        "event_date": record.event_date.isoformat() if record.event_date else None,
        "labels": sorted(label.value for label in record.sensitivity),
        "names": names,
        "review": bool(record.data_issues),
    }


def payload_of(hit: Hit) -> dict[str, Any]:
    """What the alert carries; `alerts.content` cuts it to the reader (the register's side is
    labelled `sexual_offence`: an uncleared reader learns that a restricted match exists and
    whom to call, nothing else)."""
    station = hit.offender.station
    conviction = hit.offender.convictions[0]
    own = {
        "record_id": conviction.record_id,
        "side": "ndso_register",
        "source": conviction.source,
        "kind": "accused" if conviction.source == "cctns" else "inmate",
        "state": station.state,
        "district": station.district,
        "police_station": station.police_station,
        "station_name": station.police_station_name,
        "labels": ["sexual_offence"],
        "contact": recipient(hit.offender),
    }
    return {
        "kind": hit.kind,
        "score": 1.0 if hit.certain else None,
        "review": not hit.certain or bool(hit.record.data_issues),
        "own": own,
        "match": {**_side(hit.record, hit.record.record_id, "new_record"), "contact": None},
        "evidence": [{"feature": hit.kind, "level": hit.reason, "weight": None}],
    }

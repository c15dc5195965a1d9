"""The world's clock: `advance(minutes)` writes what happened in the sources meanwhile.

Each advance is deterministic in (seed, old clock, new clock). It emits, per source, new records,
status updates, ownership transfers, releases, CCTNS deletes (tombstones) and late writes: about
one change in ten carries an update time up to five minutes *before* the old clock, i.e. behind a
watermark a client may already have been served (sources/README.md, "Clock skew and late writes").
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from simulators.world import crime, registers, reports
from simulators.world import formats as fm
from simulators.world.people import Person, make_person
from simulators.world.recs import Ctx, Rec
from simulators.world.store import Store

LATE_MS = 5 * 60_000
# Share of a source's records changed per simulated minute (about 3% a day), plus two changes
# per source per advance so that even a tiny test world sees every kind of change.
CHANGE_RATE_PER_MINUTE = 0.00002
# How a source writes its update time.
_STAMP: dict[str, Callable[[dict[str, Any], int], None]] = {
    "cctns": lambda b, t: b.__setitem__("LAST_UPDATED", fm.iso_ist(t)),
    "eprisons": lambda b, t: b.__setitem__("updatedAt", fm.iso_z(t)),
    "vahan": lambda b, t: b.__setitem__("rc_modified_on", t // 1000),
    "sarathi": lambda b, t: b.__setitem__("updatedAt", t),
    "alis": lambda b, t: None,
    "ncrp": lambda b, t: b.__setitem__("updated_at", fm.iso_ist(t)),
    "ivfrt": lambda b, t: b.__setitem__("ChangedOn", fm.iso_ist(t)),
    "khoyapaya": lambda b, t: b.__setitem__("updated_at", fm.iso_ist(t)),
}

# The sources the world changes, in this order (part of each advance's determinism).
_SOURCES = tuple(_STAMP)


class Clock:
    """Advances one world. Not thread-safe by itself: callers hold `store.write_lock`."""

    def __init__(self, store: Store):
        self.store = store
        self.seed = int(store.get_meta("seed") or 0)
        self.persons = int(store.get_meta("persons") or 0)

    def now_ms(self) -> int:
        return self.store.clock_ms()

    def advance(self, minutes: float) -> dict[str, int]:
        """Move the clock forward and write the changes; returns counts per change kind."""
        if minutes <= 0:
            raise ValueError("minutes must be positive")
        with self.store.write_lock:
            old = self.now_ms()
            new = old + int(minutes * 60_000)
            rng = random.Random(f"{self.seed}:advance:{old}:{new}")
            counters = json.loads(self.store.get_meta("counters") or "{}")
            ctx = Ctx(self.seed, rng, new, counters)
            tally: dict[str, int] = {}
            with self.store.transaction() as conn:
                for source in _SOURCES:
                    total = self.store.query(
                        "SELECT count(*) FROM truth WHERE source = ?", (source,)
                    )[0][0]
                    changes = 2 + int(total * minutes * CHANGE_RATE_PER_MINUTE)
                    for _ in range(min(changes, 5000)):
                        t = _when(rng, old, new)
                        kind = _change(self, conn, source, ctx, t)
                        if kind:
                            tally[kind] = tally.get(kind, 0) + 1
                self.store.set_meta(conn, "counters", json.dumps(counters))
                self.store.set_meta(conn, "clock_ms", str(new))
            return tally

    def late_inmates(self, count: int) -> int:
        """e-Prisons fault: new admissions written now with update times up to five minutes
        old, as a live table does under a client's offset paging. The clock does not move."""
        with self.store.write_lock:
            now = self.now_ms()
            rng = random.Random(
                f"{self.seed}:late:{now}:{self.store.query('SELECT count(*) FROM rows')[0][0]}"
            )
            counters = json.loads(self.store.get_meta("counters") or "{}")
            ctx = Ctx(self.seed, rng, now, counters)
            written = 0
            with self.store.transaction() as conn:
                for _ in range(count):
                    p = self.person_with(rng, "eprisons")
                    if p is None:
                        continue
                    t = _whole(now - rng.randrange(LATE_MS))
                    fir = crime.new_fir(ctx, p.state, p.district, t - 2 * 86_400_000)
                    _new(self, conn, [crime.inmate(p, [fir], ctx)], t)
                    written += 1
                self.store.set_meta(conn, "counters", json.dumps(counters))
            return written

    # -- helpers used by the change functions --------------------------------------------------

    def pick_live(
        self, source: str, coll: str | None, rng: random.Random
    ) -> tuple[str, str, str, int, str] | None:
        """A random live row: (coll, nid, rid, t, body).

        Sampled by rowid from a random starting point rather than with OFFSET, so that a
        change costs the same in a world of two million people as in one of two hundred.
        """
        top = self.store.query("SELECT max(rowid) FROM truth")[0][0]
        if not top:
            return None
        sql = (
            "SELECT rid FROM truth WHERE rowid >= ? AND source = ? AND status = 'live'"
            + (" AND coll = ?" if coll else "")
            + " ORDER BY rowid LIMIT 1"
        )
        tail = [source, coll] if coll else [source]
        row = self.store.query(sql, [rng.randint(1, int(top)), *tail]) or self.store.query(
            sql, [1, *tail]
        )
        if not row:
            return None
        rid = row[0][0]
        got = self.store.query(
            "SELECT coll, nid, rid, t, body FROM rows WHERE rid = ? ORDER BY t DESC LIMIT 1", (rid,)
        )
        if not got:
            return None
        c, nid, r, t, body = got[0]
        return str(c), str(nid), str(r), int(t), str(body)

    def person_with(
        self, rng: random.Random, source: str, roles: tuple[str, ...] = ()
    ) -> Person | None:
        for _ in range(30):
            p = make_person(self.seed, rng.randrange(max(1, self.persons)))
            if source in p.sources and (not roles or p.role in roles):
                return p
        return None

    def people_of(self, rid: str) -> dict[str, str]:
        return {
            pid: role
            for pid, role in self.store.query(
                "SELECT pid, role FROM truth_people WHERE rid = ?", (rid,)
            )
        }


def _when(rng: random.Random, old: int, new: int) -> int:
    if rng.random() < 0.1:
        t = old - rng.randrange(LATE_MS)  # a late write
    else:
        t = old + 1 + rng.randrange(max(1, new - old))
    return t


def _whole(t: int) -> int:
    return t - t % 1000


def _update(
    clock: Clock,
    conn: Any,
    source: str,
    coll: str | None,
    ctx: Ctx,
    t: int,
    edit: Callable[[dict[str, Any]], None],
) -> bool:
    got = clock.pick_live(source, coll, ctx.rng)
    if got is None:
        return False
    c, nid, rid, prev_t, text = got
    body = json.loads(text)
    # Update times never go backwards for a record, and keep the source's resolution.
    t = max(t, prev_t + 1) if source == "sarathi" else _whole(max(t, prev_t + 1000))
    edit(body)
    _STAMP[source](body, t)
    if source == "alis":
        c = fm.day_of(t).isoformat()
    state, key2 = clock.store.query("SELECT state, key2 FROM rows WHERE rid = ? LIMIT 1", (rid,))[0]
    clock.store.put(conn, [Rec(source, c, nid, rid, t, body, state=state, key2=key2)])
    return True


def _new(clock: Clock, conn: Any, recs: list[Rec], t: int) -> None:
    for r in recs:
        r.t_ms = t if r.source == "sarathi" else _whole(t)  # Sarathi keeps milliseconds
        _STAMP[r.source](r.body, r.t_ms)
        if r.source == "alis":
            r.coll = fm.day_of(r.t_ms).isoformat()
    clock.store.put(conn, recs)


def _change(clock: Clock, conn: Any, source: str, ctx: Ctx, t: int) -> str | None:
    rng = ctx.rng
    roll = rng.random()

    def set_status(
        collection: str | None, field: str, values: tuple[str, ...], event: str
    ) -> str | None:
        """One live record's `field` set to `values[0]`, or to one of `values` drawn when the
        record is updated (a single value draws nothing: the random stream stays as it was)."""

        def change(b: dict[str, Any]) -> None:
            b[field] = values[0] if len(values) == 1 else rng.choice(values)

        return event if _update(clock, conn, source, collection, ctx, t, change) else None

    if source == "cctns":
        if roll < 0.25:
            p = clock.person_with(rng, "cctns", ("offender", "cyber", "foreigner"))
            if p is None:
                return None
            fir = crime.new_fir(ctx, p.state, p.district, t)
            _new(clock, conn, [crime.accused_row(p, fir, ctx, t, in_prison=False)], t)
            return "cctns_new_fir"
        if roll < 0.4:
            return "cctns_delete" if _tombstone(clock, conn, ctx, t) else None
        if roll < 0.52:
            return set_status(
                "vehicles", "VEHICLE_STATUS", ("RECOVERED",), "cctns_vehicle_recovered"
            )
        if roll < 0.62:
            return set_status("missing-persons", "CASE_STATUS", ("TRACED",), "cctns_missing_traced")
        statuses = ("ARRESTED", "CHARGESHEETED", "CONVICTED", "ACQUITTED")
        return set_status("persons", "ACCUSED_STATUS", statuses, "cctns_status")
    if source == "eprisons":
        if roll < 0.3:
            p = clock.person_with(rng, "eprisons")
            if p is None:
                return None
            fir = crime.new_fir(ctx, p.state, p.district, t - 2 * 86_400_000)
            row = crime.accused_row(p, fir, ctx, t, in_prison=True)
            inmate = crime.inmate(p, [fir], ctx)
            _new(clock, conn, [row, inmate], t)
            return "eprisons_admission"

        def release(b: dict[str, Any]) -> None:
            b["releaseType"] = rng.choice(
                ("BAIL", "ACQUITTED", "SENTENCE_COMPLETED", "ESCAPED", "PAROLE")
            )
            b["releaseDate"] = fm.day_of(t).isoformat()
            if b["releaseType"] == "PAROLE":
                b["paroleUntil"] = fm.day_of(t + 30 * 86_400_000).isoformat()

        if roll < 0.5:
            return "eprisons_removed" if _remove_inmate(clock, conn, ctx) else None
        return "eprisons_release" if _update(clock, conn, source, None, ctx, t, release) else None
    if source == "vahan":
        if roll < 0.4:
            return "vahan_transfer" if _transfer(clock, conn, ctx, t) else None
        statuses = ("SUSPENDED", "CANCELLED", "SCRAPPED", "ACTIVE")
        return set_status(None, "rc_status", statuses, "vahan_status")
    if source == "sarathi":
        if roll < 0.2:
            p = clock.person_with(rng, "sarathi")
            if p is None:
                return None
            _new(clock, conn, [registers.licence(p, ctx)], t)
            return "sarathi_new"
        return set_status(
            None, "status", ("SUSPENDED", "REVOKED", "EXPIRED", "ACTIVE"), "sarathi_status"
        )
    if source == "alis":
        if roll < 0.3:
            p = clock.person_with(rng, "alis")
            if p is None:
                return None
            _new(clock, conn, registers.arms_licence(p, ctx)[-1:], t)
            return "alis_new"
        return set_status(
            None, "status", ("EXPIRED", "SUSPENDED", "CANCELLED", "VALID"), "alis_status"
        )
    if source == "ncrp":
        if roll < 0.3:
            return "ncrp_new" if _repeat_complaint(clock, conn, ctx, t) else None
        complaint = ("UNDER_INVESTIGATION", "FIR_REGISTERED", "CLOSED")
        return set_status(None, "status", complaint, "ncrp_status")
    if source == "ivfrt":

        def change(b: dict[str, Any]) -> None:
            what = rng.random()
            if what < 0.4:
                b["Status"] = rng.choice(("EXITED", "DEPORTED"))
                b["Overstay"] = False
            elif what < 0.7:
                b["LookOutCircular"] = {
                    "Number": f"LOC/{fm.day_of(t).year}/{rng.randrange(1, 9999):04d}",
                    "IssuedBy": "NCB",
                }
            else:
                b["Overstay"] = True

        return "ivfrt_change" if _update(clock, conn, source, None, ctx, t, change) else None
    if source == "khoyapaya":
        if roll < 0.4:
            return "khoyapaya_sighting" if _sighting(clock, conn, ctx, t) else None
        return set_status(None, "status", ("TRACED",), "khoyapaya_traced")
    return None


_ID_FIELDS = {
    "persons": "PERSON_ID",
    "vehicles": "VEHICLE_REPORT_ID",
    "missing-persons": "REPORT_ID",
    "unidentified-persons": "REPORT_ID",
}


def _tombstone(clock: Clock, conn: Any, ctx: Ctx, t: int) -> bool:
    """A CCTNS delete: the row becomes a tombstone with only the fields the contract keeps
    (the id, `FIR_REG_NUM` where the collection has one, `STATE_CD`, `PS_CD`, `LAST_UPDATED`)."""
    coll_pick = ctx.rng.choices(tuple(_ID_FIELDS), (70, 15, 10, 5))[0]
    got = clock.pick_live("cctns", coll_pick, ctx.rng)
    if got is None:
        return False
    coll, nid, rid, prev_t, text = got
    body = json.loads(text)
    t = _whole(max(t, prev_t + 1000))
    id_field = _ID_FIELDS[coll]
    tomb: dict[str, Any] = {id_field: body[id_field]}
    if "FIR_REG_NUM" in body:
        tomb["FIR_REG_NUM"] = body["FIR_REG_NUM"]
    tomb.update(
        STATE_CD=body.get("STATE_CD"),
        PS_CD=body.get("PS_CD"),
        LAST_UPDATED=fm.iso_ist(t),
        RECORD_STATUS="DELETED",
    )
    state = clock.store.query("SELECT state FROM rows WHERE rid = ?", (rid,))[0][0]
    clock.store.put(conn, [Rec("cctns", coll, nid, rid, t, tomb, state=state)])
    return True


def _remove_inmate(clock: Clock, conn: Any, ctx: Ctx) -> bool:
    """An inmate record withdrawn from e-Prisons: gone from the feed and from `/inmates/ids`,
    with no tombstone (only a reconciliation notices)."""
    got = clock.pick_live("eprisons", None, ctx.rng)
    if got is None:
        return False
    _, nid, rid, _, _ = got
    conn.execute("DELETE FROM rows WHERE source = 'eprisons' AND nid = ?", (nid,))
    clock.store.set_truth_status(conn, rid, "deleted")
    return True


def _transfer(clock: Clock, conn: Any, ctx: Ctx, t: int) -> bool:
    """Ownership transfer: a new owner serial on the same registration; the old record id is
    superseded (the feed carries the current owner only; history is at /owners)."""
    got = clock.pick_live("vahan", "rc", ctx.rng)
    buyer = clock.person_with(ctx.rng, "vahan")
    if got is None or buyer is None:
        return False
    coll, nid, rid, prev_t, text = got
    body = json.loads(text)
    if not isinstance(body.get("rc_owner_sr"), int):
        return False
    t = _whole(max(t, prev_t + 1000))
    sr = body["rc_owner_sr"] + 1
    body.update(registers.owner_fields(buyer, ctx, sr))
    body["rc_modified_on"] = t // 1000
    vehicle = clock.store.query("SELECT vehicle FROM truth WHERE rid = ?", (rid,))[0][0]
    key2 = clock.store.query("SELECT key2, state FROM rows WHERE rid = ?", (rid,))[0]
    new = Rec(
        "vahan",
        coll,
        nid,
        f"vahan:{nid}#{sr}",
        t,
        body,
        {buyer.pid: "owner"},
        vehicle=vehicle,
        state=key2[1],
        key2=key2[0],
    )
    clock.store.put(conn, [new])
    clock.store.set_truth_status(conn, rid, "superseded")
    clock.store.put_owners(conn, nid, [{k: body[k] for k in registers.history_keys()}])
    return True


def _repeat_complaint(clock: Clock, conn: Any, ctx: Ctx, t: int) -> bool:
    """A new complaint naming a suspect whose phone/UPI/account already appear elsewhere."""
    got = clock.pick_live("ncrp", None, ctx.rng)
    if got is None:
        return False
    _, _, rid, _, text = got
    old = json.loads(text)
    people = {p: r for p, r in clock.people_of(rid).items() if r == "suspect"}
    kit = reports.SuspectKit(None, ctx.rng)
    state = next((code for code, v in _state_names().items() if v == old.get("state")), "DL")
    rec = reports.complaint(ctx, [kit], None, state)
    rec.body["suspects"] = old.get("suspects") or rec.body["suspects"]
    rec.people = people
    _new(clock, conn, [rec], t)
    return True


def _state_names() -> dict[str, str]:
    from simulators.world.names_data import STATES

    return {code: v[0] for code, v in STATES.items()}


def _sighting(clock: Clock, conn: Any, ctx: Ctx, t: int) -> bool:
    total = clock.store.query(
        "SELECT count(*) FROM truth t JOIN truth_people p USING (rid)"
        " WHERE t.source = 'khoyapaya' AND t.status = 'live' AND p.role = 'missing'"
    )[0][0]
    row = clock.store.query(
        "SELECT t.rid, p.pid FROM truth t JOIN truth_people p USING (rid)"
        " WHERE t.source = 'khoyapaya' AND t.status = 'live' AND p.role = 'missing'"
        " ORDER BY t.rid LIMIT 1 OFFSET ?",
        (ctx.rng.randrange(max(1, total)),),
    )
    if not row:
        return False
    missing_rid, pid = row[0]
    person = make_person(clock.seed, int(pid[1:]))
    rec = reports.child_report(person, ctx, "SIGHTED", _whole(t))
    rec.matches.append(missing_rid)
    _new(clock, conn, [rec], t)
    return True

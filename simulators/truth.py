"""Ground truth about a simulated world, for tests and benchmarks only (never the product).

Record ids are the product's `record_id` format (`{source}:{native_id}`, Vahan
`vahan:{normalised regn}#{owner_sr}`, Sarathi the normalised DL number, …).

Statuses:
- `live`: served now and expected in the index (a CCTNS row not deleted; the current Vahan owner;
  an ALIS licence once a published file carries it).
- `deleted`: a CCTNS tombstone was served; the index must not hold it.
- `superseded`: a Vahan owner serial replaced by a transfer (the feed carries the current owner
  only); not expected in the index.
- `bad`: an injected malformed record, with `reason` (`kind:field`, kind one of `bad_date`,
  `missing_field`, `impossible_age`, `bad_encoding`, `mojibake`, `unknown_enum`, `missing_id`).
  The contract's rule says where each belongs (`expected_of`): `indexed` with data issues when
  it keeps its id and a name or identifier, or `quarantined` alone when nothing identifies it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulators.world.corrupt import expectation
from simulators.world.formats import normalise_regn
from simulators.world.store import Store


@dataclass(frozen=True)
class TruthRecord:
    record_id: str
    source: str
    collection: str
    status: str
    reason: str | None
    vehicle: str | None
    people: dict[
        str, str
    ]  # person id -> role (subject, owner, suspect, complainant, missing, found)
    updated_ms: int


class GroundTruth:
    """Read-only view of the truth tables, at the world's current clock."""

    def __init__(self, store: Store):
        self._store = store

    def clock_ms(self) -> int:
        return self._store.clock_ms()

    def _visible(self) -> str:
        return f"visible <= {self.clock_ms()}"

    def record_ids(self, status: str = "live", source: str | None = None) -> set[str]:
        sql = f"SELECT rid FROM truth WHERE status = ? AND {self._visible()}"
        args: list[str] = [status]
        if source:
            sql += " AND source = ?"
            args.append(source)
        return {r[0] for r in self._store.query(sql, args)}

    def live_record_ids(self, source: str | None = None) -> set[str]:
        return self.record_ids("live", source)

    def deleted_record_ids(self, source: str | None = None) -> set[str]:
        return self.record_ids("deleted", source)

    def bad_records(self, source: str | None = None) -> dict[str, str]:
        """Injected bad records: record id -> reason."""
        sql = f"SELECT rid, reason FROM truth WHERE status = 'bad' AND {self._visible()}"
        args: list[str] = []
        if source:
            sql += " AND source = ?"
            args.append(source)
        return {r[0]: r[1] for r in self._store.query(sql, args)}

    def bad_expected(self, expected: str, source: str | None = None) -> dict[str, str]:
        """Bad records a correct connector handles as `expected` (`indexed` or `quarantined`):
        record id -> reason."""
        sql = "SELECT rid, source, coll, reason FROM truth WHERE status = 'bad' AND "
        sql += self._visible()
        args: list[str] = []
        if source:
            sql += " AND source = ?"
            args.append(source)
        return {
            rid: reason
            for rid, src, coll, reason in self._store.query(sql, args)
            if expectation("alis" if src == "alis" else f"{src}/{coll}", reason) == expected
        }

    def expected_in_index(self, source: str | None = None) -> set[str]:
        """What a correct connector's index holds: live records and the bad records that keep
        their id and a name or identifier (indexed with data issues)."""
        return self.live_record_ids(source) | set(self.bad_expected("indexed", source))

    def reported_vehicles(self) -> list[dict[str, Any]]:
        """Every CCTNS vehicle report served now (good or bad) about a vehicle Vahan serves:
        report id, the report's `VEHICLE_STATUS`, its bad-record reason (or None), and the
        vehicle's registration (normalised), chassis and engine numbers as Vahan holds them."""
        rows = self._store.query(
            "SELECT t.rid, t.reason, r.body, vr.body FROM truth t"
            " JOIN rows r ON r.rid = t.rid AND r.source = 'cctns' AND r.coll = 'vehicles'"
            " JOIN truth v ON v.vehicle = t.vehicle AND v.source = 'vahan' AND v.status = 'live'"
            " JOIN rows vr ON vr.rid = v.rid AND vr.source = 'vahan'"
            f" WHERE t.status IN ('live', 'bad') AND t.{self._visible()}"
        )
        out = []
        for rid, reason, body, rc_body in rows:
            report, rc = json.loads(body), json.loads(rc_body)
            out.append(
                {
                    "report": rid,
                    "status": report.get("VEHICLE_STATUS"),
                    "reason": reason,
                    "registration": normalise_regn(str(rc["rc_regn_no"])),
                    "chassis": rc.get("rc_chasi_no"),
                    "engine": rc.get("rc_eng_no"),
                }
            )
        return out

    def aadhaar_record_ids(self) -> set[str]:
        """Records whose payload carries an Aadhaar number (CCTNS `UID_NO`, e-Prisons and
        Sarathi `aadhaarNo`): the connectors must drop that field and log the redaction."""
        rows = self._store.query(
            "SELECT DISTINCT rid FROM rows WHERE json_extract(body, '$.UID_NO') IS NOT NULL"
            " OR json_extract(body, '$.aadhaarNo') IS NOT NULL"
        )
        return {r[0] for r in rows}

    def person_of(self, record_id: str) -> dict[str, str]:
        return {
            pid: role
            for pid, role in self._store.query(
                "SELECT pid, role FROM truth_people WHERE rid = ?", (record_id,)
            )
        }

    def records_of_person(self, pid: str, status: str = "live") -> set[str]:
        rows = self._store.query(
            "SELECT p.rid FROM truth_people p JOIN truth t USING (rid)"
            " WHERE p.pid = ? AND t.status = ?",
            (pid, status),
        )
        return {r[0] for r in rows}

    def same_vehicle(self, vehicle: str) -> set[str]:
        return {
            r[0] for r in self._store.query("SELECT rid FROM truth WHERE vehicle = ?", (vehicle,))
        }

    def sources_per_person(self) -> dict[str, int]:
        """Distinct sources holding a live record of each person (the generator aims at 2–6)."""
        rows = self._store.query(
            "SELECT p.pid, count(DISTINCT t.source) FROM truth_people p JOIN truth t USING (rid)"
            " WHERE t.status IN ('live', 'superseded', 'deleted') GROUP BY p.pid"
        )
        return {pid: n for pid, n in rows}

    def matches(self) -> set[tuple[str, str]]:
        """(found or sighted report id, missing report id) pairs that are the same person."""
        return {(f, m) for f, m in self._store.query("SELECT found_rid, missing_rid FROM matches")}

    def records(self) -> Iterator[TruthRecord]:
        """Every truth record, streamed in record-id order (no whole-world lists in memory)."""
        with self._store.connect() as conn:
            cursor = conn.execute(
                "SELECT t.rid, t.source, t.coll, t.status, t.reason, t.vehicle, t.t, p.pid, p.role"
                " FROM truth t LEFT JOIN truth_people p USING (rid) ORDER BY t.rid"
            )
            current: TruthRecord | None = None
            for rid, source, coll, status, reason, vehicle, t, pid, role in cursor:
                if current is None or current.record_id != rid:
                    if current is not None:
                        yield current
                    current = TruthRecord(rid, source, coll, status, reason, vehicle, {}, t)
                if pid is not None:
                    current.people[pid] = role
            if current is not None:
                yield current

    def write_jsonl(self, path: Path) -> Path:
        """One JSON object per line: records (`"type": "record"`) then matches (`"match"`)."""
        clock = self.clock_ms()
        with path.open("w", encoding="utf-8") as out:
            unpublished = {
                r[0] for r in self._store.query("SELECT rid FROM truth WHERE visible > ?", (clock,))
            }
            for rec in self.records():
                line = {
                    "type": "record",
                    "record_id": rec.record_id,
                    "source": rec.source,
                    "status": "unpublished" if rec.record_id in unpublished else rec.status,
                    "reason": rec.reason,
                    "vehicle": rec.vehicle,
                    "people": rec.people,
                }
                out.write(json.dumps(line, ensure_ascii=False) + "\n")
            for found, missing in sorted(self.matches()):
                out.write(json.dumps({"type": "match", "found": found, "missing": missing}) + "\n")
        return path

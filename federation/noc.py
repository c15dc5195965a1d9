"""Vehicle NOC: a decision from vehicle *status* only, signed, stored, re-checkable.

The NOC service must never see person data, so the decision is computed from the raw records
internally and the outcome carries only vehicle status: decision, reason codes, the report and
registration ids that caused them. No owner, no complainant, no address leaves this module.

- `NOT_CLEAR`: an exactly matching CCTNS report says STOLEN or CASE_PROPERTY, or Vahan flags the
  vehicle blacklisted.
- `REVIEW`: only weak or partial evidence (a theft report agreeing on the last characters of the
  chassis or engine number only, a chassis that disagrees with the registration, a registration
  that Vahan does not know, or one cancelled/scrapped/suspended).
- `CLEAR`: a known registration with nothing against it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from indexer.backends.base import Backend, Filters
from records import Kind, Record

from .planning import VehicleTerms, plan_vehicle
from .vehicles import (
    MatchKind,
    blacklist_of,
    chassis_of,
    match_kind,
    registration_of,
)


class Decision(StrEnum):
    CLEAR = "CLEAR"
    NOT_CLEAR = "NOT_CLEAR"
    REVIEW = "REVIEW"


_BLOCKING = {"STOLEN": "stolen", "CASE_PROPERTY": "case_property"}
_DOUBTFUL_RC = {"CANCELLED", "SCRAPPED", "SUSPENDED"}


@dataclass(frozen=True)
class NocReason:
    code: str  # stolen, case_property, blacklisted, partial_match, chassis_mismatch, …
    detail: str
    record_id: str | None = None


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    reasons: tuple[NocReason, ...]


# Only vehicle records: the NOC service's view. Person kinds are never asked for.
NOC_FILTERS = Filters(kinds=frozenset({Kind.VEHICLE_REGISTRATION, Kind.VEHICLE_REPORT}))


def assess(terms: VehicleTerms, records: list[Record]) -> Assessment:
    """The decision and its reasons from the vehicle records found for `terms`."""
    blocking: list[NocReason] = []
    doubtful: list[NocReason] = []
    notes: list[NocReason] = []
    registrations = [r for r in records if r.kind is Kind.VEHICLE_REGISTRATION]
    for r in records:
        if r.kind is not Kind.VEHICLE_REPORT:
            continue
        status = (r.status or "").upper()
        kind = match_kind(terms, r)
        fir = r.attributes.get("fir_reg_num")
        station = f", PS {r.police_station}" if r.police_station else ""
        where = f"CCTNS report {r.provenance.native_id}" + (
            f" (FIR {fir}{station}, {r.state})" if fir else ""
        )
        if status in _BLOCKING and kind is MatchKind.EXACT:
            blocking.append(NocReason(_BLOCKING[status], f"{where}: {status}", r.record_id))
        elif status in _BLOCKING:
            doubtful.append(
                NocReason(
                    "partial_match",
                    f"{where}: {status}, matching only part of the chassis or engine number",
                    r.record_id,
                )
            )
        elif status == "RECOVERED":
            notes.append(NocReason("recovered", f"{where}: RECOVERED", r.record_id))
    for r in registrations:
        blacklist = blacklist_of(r)
        if blacklist:
            blocking.append(NocReason("blacklisted", f"Vahan: {blacklist}", r.record_id))
    current = max(
        registrations,
        key=lambda r: (r.vehicle.owner_serial or 0) if r.vehicle else 0,
        default=None,
    )
    if current is None:
        doubtful.append(NocReason("not_registered", "no Vahan registration matches"))
    else:
        if (current.status or "").upper() in _DOUBTFUL_RC:
            doubtful.append(
                NocReason(
                    "registration_status", f"Vahan status {current.status}", current.record_id
                )
            )
        chassis = chassis_of(current)
        if terms.chassis and chassis and not chassis.endswith(terms.chassis):
            doubtful.append(
                NocReason(
                    "chassis_mismatch",
                    "the chassis number differs from the one Vahan holds for this plate",
                    current.record_id,
                )
            )
        if terms.registration and registration_of(current) != terms.registration:
            doubtful.append(
                NocReason(
                    "registration_mismatch",
                    "the chassis number belongs to a different registration in Vahan",
                    current.record_id,
                )
            )
    if blocking:
        return Assessment(Decision.NOT_CLEAR, tuple(blocking + doubtful + notes))
    if doubtful:
        return Assessment(Decision.REVIEW, tuple(doubtful + notes))
    return Assessment(Decision.CLEAR, tuple(notes))


def vehicle_records(backend: Backend, terms: VehicleTerms, *, max_candidates: int) -> list[Record]:
    query = plan_vehicle(terms, NOC_FILTERS, max_candidates=max_candidates)
    return [c.record for c in backend.candidates(query) if match_kind(terms, c.record) is not None]


@dataclass(frozen=True)
class IssuedNoc:
    noc_id: str
    issued_at: datetime
    registration_no: str | None
    chassis_no: str | None
    engine_no: str | None
    decision: Decision
    reasons: tuple[NocReason, ...]
    certificate: str  # compact JWS over `claims()`
    issued_to: str  # the NOC service client that asked

    def claims(self, issuer: str) -> dict[str, Any]:
        return noc_claims(
            noc_id=self.noc_id,
            issued_at=self.issued_at,
            issuer=issuer,
            terms=(self.registration_no, self.chassis_no, self.engine_no),
            assessment=Assessment(self.decision, self.reasons),
        )


def noc_claims(
    *,
    noc_id: str,
    issued_at: datetime,
    issuer: str,
    terms: tuple[str | None, str | None, str | None],
    assessment: Assessment,
) -> dict[str, Any]:
    """The signed statement: what was checked, when, the decision and its reasons."""
    registration, chassis, engine = terms
    return {
        "iss": issuer,
        "sub": registration or chassis or engine,
        "jti": noc_id,
        "iat": int(issued_at.timestamp()),
        "typ": "vehicle-noc",
        "vehicle": {"registration_no": registration, "chassis_no": chassis, "engine_no": engine},
        "decision": assessment.decision.value,
        "reasons": [r.code for r in assessment.reasons],
    }


class NocStore:
    """Issued NOCs in one SQLite file, so that `GET /v1/noc/{id}` can re-check any of them."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS noc ("
                " noc_id TEXT PRIMARY KEY, issued_at TEXT NOT NULL, registration_no TEXT,"
                " chassis_no TEXT, engine_no TEXT, decision TEXT NOT NULL,"
                " reasons TEXT NOT NULL, certificate TEXT NOT NULL, issued_to TEXT NOT NULL)"
            )
            self._conn.execute(
                "CREATE INDEX IF NOT EXISTS noc_registration ON noc(registration_no, issued_at)"
            )

    def add(self, noc: IssuedNoc) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO noc VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    noc.noc_id,
                    noc.issued_at.isoformat(),
                    noc.registration_no,
                    noc.chassis_no,
                    noc.engine_no,
                    noc.decision.value,
                    json.dumps([asdict(r) for r in noc.reasons]),
                    noc.certificate,
                    noc.issued_to,
                ),
            )

    def get(self, noc_id: str) -> IssuedNoc | None:
        with self._lock:
            row = self._conn.execute("SELECT * FROM noc WHERE noc_id = ?", (noc_id,)).fetchone()
        if row is None:
            return None
        return IssuedNoc(
            noc_id=row[0],
            issued_at=datetime.fromisoformat(row[1]),
            registration_no=row[2],
            chassis_no=row[3],
            engine_no=row[4],
            decision=Decision(row[5]),
            reasons=tuple(NocReason(**r) for r in json.loads(row[6])),
            certificate=row[7],
            issued_to=row[8],
        )

    def for_registration(self, registration_no: str, limit: int = 20) -> list[IssuedNoc]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT noc_id FROM noc WHERE registration_no = ? ORDER BY issued_at DESC LIMIT ?",
                (registration_no, limit),
            ).fetchall()
        return [n for n in (self.get(row[0]) for row in rows) if n is not None]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class NocService:
    """Issue and re-check NOCs. `sign` turns claims into a compact JWS with the server's current
    key (the same key ring that publishes `/.well-known/jwks.json`)."""

    def __init__(
        self,
        backend: Backend,
        store: NocStore,
        sign: Callable[[dict[str, Any]], str],
        *,
        issuer: str,
        max_candidates: int = 300,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._backend = backend
        self._store = store
        self._sign = sign
        self._issuer = issuer
        self._max = max_candidates
        self._now = now

    def records(self, terms: VehicleTerms) -> list[Record]:
        return vehicle_records(self._backend, terms, max_candidates=self._max)

    def check(self, terms: VehicleTerms, extra: list[Record] | None = None) -> Assessment:
        """Assess from the index plus `extra` records (a live Vahan look-up's answer)."""
        return assess(terms, self.records(terms) + (extra or []))

    def issue(
        self, terms: VehicleTerms, *, issued_to: str, extra: list[Record] | None = None
    ) -> IssuedNoc:
        assessment = self.check(terms, extra)
        noc_id = f"noc_{uuid.uuid4().hex}"
        issued_at = self._now().replace(microsecond=0)
        claims = noc_claims(
            noc_id=noc_id,
            issued_at=issued_at,
            issuer=self._issuer,
            terms=(terms.registration, terms.chassis, terms.engine),
            assessment=assessment,
        )
        noc = IssuedNoc(
            noc_id=noc_id,
            issued_at=issued_at,
            registration_no=terms.registration,
            chassis_no=terms.chassis,
            engine_no=terms.engine,
            decision=assessment.decision,
            reasons=assessment.reasons,
            certificate=self._sign(claims),
            issued_to=issued_to,
        )
        self._store.add(noc)
        return noc

    def get(self, noc_id: str) -> IssuedNoc | None:
        return self._store.get(noc_id)

    def issued_for(self, registration_no: str) -> list[IssuedNoc]:
        return self._store.for_registration(registration_no)

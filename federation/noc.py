"""Vehicle NOC: a decision from vehicle *status* only, signed, stored, re-checkable.

The NOC service must never see person data, so the decision is computed from the raw records
internally and the outcome carries only vehicle status: decision, reason codes, the report and
registration ids that caused them. No owner, no complainant, no address leaves this module.

- `NOT_CLEAR`: an exactly matching CCTNS report says STOLEN or CASE_PROPERTY, or Vahan flags the
  vehicle blacklisted.
- `REVIEW`: weak, partial or incomplete evidence: a theft report agreeing on the last
  characters of the chassis or engine number only, a chassis that disagrees with the
  registration, a registration that Vahan does not know or one cancelled/scrapped/suspended; a
  record with data issues, or a quarantined row, that mentions the vehicle (a damaged theft
  report is still a theft report); the CCTNS vehicle reports or Vahan not synced successfully
  within the freshness window, or their last sync failed; the live Vahan look-up failed.
- `CLEAR`: a known registration with nothing against it, on complete and fresh evidence.

NOT_CLEAR outranks REVIEW, which outranks CLEAR: incomplete evidence never turns a block into a
clearance, and never lets a clearance through.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from indexer.backends.base import Backend, Filters
from records import Kind, Record

from .noc_model import (
    Assessment,
    Decision,
    IssuedNoc,
    Mention,
    NocEvidence,
    NocReason,
    ReasonCode,
    noc_claims,
)
from .noc_store import NocStore
from .planning import VehicleTerms, plan_vehicle
from .vehicles import (
    MatchKind,
    blacklist_of,
    chassis_of,
    match_kind,
    registration_of,
)

_BLOCKING = {"STOLEN": ReasonCode.STOLEN, "CASE_PROPERTY": ReasonCode.CASE_PROPERTY}
_DOUBTFUL_RC = {"CANCELLED", "SCRAPPED", "SUSPENDED"}
# What the NOC reads beyond the index: (source, stream) whose freshness it depends on.
EVIDENCE_STREAMS = (("cctns", "vehicles"), ("vahan", "all"))
DEFAULT_FRESHNESS = timedelta(hours=24)
DEFAULT_VALIDITY = timedelta(days=30)


# Only vehicle records: the NOC service's view. Person kinds are never asked for.
NOC_FILTERS = Filters(kinds=frozenset({Kind.VEHICLE_REGISTRATION, Kind.VEHICLE_REPORT}))


def assess(
    terms: VehicleTerms,
    records: list[Record],
    *,
    incomplete: Sequence[NocReason] = (),
    evidence: dict[str, str | None] | None = None,
) -> Assessment:
    """The decision and its reasons from the vehicle records found for `terms`, and what makes
    the evidence incomplete (`incomplete`: stale or failed syncs, quarantined rows, a failed
    live look-up; see `evidence_reasons`), each a reason to REVIEW."""
    blocking: list[NocReason] = []
    doubtful: list[NocReason] = list(incomplete)
    notes: list[NocReason] = []
    for r in records:
        if r.data_issues:
            fields = ", ".join(dict.fromkeys(i.field for i in r.data_issues))
            doubtful.append(
                NocReason(
                    ReasonCode.DATA_ISSUES,
                    f"{r.source.value} record {r.provenance.native_id} arrived damaged "
                    f"({fields}): what it lacks could change the decision",
                    r.record_id,
                )
            )
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
                    ReasonCode.PARTIAL_MATCH,
                    f"{where}: {status}, matching only part of the chassis or engine number",
                    r.record_id,
                )
            )
        elif status == "RECOVERED":
            notes.append(NocReason(ReasonCode.RECOVERED, f"{where}: RECOVERED", r.record_id))
    for r in registrations:
        blacklist = blacklist_of(r)
        if blacklist:
            blocking.append(NocReason(ReasonCode.BLACKLISTED, f"Vahan: {blacklist}", r.record_id))
    current = max(
        registrations,
        key=lambda r: (r.vehicle.owner_serial or 0) if r.vehicle else 0,
        default=None,
    )
    if current is None:
        doubtful.append(NocReason(ReasonCode.NOT_REGISTERED, "no Vahan registration matches"))
    else:
        if (current.status or "").upper() in _DOUBTFUL_RC:
            doubtful.append(
                NocReason(
                    ReasonCode.REGISTRATION_STATUS,
                    f"Vahan status {current.status}",
                    current.record_id,
                )
            )
        chassis = chassis_of(current)
        if terms.chassis and chassis and not chassis.endswith(terms.chassis):
            doubtful.append(
                NocReason(
                    ReasonCode.CHASSIS_MISMATCH,
                    "the chassis number differs from the one Vahan holds for this plate",
                    current.record_id,
                )
            )
        if terms.registration and registration_of(current) != terms.registration:
            doubtful.append(
                NocReason(
                    ReasonCode.REGISTRATION_MISMATCH,
                    "the chassis number belongs to a different registration in Vahan",
                    current.record_id,
                )
            )
    facts = dict(evidence or {})
    if blocking:
        return Assessment(Decision.NOT_CLEAR, tuple(blocking + doubtful + notes), facts)
    if doubtful:
        return Assessment(Decision.REVIEW, tuple(doubtful + notes), facts)
    return Assessment(Decision.CLEAR, tuple(notes), facts)


def evidence_reasons(
    evidence: NocEvidence | None,
    terms: VehicleTerms,
    records: Iterable[Record],
    *,
    now: datetime,
    window: timedelta = DEFAULT_FRESHNESS,
) -> tuple[list[NocReason], dict[str, str | None]]:
    """Why the index alone cannot be trusted for this vehicle now, and each source's last
    successful sync: no evidence at all (this node keeps no sync state), a source never synced,
    synced longer than `window` ago, or whose last sync failed after its last success; and
    quarantined rows that write the vehicle's numbers (those indexed with issues are already
    among `records`, and say so themselves)."""
    if evidence is None:
        reason = NocReason(
            ReasonCode.SYNC_UNKNOWN,
            "this node keeps no sync state: the freshness of CCTNS and Vahan is unknown",
        )
        return [reason], {source: None for source, _ in EVIDENCE_STREAMS}
    reasons: list[NocReason] = []
    facts: dict[str, str | None] = {}
    for source, stream in EVIDENCE_STREAMS:
        fresh = evidence.freshness(source, stream)
        last = fresh.last_success
        facts[source] = last.isoformat() if last else None
        name = "CCTNS vehicle reports" if source == "cctns" else "Vahan"
        if last is None:
            reasons.append(NocReason(ReasonCode.SYNC_NEVER, f"{name} never synced successfully"))
        elif now - last > window:
            hours = (now - last).total_seconds() / 3600
            reasons.append(
                NocReason(
                    ReasonCode.SYNC_STALE,
                    f"{name} last synced {hours:.0f} h ago, beyond the "
                    f"{window.total_seconds() / 3600:g} h freshness window",
                )
            )
        if fresh.last_failure is not None and (last is None or fresh.last_failure > last):
            reasons.append(
                NocReason(
                    ReasonCode.SYNC_FAILED,
                    f"{name}: the last sync failed ({fresh.failure or 'no reason recorded'})",
                )
            )
    indexed = {r.record_id for r in records}
    for mention in evidence.mentions(
        registration=terms.registration, chassis=terms.chassis, engine=terms.engine
    ):
        record_id = f"{mention.source}:{mention.native_id}"
        if record_id in indexed:
            continue
        reasons.append(_quarantined(mention, record_id))
    return reasons, facts


def _quarantined(mention: Mention, record_id: str) -> NocReason:
    what = "indexed with issues" if mention.indexed else "not indexable"
    return NocReason(
        ReasonCode.QUARANTINED_RECORD,
        f"a {mention.source} row in quarantine ({what}) writes this vehicle's number",
        None if mention.native_id.startswith("sha256:") else record_id,
    )


LIVE_FAILED = NocReason(
    ReasonCode.LIVE_LOOKUP_FAILED,
    "the live Vahan look-up for a registration the index does not hold failed",
)


def vehicle_records(backend: Backend, terms: VehicleTerms, *, max_candidates: int) -> list[Record]:
    query = plan_vehicle(terms, NOC_FILTERS, max_candidates=max_candidates)
    return [c.record for c in backend.candidates(query) if match_kind(terms, c.record) is not None]


class NocService:
    """Issue and re-check NOCs. `sign` turns claims into a compact JWS with the server's current
    key (the same key ring that publishes `/.well-known/jwks.json`); `evidence` says how fresh
    the sources are and what waits in quarantine (None: unknown, so never CLEAR)."""

    def __init__(
        self,
        backend: Backend,
        store: NocStore,
        sign: Callable[[dict[str, Any]], str],
        *,
        issuer: str,
        evidence: NocEvidence | None = None,
        freshness: timedelta = DEFAULT_FRESHNESS,
        validity: timedelta = DEFAULT_VALIDITY,
        max_candidates: int = 300,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._backend = backend
        self._store = store
        self._sign = sign
        self._issuer = issuer
        self._evidence = evidence
        self._freshness = freshness
        self._validity = validity
        self._max = max_candidates
        self._now = now

    @property
    def store(self) -> NocStore:
        return self._store

    def now(self) -> datetime:
        return self._now()

    def records(self, terms: VehicleTerms) -> list[Record]:
        return vehicle_records(self._backend, terms, max_candidates=self._max)

    def check(
        self, terms: VehicleTerms, extra: list[Record] | None = None, *, live_failed: bool = False
    ) -> Assessment:
        """Assess from the index plus `extra` records (a live Vahan look-up's answer), the
        sources' freshness and the quarantine; `live_failed`: that look-up was needed and
        failed."""
        records = self.records(terms) + (extra or [])
        incomplete, facts = evidence_reasons(
            self._evidence, terms, records, now=self._now(), window=self._freshness
        )
        if live_failed:
            incomplete.append(LIVE_FAILED)
        return assess(terms, records, incomplete=incomplete, evidence=facts)

    def issue(
        self,
        terms: VehicleTerms,
        *,
        issued_to: str,
        audience: str | None = None,
        purpose: str = "vehicle NOC",
        extra: list[Record] | None = None,
        live_failed: bool = False,
    ) -> IssuedNoc:
        assessment = self.check(terms, extra, live_failed=live_failed)
        noc_id = f"noc_{uuid.uuid4().hex}"
        issued_at = self._now().replace(microsecond=0)
        expires_at = issued_at + self._validity
        audience = audience or issued_to
        claims = noc_claims(
            noc_id=noc_id,
            issued_at=issued_at,
            expires_at=expires_at,
            issuer=self._issuer,
            audience=audience,
            purpose=purpose,
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
            expires_at=expires_at,
            audience=audience,
            purpose=purpose,
            evidence=assessment.evidence,
        )
        self._store.add(noc)
        return noc

    def get(self, noc_id: str) -> IssuedNoc | None:
        return self._store.get(noc_id)

    def issued_for(self, registration_no: str) -> list[IssuedNoc]:
        return self._store.for_registration(registration_no)


def revoke_on_reports(store: NocStore, records: Iterable[Record], *, now: datetime) -> int:
    """Revoke every valid CLEAR certificate of a vehicle that a newly indexed CCTNS report says
    is stolen or case property, or that a damaged report names (it could say so); each
    revocation is recorded as an event for the alerts work. Returns how many were revoked."""
    revoked = 0
    for record in records:
        if record.kind is not Kind.VEHICLE_REPORT or record.vehicle is None:
            continue
        status = (record.status or "").upper()
        if status not in _BLOCKING and not record.data_issues:
            continue
        vehicle = record.vehicle
        why = (
            f"CCTNS report {record.provenance.native_id}: {status}"
            if status in _BLOCKING
            else f"CCTNS report {record.provenance.native_id} arrived damaged; it names this "
            "vehicle"
        )
        for noc in store.clear_for(
            registration=vehicle.registration_no,
            chassis=vehicle.chassis_no,
            engine=vehicle.engine_no,
            now=now,
        ):
            revoked += store.revoke(noc, at=now, reason=why, record_id=record.record_id)
    return revoked

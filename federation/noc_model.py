"""What a vehicle NOC is made of: the decision, its reasons, the issued certificate, and the
evidence about the sources that the decision rests on (`NocEvidence`).

`NocEvidence` is what the NOC needs to know beyond the index: how fresh each source's last
sync is, and whether a damaged or unreadable row waiting in quarantine mentions the vehicle.
The connectors keep both (the sync state); the API hands an implementation in
(`connectors.evidence.SyncEvidence`), since federation does not import the connectors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


class Decision(StrEnum):
    CLEAR = "CLEAR"
    NOT_CLEAR = "NOT_CLEAR"
    REVIEW = "REVIEW"


class ReasonCode(StrEnum):
    """Why a NOC says what it says: one code per kind of evidence (partners branch on these)."""

    # NOT_CLEAR
    STOLEN = "stolen"
    CASE_PROPERTY = "case_property"
    BLACKLISTED = "blacklisted"
    # REVIEW: weak or doubtful matches
    PARTIAL_MATCH = "partial_match"
    CHASSIS_MISMATCH = "chassis_mismatch"
    REGISTRATION_MISMATCH = "registration_mismatch"
    NOT_REGISTERED = "not_registered"
    REGISTRATION_STATUS = "registration_status"
    # REVIEW: incomplete evidence
    DATA_ISSUES = "data_issues"
    QUARANTINED_RECORD = "quarantined_record"
    SYNC_STALE = "sync_stale"
    SYNC_NEVER = "sync_never"
    SYNC_FAILED = "sync_failed"
    SYNC_UNKNOWN = "sync_unknown"
    LIVE_LOOKUP_FAILED = "live_lookup_failed"
    # a note: decides nothing
    RECOVERED = "recovered"


class NocStatus(StrEnum):
    """An issued certificate's standing now."""

    VALID = "valid"
    EXPIRED = "expired"  # past its expiry: refused
    REVOKED = "revoked"  # a theft report for the vehicle arrived after a CLEAR


@dataclass(frozen=True)
class NocReason:
    code: ReasonCode
    detail: str
    record_id: str | None = None


@dataclass(frozen=True)
class Assessment:
    decision: Decision
    reasons: tuple[NocReason, ...]
    # per source the NOC reads: its last successful sync (ISO time) or None
    evidence: dict[str, str | None] = field(default_factory=dict)


class Freshness(Protocol):
    """One source's (and stream's) sync history, as far as a decision needs it."""

    @property
    def last_success(self) -> datetime | None: ...

    @property
    def last_failure(self) -> datetime | None: ...

    @property
    def failure(self) -> str | None: ...


class Mention(Protocol):
    """An open quarantine entry whose raw row writes the vehicle's number."""

    @property
    def source(self) -> str: ...

    @property
    def native_id(self) -> str: ...

    @property
    def reason(self) -> str: ...

    @property
    def indexed(self) -> bool: ...


class NocEvidence(Protocol):
    def freshness(self, source: str, stream: str) -> Freshness: ...

    def mentions(
        self, *, registration: str | None, chassis: str | None, engine: str | None
    ) -> Sequence[Mention]: ...


@dataclass(frozen=True)
class IssuedNoc:
    noc_id: str
    issued_at: datetime
    registration_no: str | None
    chassis_no: str | None
    engine_no: str | None
    decision: Decision
    reasons: tuple[NocReason, ...]
    certificate: str  # compact JWS over `noc_claims(...)`
    issued_to: str  # the NOC service client that asked
    expires_at: datetime | None = None  # None: issued before certificates carried an expiry
    audience: str | None = None
    purpose: str | None = None
    evidence: dict[str, str | None] = field(default_factory=dict)
    revoked_at: datetime | None = None
    revoked_reason: str | None = None

    def status(self, now: datetime) -> NocStatus:
        """`valid`, `expired` or `revoked` (revocation first: it says more)."""
        if self.revoked_at is not None:
            return NocStatus.REVOKED
        if self.expires_at is not None and now >= self.expires_at:
            return NocStatus.EXPIRED
        return NocStatus.VALID


def noc_claims(
    *,
    noc_id: str,
    issued_at: datetime,
    expires_at: datetime,
    issuer: str,
    audience: str,
    purpose: str,
    terms: tuple[str | None, str | None, str | None],
    assessment: Assessment,
) -> dict[str, Any]:
    """The signed statement: what was checked, when, for whom and why, until when it holds, the
    decision and its reasons, and how fresh each source's evidence was."""
    registration, chassis, engine = terms
    return {
        "iss": issuer,
        "sub": registration or chassis or engine,
        "aud": audience,
        "jti": noc_id,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
        "typ": "vehicle-noc",
        "purpose": purpose,
        "vehicle": {"registration_no": registration, "chassis_no": chassis, "engine_no": engine},
        "decision": assessment.decision.value,
        "reasons": [r.code for r in assessment.reasons],
        "sources_last_sync": assessment.evidence,
    }

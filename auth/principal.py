"""Who is asking: the verified identity every policy decision and audit entry is about."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from records import Source


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    PARTNER = "partner"
    NOC_SERVICE = "noc_service"
    AUDITOR = "auditor"
    ADMIN = "admin"
    NDSO = "ndso"  # officers cleared for the sexual-offender register (and nothing else)


@dataclass(frozen=True)
class Caller:
    subject: str  # officer id or OAuth2 client id
    role: Role
    scopes: frozenset[str]
    agency: str | None = None  # CBI, NIA, RPF, state police …
    client_id: str | None = None
    state: str | None = None  # officer's two-letter state
    district: str | None = None
    police_station: str | None = None
    clearances: frozenset[str] = frozenset()  # e.g. "sensitive"
    sources: frozenset[Source] | None = None  # partner entitlements; None = role default
    token_id: str | None = None
    # partner field-group grants from the client registration; None = the role's default
    fields: frozenset[str] | None = None
    # the sources a partner's client registration marks as hit-flags (told only that a record
    # exists, where and whom to ask); None = the role's default (`hit_flag_outside_entitlement`:
    # every source outside `sources`)
    hit_flag: frozenset[Source] | None = None
    issuer: str | None = None  # who vouched for this caller (our OAuth server or an IdP)

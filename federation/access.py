"""Hit-flag access, as the EU's European Search Portal answers for some sources: for a source the
policy marks so for a role (or outside a partner client's entitlement), a search is told only
"a record exists in source X, police station Y, contact Z"; the full record follows a justified
request (reason, case reference) that a supervisor of the owning agency approves or refuses,
giving that requester, for those records only, a grant that expires.

- `hit_flags(records, ids)` turns the records answered as hit-flags into `HitFlag`s: one per
  (source, state, district, police station), ordered by those and never by score, with a handle
  (sealed record ids under a fresh nonce) to file a request with. No name, no kind, no date, no
  score, no record id, no count of records.
- `AccessService` keeps requests and grants (`state.access`): `request`, `mine`, `pending`,
  `decide`, and `granted(caller)` (the record ids an unexpired grant opens to the caller), which
  the search services add to the caller's visibility.

The owning agency of a record is its state's police (`record.state`); a supervisor of that
state decides, never the requester (even a supervisor may not approve his own request). A record
that names no state (a national register's entry whose state was not written or not read) is
owned by its source's national owner (`NATIONAL_OWNERS`: NCRB for CCTNS, MoRTH for Vahan and
Sarathi, ...), whose supervisors decide: officers whose token's `agency` claim names that agency.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from auth.principal import Caller, Role
from indexer.backends.base import Backend
from records import Record, Source
from state import Database
from state.access import AccessRow, AccessRows

from .policy import Policy, Visibility
from .profile_ids import ProfileIds

DEFAULT_GRANT = timedelta(days=7)
MAX_HIT_FLAGS = 50  # per answer: ordered by place, so the cut says nothing of scores


def requester_of(caller: Caller) -> str:
    """Whom a request and its grant belong to: one officer, or one OAuth2 client."""
    if caller.client_id:
        return f"client:{caller.client_id}"
    return f"{caller.role.value}:{caller.subject}"


# The national owner of each source: the agency whose supervisors decide requests for records
# that name no state. An officer token's `agency` claim names it (compared without case).
NATIONAL_OWNERS: dict[Source, str] = {
    Source.CCTNS: "NCRB",  # the National Crime Records Bureau runs CCTNS and ICJS
    Source.EPRISONS: "MHA",  # e-Prisons: the Ministry of Home Affairs
    Source.VAHAN: "MoRTH",  # the Ministry of Road Transport and Highways
    Source.SARATHI: "MoRTH",
    Source.ALIS: "MHA",  # arms licences under the Arms Act: the Ministry of Home Affairs
    Source.NCRP: "I4C",  # the Indian Cyber Crime Coordination Centre
    Source.IVFRT: "BOI",  # the Bureau of Immigration
    Source.KHOYAPAYA: "MWCD",  # the Ministry of Women and Child Development
}
_NATIONAL = "national:"  # an owner key naming a national owner rather than a state


def national_owner(source: Source) -> str:
    """A source's national owner; a source registered later (`records.register_source`) is
    owned by its operator, named after it ("TOY")."""
    return NATIONAL_OWNERS.get(source) or source.value.upper()


def owner_key(source: Source, state: str | None) -> str:
    """Whom a record's requests go to, as stored: its state ("MH"), else its source's national
    owner ("national:NCRB")."""
    return state if state else f"{_NATIONAL}{national_owner(source)}"


def owning_agency(owner: str) -> str:
    """The owner key as people read it: "MH Police", "NCRB (national owner)"."""
    if owner.startswith(_NATIONAL):
        return f"{owner.removeprefix(_NATIONAL)} (national owner)"
    return f"{owner} Police"


def decides_for(caller: Caller) -> list[str]:
    """The owner keys whose requests this caller may decide (a supervisor of a state police,
    of a national owner, or both)."""
    if caller.role is not Role.SUPERVISOR:
        return []
    keys = [caller.state.upper()] if caller.state else []
    if caller.agency:
        known = {national_owner(s).casefold(): national_owner(s) for s in Source}
        keys.append(_NATIONAL + known.get(caller.agency.casefold(), caller.agency))
    return keys


@dataclass(frozen=True)
class HitFlag:
    """That records exist, where, and whom to ask: nothing else."""

    handle: str
    source: str
    state: str | None
    district: str | None
    police_station: str | None
    owner: str  # the owning agency, whose supervisors decide a request
    contact: str


def _contact(owner: str, police_station: str | None) -> str:
    where = f", police station {police_station}" if police_station else ""
    if owner.startswith(_NATIONAL):
        where = " (the record names no state)"
    return (
        f"a supervisor of {owning_agency(owner)}{where}: file an access request "
        "(POST /v1/access/requests) with this handle, a reason and a case reference"
    )


def hit_flags(records: Iterable[Record], ids: ProfileIds) -> tuple[HitFlag, ...]:
    """One hit-flag per place, ordered by place (the order of the index or of scores would say
    which is the better match)."""
    places: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    for record in records:
        key = (
            record.source.value,
            record.state or "",
            record.district or "",
            record.police_station or "",
        )
        places[key].append(record.record_id)
    out = []
    for (source, state, district, station), members in sorted(places.items()):
        owner = owner_key(Source(source), state or None)
        out.append(
            HitFlag(
                handle=ids.issue_handle(members),
                source=source,
                state=state or None,
                district=district or None,
                police_station=station or None,
                owner=owning_agency(owner),
                contact=_contact(owner, station or None),
            )
        )
    return tuple(out[:MAX_HIT_FLAGS])


class Status(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    EXPIRED = "expired"  # approved, and its grant has ended


@dataclass(frozen=True)
class AccessRequest:
    request_id: str
    created_at: datetime
    requester: str
    requester_agency: str | None
    source: str
    owner: str
    police_station: str | None
    reason: str
    case_reference: str
    status: Status
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    expires_at: datetime | None
    record_ids: tuple[str, ...]  # for the audit log and for opening the records once granted


class AccessError(ValueError):
    """A request or decision that cannot be made as asked (the message says why)."""


class NotYours(PermissionError):
    """A supervisor deciding a request he may not decide (another agency's, or his own)."""


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="microseconds")


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class AccessService:
    def __init__(
        self,
        target: Database | Path,
        backend: Backend,
        policy: Policy,
        ids: ProfileIds,
        *,
        grant_for: timedelta = DEFAULT_GRANT,
        migrate: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        on_decided: Callable[[AccessRequest], object] | None = None,
    ) -> None:
        self._rows = AccessRows(target, migrate=migrate)
        self._on_decided = on_decided
        self._backend = backend
        self._policy = policy
        self._ids = ids
        self.grant_for = grant_for
        self.clock = clock

    def close(self) -> None:
        self._rows.close()

    requester = staticmethod(requester_of)

    # -- grants ---------------------------------------------------------------------------------

    def granted(self, caller: Caller) -> frozenset[str]:
        """Record ids an approved request opened to this caller and whose grant has not ended."""
        return self._rows.granted(requester_of(caller), _iso(self.clock()))

    def visibility(self, caller: Caller) -> Visibility:
        """The caller's policy visibility with its unexpired grants."""
        visibility = self._policy.visibility(caller)
        if not visibility.hit_flag:
            return visibility
        return visibility.with_grants(self.granted(caller))

    def hit_flags_of(self, caller: Caller, profile_id: str) -> tuple[HitFlag, ...]:
        """For a profile id none of whose records the caller may see: the hit-flags of those the
        policy answers him as hit-flags (empty: the id was not issued here, or its records are
        withheld from him outright, and "not found" is the whole answer)."""
        record_ids = self._ids.open(profile_id)
        if not record_ids:
            return ()
        flagged = flagged_records(self._backend.get(record_ids), self.visibility(caller))
        return hit_flags(flagged, self._ids)

    # -- requests -------------------------------------------------------------------------------

    def request(
        self, caller: Caller, handle: str, *, reason: str, case_reference: str
    ) -> AccessRequest:
        """File a request for the records behind a hit-flag this caller was shown."""
        record_ids = self._ids.open_handle(handle)
        if record_ids is None:
            raise AccessError("the handle was not issued by this server: copy it from a hit-flag")
        records = self._backend.get(record_ids)
        visibility = self._policy.visibility(caller)
        flagged = flagged_records(records, visibility)
        if not flagged:
            raise AccessError("none of these records answers you with a hit-flag any more")
        first = flagged[0]
        now = self.clock()
        row = {
            "request_id": "ar_" + secrets.token_urlsafe(12),
            "created_at": _iso(now),
            "requester": requester_of(caller),
            "requester_agency": caller.agency,
            "record_ids": [r.record_id for r in flagged],
            "source": first.source.value,
            "owner_state": owner_key(first.source, first.state),
            "police_station": first.police_station,
            "reason": reason,
            "case_reference": case_reference,
            "status": Status.PENDING.value,
            "decided_by": None,
            "decided_at": None,
            "decision_reason": None,
            "expires_at": None,
        }
        self._rows.add(row)
        made = self._rows.get(str(row["request_id"]))
        assert made is not None
        return self._out(made)

    def mine(self, caller: Caller, limit: int = 100) -> list[AccessRequest]:
        return [self._out(r) for r in self._rows.of_requester(requester_of(caller), limit)]

    def get(self, caller: Caller, request_id: str) -> AccessRequest | None:
        """A request, to its requester or to a supervisor who may decide it; else None."""
        row = self._rows.get(request_id)
        if row is None:
            return None
        if row.requester == requester_of(caller) or self._may_decide(caller, row):
            return self._out(row)
        return None

    def pending(self, caller: Caller, limit: int = 100) -> list[AccessRequest]:
        """Requests a supervisor may decide: his agency's records, not his own requests."""
        owners = decides_for(caller)
        if not owners:
            return []
        rows = self._rows.pending_for(owners, limit)
        return [self._out(r) for r in rows if r.requester != requester_of(caller)]

    def decide(
        self, caller: Caller, request_id: str, *, approve: bool, reason: str
    ) -> AccessRequest | None:
        """Approve (a grant for `grant_for`) or refuse a pending request; None when the caller may
        not see it, `NotYours` when he sees it but may not decide it, `AccessError` when it was
        decided already."""
        row = self._rows.get(request_id)
        if row is None:
            return None
        if row.requester == requester_of(caller):
            if caller.role is Role.SUPERVISOR:
                raise NotYours("a supervisor may not decide his own request")
            return None
        if not self._may_decide(caller, row):
            if caller.role is Role.SUPERVISOR:
                raise NotYours(
                    f"only a supervisor of {owning_agency(row.owner_state)} decides this request"
                )
            return None
        now = self.clock()
        status = Status.APPROVED if approve else Status.REFUSED
        done = self._rows.decide(
            request_id,
            status=status.value,
            decided_by=f"{caller.role.value}:{caller.subject}",
            decided_at=_iso(now),
            reason=reason,
            expires_at=_iso(now + self.grant_for) if approve else None,
        )
        if not done:
            raise AccessError("this request was decided already")
        decided = self._rows.get(request_id)
        assert decided is not None
        out = self._out(decided)
        if self._on_decided is not None:
            self._on_decided(out)  # the requester is told (his feed: `alerts.access`)
        return out

    @staticmethod
    def _may_decide(caller: Caller, row: AccessRow) -> bool:
        return row.owner_state in decides_for(caller) and row.requester != requester_of(caller)

    def _out(self, row: AccessRow) -> AccessRequest:
        status = Status(row.status)
        expires = _when(row.expires_at)
        if status is Status.APPROVED and expires is not None and expires <= self.clock():
            status = Status.EXPIRED
        return AccessRequest(
            request_id=row.request_id,
            created_at=datetime.fromisoformat(row.created_at),
            requester=row.requester,
            requester_agency=row.requester_agency,
            source=row.source,
            owner=owning_agency(row.owner_state),
            police_station=row.police_station,
            reason=row.reason,
            case_reference=row.case_reference,
            status=status,
            decided_by=row.decided_by,
            decided_at=_when(row.decided_at),
            decision_reason=row.decision_reason,
            expires_at=expires,
            record_ids=row.record_ids,
        )

    def profile_id(self, request: AccessRequest) -> str | None:
        """The profile id that opens an approved request's person records (while granted)."""
        if request.status is not Status.APPROVED:
            return None
        return self._ids.issue(request.record_ids)


def flagged_records(records: Sequence[Record], visibility: Visibility) -> list[Record]:
    """The records among `records` this visibility answers as hit-flags (and has no grant for)."""
    return [r for r in records if visibility.admits(r).hit_flag]

"""The vehicle search service: what `POST /v1/vehicles/search` and the NOC routes ask of vehicles.

`vehicles` assembles records into vehicles; this service decides which records to assemble: the
index's (within the caller's policy), a live Vahan look-up for a plate the index does not hold
yet, and Vahan's owner history where the index keeps only the current owner. It then attaches
the NOCs already issued and counts what the policy withheld. Nothing here speaks HTTP: the
route turns a `VehicleSearchResult` into its response.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from typing import TypeVar

import structlog
from anyio import to_thread

from auth.principal import Caller
from indexer.backends.base import Backend
from records import Record

from . import vehicles as fv
from .access import AccessService, HitFlag, hit_flags
from .noc import NOC_FILTERS, NocService
from .noc_model import IssuedNoc
from .planning import VehicleSearch, VehicleTerms, normalise_vehicle
from .policy import Policy, filters_of, is_visible
from .profile_ids import ProfileIds

log = structlog.get_logger("icjs.federation")
T = TypeVar("T")

LIVE_LOOKUP_TIMEOUT_S = 5.0  # an officer at a checkpoint waits seconds, not a minute
MAX_HISTORY_LOOKUPS = 3  # owner histories fetched per search: bounds one request's fan-out


class LiveAnswer(StrEnum):
    """What the live Vahan look-up did for one search (the response's `live_lookup`)."""

    NOT_CONFIGURED = "not_configured"  # no Vahan connection on this server
    NOT_NEEDED = "not_needed"  # the index holds the registration
    FOUND = "found"
    NOT_FOUND = "not_found"
    FAILED = "failed"  # Vahan did not answer: the search says so instead of failing


class InvalidVehicleSearch(ValueError):
    """The numbers given cannot be searched (too short, no number at all): the message says
    what to fix."""


@dataclass(frozen=True)
class VehicleSearchResult:
    outcome: fv.VehicleOutcome
    live_lookup: LiveAnswer
    nocs: dict[str, list[IssuedNoc]]  # by registration number, for the vehicles found
    withheld: dict[str, int]  # fields withheld by the policy, by reason, over every record
    candidates: int  # records the index returned (before the live look-up)
    hits: tuple[HitFlag, ...] = ()  # records the caller is told exist, and whom to ask

    @property
    def record_ids(self) -> list[str]:
        return self.outcome.record_ids


@dataclass
class VehicleSearchService:
    """Vehicle search over the index plus live Vahan. `on_live_lookup` is told each look-up's
    answer (the API counts them in its metrics)."""

    backend: Backend
    policy: Policy
    noc: NocService
    ids: ProfileIds  # issues the owners' profile ids (the person search's, so that they open)
    vahan: fv.VahanLookup | None = None
    max_candidates: int = 300
    on_live_lookup: Callable[[LiveAnswer], None] = field(default=lambda _answer: None)
    access: AccessService | None = None  # grants of approved access requests

    @staticmethod
    def terms_of(search: VehicleSearch) -> VehicleTerms:
        try:
            return normalise_vehicle(search)
        except ValueError as exc:
            raise InvalidVehicleSearch(str(exc)) from None

    async def live_lookup(self, terms: VehicleTerms) -> tuple[LiveAnswer, list[Record]]:
        """Ask Vahan directly for a plate (or chassis) the index does not hold yet."""
        if self.vahan is None:
            return LiveAnswer.NOT_CONFIGURED, []
        try:
            if terms.registration:
                found = await asyncio.wait_for(
                    self.vahan.by_registration(terms.registration), LIVE_LOOKUP_TIMEOUT_S
                )
            elif terms.chassis:
                found = await asyncio.wait_for(
                    self.vahan.by_chassis(terms.chassis), LIVE_LOOKUP_TIMEOUT_S
                )
            else:
                return LiveAnswer.NOT_NEEDED, []
        except Exception as exc:  # Vahan down must not fail the search: report it instead
            log.warning("vahan live look-up failed", error=type(exc).__name__)
            self.on_live_lookup(LiveAnswer.FAILED)
            return LiveAnswer.FAILED, []
        answer = LiveAnswer.FOUND if found else LiveAnswer.NOT_FOUND
        self.on_live_lookup(answer)
        return answer, found

    async def search(self, caller: Caller, search: VehicleSearch) -> VehicleSearchResult:
        terms = self.terms_of(search)
        visibility = (
            self.access.visibility(caller)
            if self.access is not None
            else self.policy.visibility(caller)
        )
        filters = filters_of(visibility)
        records = (
            await _in_thread(
                partial(
                    fv.retrieve, self.backend, terms, filters, max_candidates=self.max_candidates
                )
            )
            if filters.sources != frozenset()
            else []
        )
        flagged: list[Record] = []
        if visibility.hit_flag:
            flagged = await _in_thread(
                partial(
                    fv.retrieve,
                    self.backend,
                    terms,
                    filters_of(visibility.flagged()),
                    max_candidates=self.max_candidates,
                )
            )
        records += [r for r in flagged if r.record_id in visibility.granted]
        hits = hit_flags((r for r in flagged if r.record_id not in visibility.granted), self.ids)
        candidates = len(records)
        answer, live_ids = LiveAnswer.NOT_NEEDED, frozenset[str]()
        known = {r.record_id for r in records}
        if not fv.has_registration(records) and fv.live_source_allowed(filters):
            answer, live = await self.live_lookup(terms)
            live = [r for r in live if fv.match_kind(terms, r) is not None]
            records += [r for r in live if r.record_id not in known]
            live_ids = frozenset(r.record_id for r in live)
        elif self.vahan is not None and fv.live_source_allowed(filters):
            # The index keeps the current owner only (a transfer supersedes the previous
            # record): past owners come from Vahan's owner history.
            for plate in fv.plates_missing_past_owners(records)[:MAX_HISTORY_LOOKUPS]:
                history, past = await self.live_lookup(VehicleTerms(plate, None, False, None))
                if history is LiveAnswer.FOUND:
                    records += [r for r in past if r.record_id not in known]
                    known.update(r.record_id for r in past)
        # Redaction of every owner and report is CPU work: off the event loop, like the search.
        outcome = await _in_thread(
            partial(
                fv.assemble,
                self.policy,
                caller,
                terms,
                records,
                filters,
                ids=self.ids,
                live_ids=live_ids,
                granted=visibility.granted,
            )
        )
        nocs = {
            v.registration_no: await _in_thread(partial(self.noc.issued_for, v.registration_no))
            for v in outcome.vehicles
            if v.registration_no
        }
        return VehicleSearchResult(
            outcome=outcome,
            live_lookup=answer,
            nocs=nocs,
            withheld=_withheld(outcome),
            candidates=candidates,
            hits=hits,
        )

    async def noc_live_evidence(self, terms: VehicleTerms) -> tuple[list[Record], bool]:
        """For a NOC: Vahan's live records when the index holds no registration for the plate
        yet, and whether that look-up was needed and failed (the decision then says REVIEW,
        never CLEAR)."""
        indexed = await _in_thread(partial(self.noc.records, terms))
        if fv.has_registration(indexed):
            return [], False
        answer, live = await self.live_lookup(terms)
        found = [r for r in live if is_visible(r, NOC_FILTERS) and fv.match_kind(terms, r)]
        return found, answer is LiveAnswer.FAILED


async def _in_thread(work: Callable[[], T]) -> T:
    """Index reads and redaction are blocking work: off the event loop, on the same worker
    threads as the routes' own (anyio's default limiter)."""
    return await to_thread.run_sync(work)


def _withheld(outcome: fv.VehicleOutcome) -> dict[str, int]:
    counts: dict[str, int] = {}
    views = [o.record for v in outcome.vehicles for o in v.owners]
    views += [r.record for v in outcome.vehicles for r in v.reports]
    views += [r.record for r in outcome.unlinked_reports]
    for view in views:
        for w in view.withheld:
            counts[w.reason] = counts.get(w.reason, 0) + w.count
    return dict(sorted(counts.items()))


__all__ = [
    "InvalidVehicleSearch",
    "LiveAnswer",
    "VehicleSearchResult",
    "VehicleSearchService",
]

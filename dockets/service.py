"""Mini-dockets: a profile read under the caller's policy, summarised and printed.

    summary = graph_summary(network_service, RelatedRecords(backend, policy))
    dockets = DocketService(persons, summary)
    docket = dockets.docket(caller, profile_id, purpose=..., request_id=...)  # None: not found
    printed = dockets.pdf(docket)  # .body, .pages

The profile is read exactly as `GET /v1/persons/{id}` reads it (`PersonSearchService.profile`),
so the docket shows what the caller may see on screen and nothing more; its network summary is
the stored graph's neighbourhood of the profile's records, under the same caller's access
(`dockets.network`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from auth.principal import Caller
from federation.persons import PersonSearchService

from . import render
from .content import Docket, Printing, build
from .network import SummaryOf


class DocketService:
    def __init__(
        self,
        persons: PersonSearchService,
        network: SummaryOf,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._persons = persons
        self._network = network
        self._clock = clock

    def docket(
        self, caller: Caller, profile_id: str, *, purpose: str, request_id: str | None = None
    ) -> Docket | None:
        read = self._persons.profile(caller, profile_id)
        if read is None:
            return None
        printing = Printing(
            printed_by=caller.subject,
            role=caller.role.value,
            agency=caller.agency,
            printed_at=self._clock(),
            purpose=purpose,
            request_id=request_id,
        )
        return build(read, self._network(caller, read), printing)

    def pdf(self, docket: Docket) -> render.Printed:
        return render.pdf(docket)

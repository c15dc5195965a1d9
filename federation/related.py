"""A profile's direct connections read from the index under the caller's policy: the co-accused
of its FIRs (other accused rows and inmates citing the same FIR).

The mini-docket's network summary uses this until the network graph (`network/`, built at sync)
can answer the same question with more hops; the records come back as `RecordView`s, redacted
like any profile's, and a record the caller may not see is never fetched (the backend query
carries the caller's filters).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from auth.principal import Caller
from indexer.backends.base import Backend, CandidateQuery, IdentifierTerm
from records import IdType, Kind

from .policy import Policy, filters_of, narrow_kinds
from .views import RecordView, record_view

# Accused rows and inmates: the records a FIR's co-accused are found in.
_FIR_KINDS = frozenset({Kind.ACCUSED, Kind.INMATE})


class DirectConnections:
    def __init__(self, backend: Backend, policy: Policy, *, limit: int = 200) -> None:
        self._backend = backend
        self._policy = policy
        self._limit = limit

    def sharing_firs(
        self, caller: Caller, firs: Sequence[str], exclude: Collection[str] = ()
    ) -> list[RecordView]:
        """Accused and inmate records citing any of `firs` (normalised FIR identifiers), other
        than `exclude` (the profile's own records), as the caller may see them."""
        if not firs:
            return []
        filters = narrow_kinds(filters_of(self._policy.visibility(caller)), _FIR_KINDS)
        query = CandidateQuery(
            identifiers=tuple(IdentifierTerm(IdType.FIR, f) for f in dict.fromkeys(firs)),
            filters=filters,
            limit=self._limit,
        )
        wanted = set(firs)
        out = []
        for candidate in self._backend.candidates(query):
            record = candidate.record
            if record.record_id in exclude:
                continue
            if not any(i.type is IdType.FIR and i.value in wanted for i in record.identifiers):
                continue  # retrieved for another reason: not a co-accused
            out.append(record_view(self._policy, caller, record, None))
        return sorted(out, key=lambda v: v.record_id)

"""Records related to a profile (its neighbours in the network graph), read again from the index
as the caller may see them: `RelatedRecords.views(caller, record_ids)`.

The mini-docket prints the people the graph connects a profile to; what it prints of them comes
from here, redacted like any profile's records (`record_view`), never from the graph's own
labels. A record the caller may not see in full (another source, a hidden label, a hit-flag
source without a grant) is left out, whatever the graph answered.
"""

from __future__ import annotations

from collections.abc import Sequence

from auth.principal import Caller
from indexer.backends.base import Backend

from .policy import Policy
from .views import RecordView, record_view


class RelatedRecords:
    def __init__(self, backend: Backend, policy: Policy) -> None:
        self._backend = backend
        self._policy = policy

    def views(self, caller: Caller, record_ids: Sequence[str]) -> dict[str, RecordView]:
        """The records among `record_ids` the caller may see, by record id, redacted."""
        if not record_ids:
            return {}
        visibility = self._policy.visibility(caller)
        return {
            r.record_id: record_view(self._policy, caller, r, None)
            for r in self._backend.get(list(dict.fromkeys(record_ids)))
            if visibility.admits(r)
        }

"""The docket's network summary: the profile's direct connections, from its own records.

A stand-in with a deliberately small job, behind one function (`direct_connections`): the
co-accused of its FIRs (read from the index under the caller's policy), the vehicles it owns and
the contact and payment identifiers its records carry. The network graph (`network/`, built at
sync) answers the same question with more hops and evidence; when it lands, it replaces this
function and the docket prints what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from auth.principal import Caller
from federation.persons import ProfileRead
from federation.related import DirectConnections

from .content import Connection, Fact, fir_ids, identifiers_of, person_name

# Identifiers that connect people (a phone, a UPI id, an account, an e-mail), as the records
# carry them; the graph's job is to say who else holds them.
_CONNECTING = (
    ("mobile", "phone"),
    ("upi", "UPI id"),
    ("bank_account", "bank account"),
    ("email", "e-mail"),
)

NetworkSummary = Callable[[Caller, ProfileRead], Sequence[Connection]]


def direct_connections(related: DirectConnections) -> NetworkSummary:
    def summary(caller: Caller, read: ProfileRead) -> list[Connection]:
        views = read.profile.records
        own = {v.record_id for v in views}
        out: list[Connection] = []
        firs = fir_ids(views)
        for other in related.sharing_firs(caller, firs, exclude=own):
            shared = [f for f in firs if f in _firs_of(other.fields)]
            out.append(
                Connection("co-accused", person_name(other), ", ".join(shared), Fact.of(other))
            )
        for value, view in identifiers_of(views, "registration"):
            out.append(Connection("vehicle", None, value, Fact.of(view)))
        seen: set[tuple[str, str]] = set()
        for kind, label in _CONNECTING:
            for value, view in identifiers_of(views, kind):
                if (kind, value) not in seen:
                    seen.add((kind, value))
                    out.append(Connection(label, None, value, Fact.of(view)))
        return out

    return summary


def _firs_of(fields: dict[str, object]) -> set[str]:
    found = fields.get("identifiers")
    return {
        str(i.get("value"))
        for i in (found if isinstance(found, list) else [])
        if isinstance(i, dict) and i.get("type") == "fir"
    }

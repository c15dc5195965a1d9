"""What an alert may say to the one reading it, decided when it is read (access at the time of
the alert, not of the match).

An alert holds two sides (`own`: the reader's desk's report; `match`: the other) and the
evidence. Each side is cut to what the reader's policy lets them see of such a record:

- a side the reader may not see at all (a label such as `sexual_offence` hidden from them, a
  source or kind not granted) becomes `{"restricted": true, "contact": ...}`: that a restricted
  match exists and whom to call, nothing else (no record id, no evidence values);
- a side outside the reader's state keeps identity and status (as a search shows it there);
  descriptions (marks, places) and the evidence's values are withheld.
"""

from __future__ import annotations

from typing import Any

from auth.policy import Visibility
from records import Kind, Source

# What `away` readers keep of a side: identity and status (the `identity` and `status` groups).
AWAY_KEEP = frozenset(
    {
        "record_id",
        "side",
        "kind",
        "source",
        "status",
        "state",
        "district",
        "police_station",
        "station_name",
        "event_date",
        "review",
        "names",
        "gender",
        "registration_no",
        "chassis_no",
        "engine_no",
        "make_model",
        "colour",
        "reported_status",
        "contact",
    }
)
_KINDS = {
    "missing": Kind.MISSING_PERSON,
    "found": Kind.FOUND_PERSON,
    "stolen": Kind.VEHICLE_REPORT,
    "registration": Kind.VEHICLE_REGISTRATION,
}


def _admitted(side: dict[str, Any], visibility: Visibility) -> bool:
    try:
        source = Source(side.get("source", ""))
    except ValueError:
        return False
    if visibility.sources is not None and source not in visibility.sources:
        return False
    try:
        kind: Kind | None = (
            Kind(side["kind"]) if "kind" in side else _KINDS.get(side.get("side", ""))
        )
    except ValueError:
        return False
    if visibility.kinds is not None and (kind is None or kind not in visibility.kinds):
        return False
    if visibility.states is not None and side.get("state") not in visibility.states:
        return False
    labels = set(side.get("labels") or ())
    return not any(
        rule.label.value in labels and side.get("state") not in rule.except_states
        for rule in visibility.hidden
    )


def restricted(side: dict[str, Any]) -> dict[str, Any]:
    return {"restricted": True, "contact": side.get("contact")}


def cut(payload: dict[str, Any], visibility: Visibility, home: str | None) -> dict[str, Any]:
    """The alert `payload` as a reader with `visibility`, at home in state `home`, may see it."""
    sides: dict[str, dict[str, Any]] = {}
    hidden = away = False
    for name in ("own", "match"):
        side = dict(payload.get(name) or {})
        if "search" in side:  # the reader's own search or watch: theirs to see
            sides[name] = side
            continue
        if not _admitted(side, visibility):
            sides[name] = restricted(side)
            hidden = True
            continue
        if side.get("state") != home:
            side = {k: v for k, v in side.items() if k in AWAY_KEEP}
            away = True
        side.pop("labels", None)
        sides[name] = side
    evidence = payload.get("evidence") or []
    if hidden:
        evidence = []
    elif away:
        evidence = [{"feature": e.get("feature"), "weight": e.get("weight")} for e in evidence]
    return {
        "kind": payload.get("kind"),
        "score": None if hidden else payload.get("score"),
        "review": bool(payload.get("review")),
        "restricted": hidden,
        "own": sides["own"],
        "match": sides["match"],
        "evidence": evidence,
    }

"""What leaves federation: records and profiles cut to what the caller may see.

Everything shown at profile level (names, identifiers, the display name) is collected from the
*redacted* record views, never from the records themselves, so a profile cannot show more than
its members do. Match reasons quote record values; a quoted value the caller may not see is
blanked, so an explanation cannot leak a withheld field either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from auth.principal import Caller
from matching import api as matching
from records import PersonRole, Record

from .access import HitFlag
from .grouping import Group, Link, Refusal
from .policy import Policy, Withheld
from .profile_ids import ProfileIds

# Top-level keys of a record that the view carries in its own slots, or never (raw payloads:
# the canonical fields already carry what may be shown, and raw would bypass field redaction).
_OWN_SLOTS = frozenset(
    {"record_id", "source", "kind", "status", "provenance", "raw", "data_issues"}
)
_NOT_SUBJECTS = frozenset({PersonRole.COMPLAINANT.value, PersonRole.GUARDIAN.value})


@dataclass(frozen=True)
class MatchView:
    score: float
    reasons: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class RecordView:
    record_id: str
    source: str
    kind: str
    status: str | None
    fields: dict[str, Any]
    provenance: dict[str, Any] | None
    match: MatchView | None
    withheld: tuple[Withheld, ...]
    # fields the source sent damaged (names and reasons, never values: shown to every caller
    # who sees the record, whatever the policy withholds)
    data_issues: tuple[dict[str, str], ...] = ()


@dataclass(frozen=True)
class Restricted:
    """Records of this person hidden by a label the caller may know exists: how many, never
    what they hold."""

    label: str
    count: int


@dataclass(frozen=True)
class ProfileView:
    profile_id: str
    confidence: float
    display_name: str | None
    names: tuple[str, ...]
    identifiers: tuple[dict[str, Any], ...]
    records: tuple[RecordView, ...]
    links: tuple[Link, ...]  # every join, with its evidence: each member but the first is in one
    refused: tuple[Refusal, ...] = ()  # joins not made, with the disagreement that forbade them
    restricted: tuple[Restricted, ...] = ()  # linked records a label hides, counted
    hits: tuple[HitFlag, ...] = ()  # linked records answered only as hit-flags (profile reads)


# --- record views ------------------------------------------------------------------------------


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def _visible_reason(reason: dict[str, Any], visible_text: str) -> dict[str, Any]:
    quoted = reason.get("record")
    if quoted is None or str(quoted).casefold() in visible_text:
        return reason
    return {**reason, "record": None}


def record_view(
    policy: Policy, caller: Caller, record: Record, match: matching.MatchResult | None
) -> RecordView:
    redacted = policy.redact(caller, record)
    view = redacted.view
    fields = {k: v for k, v in view.items() if k not in _OWN_SLOTS}
    match_view = None
    if match is not None:
        visible_text = "\n".join(_strings(fields)).casefold()
        reasons = tuple(_visible_reason(r.as_dict(), visible_text) for r in match.reasons)
        match_view = MatchView(score=round(match.score, 4), reasons=reasons)
    provenance = view.get("provenance")
    return RecordView(
        record_id=record.record_id,
        source=record.source.value,
        kind=record.kind.value,
        status=view.get("status"),
        fields=fields,
        provenance=provenance if isinstance(provenance, dict) else None,
        match=match_view,
        withheld=redacted.withheld,
        data_issues=tuple({"field": i.field, "reason": i.reason} for i in record.data_issues),
    )


def _people(view: RecordView) -> list[dict[str, Any]]:
    people = view.fields.get("people")
    return [p for p in people if isinstance(p, dict)] if isinstance(people, list) else []


def _names(views: Sequence[RecordView]) -> list[str]:
    seen: dict[str, str] = {}
    for v in views:
        for person in _people(v):
            if person.get("role") in _NOT_SUBJECTS:
                continue  # a complainant, a reporting guardian: not this profile's person
            written = [person.get("name"), person.get("name_local"), *(person.get("aliases") or [])]
            for name in written:
                if isinstance(name, str) and name.strip():
                    seen.setdefault(" ".join(name.split()).casefold(), name)
    return list(seen.values())


def _identifiers(views: Sequence[RecordView]) -> list[dict[str, Any]]:
    seen: dict[tuple[Any, Any], dict[str, Any]] = {}
    for v in views:
        for ident in v.fields.get("identifiers") or []:
            if isinstance(ident, dict) and ident.get("value"):
                seen.setdefault((ident.get("type"), ident.get("value")), ident)
    return list(seen.values())


def _display_name(group: Group, views: Sequence[RecordView]) -> str | None:
    best = group.members[0]
    wanted = {n.casefold() for n in best.person.names}
    for person in _people(views[0]):
        for key in ("name", "name_local"):
            name = person.get(key)
            if isinstance(name, str) and name.casefold() in wanted:
                return name
    names = _names(views)
    return names[0] if names else None


def profile_view(
    policy: Policy,
    caller: Caller,
    group: Group,
    ids: ProfileIds,
    restricted: Sequence[Restricted] = (),
) -> ProfileView:
    views = [record_view(policy, caller, m.record, m.match) for m in group.members]
    return ProfileView(
        profile_id=ids.issue(m.record.record_id for m in group.members),
        confidence=round(group.confidence, 4),
        display_name=_display_name(group, views),
        names=tuple(_names(views)),
        identifiers=tuple(_identifiers(views)),
        records=tuple(views),
        links=tuple(group.links),
        refused=tuple(group.refused),
        restricted=tuple(restricted),
    )


def withheld_counts(profiles: Sequence[ProfileView]) -> dict[str, int]:
    """Fields withheld across the response, counted per reason (never what they held)."""
    counts: Counter[str] = Counter()
    for p in profiles:
        for r in p.records:
            for w in r.withheld:
                counts[w.reason] += w.count
    return dict(sorted(counts.items()))

"""The seam between `auth.policy` and federation, and the pure checks built on it.

Federation never decides who may see what; it asks the policy twice per search: once for the
*visibility* (`auth.policy.Visibility`, turned into backend `Filters` here, so a record the
caller may not see is never fetched) and once per returned record for the *redaction*
(`auth.policy.RedactedRecord`: which fields of a visible record the caller may see, and what was
withheld). Both are auth's frozen dataclasses, used as they are on both sides and checked by
mypy: one `Policy`, one `Visibility`, one `Withheld` in the project. This module re-applies the
same filters in Python where a record is fetched by id (the backend's `get` takes no filters,
and a guessed profile id must not open a record).
"""

from __future__ import annotations

from collections.abc import Iterable

from auth.policy import Policy, RedactedRecord, Visibility, Withheld
from indexer.backends.base import Filters, LabelRule
from records import Kind, Record, Sensitivity, Source


def filters_of(visibility: Visibility) -> Filters:
    """The backend filters for a policy visibility (`auth.policy.Visibility` maps 1:1 onto
    `Filters`; auth must not import indexer, so the translation lives here)."""
    return Filters(
        sources=visibility.sources,
        kinds=visibility.kinds,
        states=visibility.states,
        hidden=tuple(LabelRule(h.label, h.except_states) for h in visibility.hidden),
    )


def disclosed_labels(visibility: Visibility) -> frozenset[Sensitivity]:
    """Labels whose hidden records the caller is told exist ("restricted records")."""
    return frozenset(h.label for h in visibility.hidden if h.disclose)


def without_labels(filters: Filters) -> Filters:
    """`filters` with no label rule: what the caller would see if nothing were labelled."""
    return Filters(sources=filters.sources, kinds=filters.kinds, states=filters.states)


def restrictions_of(visibility: Visibility) -> list[str]:
    """Human-readable statements of what the visibility hides (for the response)."""
    return describe_filters(filters_of(visibility))


def describe_filters(filters: Filters) -> list[str]:
    out: list[str] = []
    if filters.sources is not None:
        out.append("sources limited to " + ", ".join(sorted(s.value for s in filters.sources)))
    if filters.kinds is not None:
        out.append("record kinds limited to " + ", ".join(sorted(k.value for k in filters.kinds)))
    if filters.states is not None:
        out.append("states limited to " + ", ".join(sorted(filters.states)))
    for rule in filters.hidden:
        where = f" outside {', '.join(sorted(rule.except_states))}" if rule.except_states else ""
        out.append(f"records labelled {rule.label.value} hidden{where}")
    return out


def narrow_sources(filters: Filters, requested: Iterable[Source] | None) -> Filters:
    """The caller's filters further narrowed to the sources the request asks for."""
    if requested is None:
        return filters
    wanted = frozenset(requested)
    sources = wanted if filters.sources is None else filters.sources & wanted
    return Filters(
        sources=sources, kinds=filters.kinds, states=filters.states, hidden=filters.hidden
    )


def narrow_kinds(filters: Filters, kinds: Iterable[Kind]) -> Filters:
    wanted = frozenset(kinds)
    narrowed = wanted if filters.kinds is None else filters.kinds & wanted
    return Filters(
        sources=filters.sources, kinds=narrowed, states=filters.states, hidden=filters.hidden
    )


def is_visible(record: Record, filters: Filters) -> bool:
    """The same test the backends apply in their queries, for records fetched by id."""
    if filters.sources is not None and record.source not in filters.sources:
        return False
    if filters.kinds is not None and record.kind not in filters.kinds:
        return False
    if filters.states is not None and record.state not in filters.states:
        return False
    for rule in filters.hidden:
        if rule.label in record.sensitivity and record.state not in rule.except_states:
            return False
    return True


__all__ = [
    "Policy",
    "RedactedRecord",
    "Visibility",
    "Withheld",
    "describe_filters",
    "disclosed_labels",
    "filters_of",
    "is_visible",
    "narrow_kinds",
    "narrow_sources",
    "restrictions_of",
    "without_labels",
]

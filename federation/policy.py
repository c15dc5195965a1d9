"""The policy port: what federation needs from `auth.policy`, and the pure checks built on it.

Federation never decides who may see what; it asks the policy twice per search: once for the
*visibility* (turned into backend `Filters`, so a record the caller may not see is never fetched)
and once per returned record for the *redaction* (which fields of a visible record the caller may
see). This module adapts whatever shape the policy returns into the two plain forms federation
works with, and re-applies the same filters in Python where a record is fetched by id (the
backend's `get` takes no filters, and a guessed profile id must not open a record).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from auth.principal import Caller
from indexer.backends.base import Filters, LabelRule
from records import Record, Sensitivity, Source


class Policy(Protocol):
    """The two calls federation makes. `visibility` returns `Filters` or an object carrying them
    as `.filters`; `redact` returns the record as a JSON-ready dict cut to what the caller may
    see, and the list of what was withheld."""

    def visibility(self, caller: Caller) -> Any: ...

    def redact(self, caller: Caller, record: Record) -> Any: ...


@dataclass(frozen=True)
class Withheld:
    """One withheld field (or a whole nested part) and the reason, never its content."""

    field: str
    reason: str
    count: int = 1


@dataclass(frozen=True)
class Redacted:
    view: dict[str, Any]
    withheld: tuple[Withheld, ...]


def filters_of(visibility: Any) -> Filters:
    """The backend filters for a policy visibility (`auth.policy.Visibility` maps 1:1 onto
    `Filters`; auth must not import indexer, so the translation lives here)."""
    if isinstance(visibility, Filters):
        return visibility
    try:
        return Filters(
            sources=visibility.sources,
            kinds=visibility.kinds,
            states=visibility.states,
            hidden=tuple(LabelRule(h.label, h.except_states) for h in visibility.hidden),
        )
    except AttributeError:
        raise TypeError(f"policy visibility {type(visibility).__name__} is not usable") from None


def disclosed_labels(visibility: Any) -> frozenset[Sensitivity]:
    """Labels whose hidden records the caller is told exist ("restricted records")."""
    return frozenset(
        h.label for h in getattr(visibility, "hidden", ()) if getattr(h, "disclose", False)
    )


def without_labels(filters: Filters) -> Filters:
    """`filters` with no label rule: what the caller would see if nothing were labelled."""
    return Filters(sources=filters.sources, kinds=filters.kinds, states=filters.states)


def restrictions_of(visibility: Any) -> list[str]:
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


def _withheld_item(item: Any) -> Withheld:
    if isinstance(item, Withheld):
        return item
    if isinstance(item, str):
        return Withheld(field=item, reason="policy")
    if isinstance(item, Mapping):
        return Withheld(
            field=str(item.get("field", "?")),
            reason=str(item.get("reason", "policy")),
            count=int(item.get("count", 1)),
        )
    if isinstance(item, tuple) and len(item) == 2:
        return Withheld(field=str(item[0]), reason=str(item[1]))
    return Withheld(
        field=str(getattr(item, "field", getattr(item, "path", "?"))),
        reason=str(getattr(item, "reason", "policy")),
        count=int(getattr(item, "count", 1)),
    )


def redaction_of(result: Any) -> Redacted:
    """Normalise `policy.redact(...)`'s answer: a `(dict, withheld)` pair or an object with
    `.view`/`.record`/`.data` and `.withheld`."""
    if isinstance(result, tuple) and len(result) == 2:
        view, withheld = result
    else:
        view = next(
            (
                getattr(result, n)
                for n in ("view", "record", "data", "fields")
                if hasattr(result, n)
            ),
            None,
        )
        withheld = getattr(result, "withheld", ())
    if not isinstance(view, Mapping):
        raise TypeError(f"policy redaction {type(result).__name__} carries no record dict")
    return Redacted(view=dict(view), withheld=tuple(_withheld_item(w) for w in withheld or ()))


def narrow_sources(filters: Filters, requested: Iterable[Source] | None) -> Filters:
    """The caller's filters further narrowed to the sources the request asks for."""
    if requested is None:
        return filters
    wanted = frozenset(requested)
    sources = wanted if filters.sources is None else filters.sources & wanted
    return Filters(
        sources=sources, kinds=filters.kinds, states=filters.states, hidden=filters.hidden
    )


def narrow_kinds(filters: Filters, kinds: Iterable[Any]) -> Filters:
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

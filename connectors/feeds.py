"""Reading pages that may not have the promised shape.

A 200 whose body is not the documented envelope is retried like a garbled body (a proxy or a
half-written cache answered); items that are not JSON objects become rows with a `problem`, so
they are quarantined rather than lost.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from connectors.base import Row
from connectors.errors import RetryableError


def envelope_list(source: str, body: Any, key: str) -> list[Any]:
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise RetryableError(source, f"response has no {key!r} list")
    items: list[Any] = body[key]
    return items


def rows_of(items: list[Any], collection: str | None = None) -> list[Row]:
    rows = []
    for item in items:
        if isinstance(item, dict):
            rows.append(Row(item, collection))
        else:
            rows.append(Row({"_value": item}, collection, problem="row is not a JSON object"))
    return rows


def later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def from_iso(value: Any) -> datetime | None:
    """A cursor's stored time back as a datetime (None for anything unusable)."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None

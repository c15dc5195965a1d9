"""The provenance of a docket's lines, and which people of a record may be its person.

Shared by the docket's content and its network summary; kept apart so that neither imports the
other.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from federation.views import RecordView

# The people of a record who are the profile's person, or may be (the subject of an accused
# row, an inmate, a licence; a vehicle's owner; a cyber complaint's suspect; a missing or found
# person). A complainant is a victim; a guardian reported a child: never printed.
_PERSON_ROLES = frozenset({"subject", "owner", "suspect", "missing", "found"})


@dataclass(frozen=True)
class Fact:
    """Where a line of the docket comes from."""

    source: str
    record_id: str
    source_updated_at: str | None
    fetched_at: str | None

    @classmethod
    def of(cls, view: RecordView) -> Fact:
        provenance = view.provenance or {}
        return cls(
            source=view.source,
            record_id=view.record_id,
            source_updated_at=text_of(provenance.get("source_updated_at")),
            fetched_at=text_of(provenance.get("fetched_at")),
        )


def text_of(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def dict_of(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def people_of(view: RecordView) -> Iterator[dict[str, Any]]:
    """The people of a record who are, or may be, its person: never a victim."""
    people = view.fields.get("people")
    for person in people if isinstance(people, list) else []:
        if isinstance(person, dict) and person.get("role", "subject") in _PERSON_ROLES:
            yield person

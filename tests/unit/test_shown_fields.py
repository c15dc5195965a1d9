"""Every field of the canonical records has a place in the API's shown models.

The shown models drop what they do not name (`extra="ignore"`: a source's new field is never
passed through unclassified), so a field added to `records` and not to `api.schemas_records`
would vanish from every answer without an error. Nothing readable may be hidden: such a field
must be named in the API (and so go through the policy's cut) or be listed here as kept back,
with the reason."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from pydantic import BaseModel

from api import schemas_records as shown
from records import DataIssue, Identifier, Person, Record, Vehicle

# The payload as received: the canonical fields carry what may be shown, and the raw payload
# would bypass the policy's field redaction (`federation.views._OWN_SLOTS`).
KEPT_BACK = {"Record": {"raw"}}
# Record's own slots in `RecordOut`; the rest of its fields are in `RecordOut.fields`.
RECORD_SLOTS = {"record_id", "source", "kind", "status", "provenance", "data_issues"}


def _names(kind: Any) -> set[str]:
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return set(kind.model_fields)
    return {f.name for f in dataclasses.fields(kind)}


@pytest.mark.parametrize(
    ("canonical", "api"),
    [
        (Person, shown.PersonOut),
        (Vehicle, shown.VehicleFieldsOut),
        (Identifier, shown.IdentifierOut),
        (DataIssue, shown.DataIssueOut),
    ],
)
def test_every_field_of_a_part_is_shown(canonical: type, api: type[BaseModel]) -> None:
    assert _names(canonical) - KEPT_BACK.get(canonical.__name__, set()) <= _names(api)


def test_every_field_of_a_record_is_shown() -> None:
    showable = _names(Record) - KEPT_BACK["Record"]
    assert showable - RECORD_SLOTS <= _names(shown.RecordFields)
    assert showable & RECORD_SLOTS <= _names(shown.RecordOut)

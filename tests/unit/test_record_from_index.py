"""`record_from_index`: a record the index wrote, read back without re-running its checks, is
the same object `Record.model_validate_json` gives."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import BaseModel, field_validator
from pydantic_core import SchemaValidator

from bench.names.dataset import build
from records import (
    DataIssue,
    Gender,
    Identifier,
    IdType,
    Kind,
    Person,
    PersonRole,
    Provenance,
    Record,
    Relation,
    Sensitivity,
    Vehicle,
    record_from_index,
    register_source,
)
from records.model import _without_checks, trusted_checks
from tests.plugins.backends import sample_world

IST = timezone(timedelta(hours=5, minutes=30))


def _every_field() -> Record:
    """A record with every field set, nested values, an offset time and a registered source."""
    source = register_source("toyfromindex")
    return Record(
        record_id="toyfromindex:X-1",
        source=source,
        kind=Kind.CYBER_COMPLAINT,
        status="OPEN",
        people=(
            Person(
                role=PersonRole.SUSPECT,
                name="RAJU @ RAJENDRA PATIL",
                name_local="राजेंद्र पाटील",
                aliases=("PAPPU", "RAJ"),
                relative_name="SURESH PATIL",
                relation=Relation.SON_OF,
                gender=Gender.MALE,
                birth_date=date(1990, 2, 3),
                birth_year=1990,
                age_from=30,
                age_to=35,
                age_on=date(2024, 1, 1),
                address="H NO 12, GANESH PETH, PUNE",
                phones=("+919812345678",),
                emails=("raju@example.org",),
                nationality="IN",
            ),
            Person(role=PersonRole.COMPLAINANT, name="A VICTIM", gender=Gender.FEMALE),
        ),
        vehicle=Vehicle(registration_no="MH12AB1234", chassis_no="12345", owner_serial=2),
        identifiers=(
            Identifier(type=IdType.MOBILE, value="+919812345678"),
            Identifier(type=IdType.CHASSIS, value="12345", partial=True),
        ),
        state="MH",
        district="PUNE",
        police_station="PS0412",
        event_date=date(2024, 5, 1),
        attributes={"amount": 12000.5, "modus": ["upi", "call"], "nested": {"a": None}},
        sensitivity=frozenset({Sensitivity.VICTIM, Sensitivity.SEXUAL_OFFENCE}),
        provenance=Provenance(
            source=source,
            native_id="X-1",
            source_updated_at=datetime(2024, 5, 1, 15, 30, tzinfo=IST),
            fetched_at=datetime(2024, 5, 2, 1, 0, tzinfo=UTC),
            collection="complaints",
        ),
        raw={"id": "X-1", "amount": "12000.50", "list": [1, "2", {"x": True}]},
        data_issues=(DataIssue(field="suspects[0].dob", reason="unreadable date: withheld"),),
    )


def _records() -> list[Record]:
    return [_every_field(), *sample_world(), *build(7, 60, 10).records]


def _models(value: Any) -> list[BaseModel]:
    """Every model inside `value`, depth first (a record, its people, provenance, …)."""
    if isinstance(value, BaseModel):
        return [value, *(m for f in type(value).model_fields for m in _models(getattr(value, f)))]
    if isinstance(value, tuple | list):
        return [m for item in value for m in _models(item)]
    return []


def _assert_same_objects(trusted: Record, validated: Record) -> None:
    """Every nested model the same type, with the same fields, values, value types and set
    fields: not only equal, the same object graph."""
    for a, b in zip(_models(trusted), _models(validated), strict=True):
        assert type(a) is type(b)
        assert a.__dict__ == b.__dict__
        assert a.model_fields_set == b.model_fields_set
        assert [type(v) for v in a.__dict__.values()] == [type(v) for v in b.__dict__.values()]


@pytest.mark.parametrize("exclude_defaults", [True, False])
def test_the_same_object_as_validating(exclude_defaults: bool) -> None:
    for record in _records():
        text = record.model_dump_json(exclude_defaults=exclude_defaults)  # what the index writes
        trusted, validated = record_from_index(text), Record.model_validate_json(text)
        assert trusted == validated == record
        _assert_same_objects(trusted, validated)


@pytest.mark.parametrize("exclude_defaults", [True, False])
def test_a_cluster_hit_gives_the_same_object_as_validating_it(exclude_defaults: bool) -> None:
    # a cluster's `_source` holds `model_dump(mode="json")`, parsed from the response's JSON
    for record in _records():
        data = json.loads(
            json.dumps(record.model_dump(mode="json", exclude_defaults=exclude_defaults))
        )
        trusted, validated = record_from_index(data), Record.model_validate(data)
        assert trusted == validated == record
        _assert_same_objects(trusted, validated)


def test_only_the_model_checks_are_left_out() -> None:
    """Each returns the model it was given or raises: a record the index wrote passed them."""
    assert trusted_checks() == ["Record._id_matches_provenance", "Person._ages_ordered"]
    # left out indeed: a record id that disagrees with its provenance is not looked at again
    text = _every_field().model_dump_json().replace('"toyfromindex:X-1"', '"toyfromindex:X-2"')
    assert record_from_index(text).record_id == "toyfromindex:X-2"
    with pytest.raises(ValueError, match="should be"):
        Record.model_validate_json(text)


def test_any_other_validator_stays() -> None:
    class Upper(BaseModel):
        name: str

        @field_validator("name")
        @classmethod
        def _upper(cls, value: str) -> str:
            return value.upper()

    removed: list[str] = []
    schema = _without_checks(Upper.__pydantic_core_schema__, removed)
    assert removed == []
    assert SchemaValidator(schema).validate_json('{"name": "raju"}').name == "RAJU"


def test_malformed_json_is_still_refused() -> None:
    with pytest.raises(ValueError):
        record_from_index('{"record_id": "cctns:A1", "source": "cctns"}')  # no kind, provenance
    with pytest.raises(ValueError):
        record_from_index('{"record_id": "cctns:A1", "source": "nosuch", "kind": "accused"}')

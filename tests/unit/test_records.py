from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from records import Kind, Person, Provenance, Record, Source, make_record_id, split_record_id

NOW = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def _provenance(native_id: str, source: Source = Source.CCTNS) -> Provenance:
    return Provenance(source=source, native_id=native_id, source_updated_at=NOW, fetched_at=NOW)


def test_record_id_is_source_and_trimmed_native_id() -> None:
    assert make_record_id("cctns", " MH-PS0412-2024-0123-A2 ") == "cctns:MH-PS0412-2024-0123-A2"
    assert make_record_id(Source.VAHAN, "MH12AB1234#2") == "vahan:MH12AB1234#2"
    assert split_record_id("vahan:MH12AB1234#2") == (Source.VAHAN, "MH12AB1234#2")


@pytest.mark.parametrize("bad", ["cctns", "cctns:", "nosuch:1", ":1"])
def test_split_rejects_malformed_ids(bad: str) -> None:
    with pytest.raises(ValueError):
        split_record_id(bad)


def test_record_id_must_agree_with_provenance() -> None:
    with pytest.raises(ValidationError, match="should be 'cctns:A1'"):
        Record(
            record_id="cctns:A2",
            source=Source.CCTNS,
            kind=Kind.ACCUSED,
            provenance=_provenance("A1"),
        )


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="UTC offset"):
        Provenance(
            source=Source.CCTNS,
            native_id="A1",
            source_updated_at=datetime(2024, 5, 1),
            fetched_at=NOW,
        )


def test_names_lists_every_written_form() -> None:
    person = Person(name="RAJU @ RAJENDRA PATIL", name_local="राजेंद्र पाटील", aliases=("PAPPU",))
    assert person.names == ["RAJU @ RAJENDRA PATIL", "राजेंद्र पाटील", "PAPPU"]


def test_record_round_trips_through_json() -> None:
    record = Record(
        record_id="cctns:A1",
        source=Source.CCTNS,
        kind=Kind.ACCUSED,
        people=(Person(name="K. MURUGAN"),),
        provenance=_provenance("A1"),
    )
    assert Record.model_validate_json(record.model_dump_json()) == record

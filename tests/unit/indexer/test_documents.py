"""Record → index document."""

from __future__ import annotations

from indexer.documents import (
    RELATIVE_PREFIX,
    grams_of_words,
    min_shared_grams,
    query_grams,
    to_document,
    version_micros,
)
from matching.api import name_keys
from records import IdType, Kind, Person, PersonRole, Record, Source, Vehicle
from tests.plugins.backends import make, sample_world


def by_id(record_id: str):  # type: ignore[no-untyped-def]
    return next(r for r in sample_world() if r.record_id == record_id)


def test_subject_names_aliases_and_relatives_go_to_separate_key_fields() -> None:
    doc = to_document(by_id("cctns:MH-PS0412-2024-0123-A1"))
    assert name_keys("RAJU @ RAJENDRA SHANKAR PATIL") <= doc.name_keys
    assert name_keys("PAPPU") <= doc.alias_keys | doc.name_keys
    assert doc.relative_keys == {RELATIVE_PREFIX + k for k in name_keys("SHANKAR PATIL")}
    assert not any(k.startswith(RELATIVE_PREFIX) for k in doc.name_keys | doc.alias_keys)


def test_complainants_are_never_indexed_by_name() -> None:
    doc = to_document(by_id("ncrp:31207240012345"))
    assert not (name_keys("ANITA SHARMA") & doc.all_keys - name_keys("RAHUL VERMA"))
    assert "anita" not in doc.name_words
    assert "rahul" in doc.name_words


def test_vehicle_numbers_become_identifiers_when_the_connector_did_not_list_them() -> None:
    record = make(
        Source.CCTNS,
        "X-V1",
        Kind.VEHICLE_REPORT,
        vehicle=Vehicle(registration_no="MH12AB1234", chassis_no="23456", engine_no="K12MN1234567"),
    )
    ids = {(i.type, i.value, i.partial) for i in to_document(record).identifiers}
    assert ids == {
        (IdType.REGISTRATION, "MH12AB1234", False),
        (IdType.CHASSIS, "23456", True),
        (IdType.ENGINE, "K12MN1234567", False),
    }


def test_filter_fields_and_version() -> None:
    record = by_id("cctns:UP-PS2210-2023-0077-A1")
    doc = to_document(record)
    assert (doc.source, doc.kind, doc.state, doc.labels) == (
        "cctns",
        "accused",
        "UP",
        ("sexual_offence",),
    )
    assert doc.version == version_micros(record.version)
    assert Record.model_validate_json(doc.record_json) == record


def test_trigrams_stay_inside_words_and_skip_initials() -> None:
    assert grams_of_words(["k", "murugan"]) == {"mur", "uru", "rug", "uga", "gan"}
    assert query_grams("K. Murugan") == {"mur", "uru", "rug", "uga", "gan"}


def test_fuzzy_threshold_is_half_the_query_grams() -> None:
    assert [min_shared_grams(n) for n in (1, 2, 5, 6, 7)] == [1, 1, 3, 3, 4]


def test_owner_is_indexed_on_vehicle_records() -> None:
    doc = to_document(
        make(
            Source.VAHAN,
            "MH12AB1234#1",
            Kind.VEHICLE_REGISTRATION,
            people=(Person(role=PersonRole.OWNER, name="LAXMI DEVI"),),
        )
    )
    assert name_keys("LAXMI DEVI") <= doc.name_keys

"""The canonical model every other package speaks: one `Record` per source row."""

from records.model import (
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
    Source,
    Vehicle,
    make_record_id,
    split_record_id,
)

__all__ = [
    "Gender",
    "IdType",
    "Identifier",
    "Kind",
    "Person",
    "PersonRole",
    "Provenance",
    "Record",
    "Relation",
    "Sensitivity",
    "Source",
    "Vehicle",
    "make_record_id",
    "split_record_id",
]

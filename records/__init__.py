"""The canonical model every other package speaks: one `Record` per source row."""

from records.model import (
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
    Source,
    Vehicle,
    make_record_id,
    split_record_id,
)

__all__ = [
    "DataIssue",
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

"""One row → one record, as the contract's "Bad records" rule says (sources/README.md).

    repair damaged text → map (each unreadable field withheld, listed in `data_issues`)
    → a damaged record that identifies nothing is refused (`MappingError`: quarantine alone)

The sync engine, quarantine replay and the live Vahan/Sarathi look-ups all read rows here, so a
row reads the same whichever way it arrived.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from connectors.base import Connector, Mapped, Row
from connectors.errors import MappingError
from connectors.text import repair_text
from records import DataIssue, Kind, PersonRole, Record


def read_row(connector: Connector, row: Row, fetched_at: datetime) -> Mapped:
    """Map one Aadhaar-free row; `MappingError` when it cannot be indexed at all."""
    if row.problem:
        raise MappingError(row.problem)
    data, repaired = repair_text(row.data)
    clean = Row(data, row.collection, None, row.version_hint, (*row.issues, *repaired))
    try:
        mapped = connector.map_row(clean, fetched_at)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "record"
        raise MappingError(f"invalid {where}: {first['msg']}") from None
    except (TypeError, AttributeError, ValueError, KeyError) as exc:
        # a field of an unexpected JSON type deep inside the row: still only this row's problem
        raise MappingError(f"malformed row ({type(exc).__name__}: {exc})") from None
    if not isinstance(mapped, Record):
        return mapped
    issues = tuple(dict.fromkeys((*clean.issues, *mapped.data_issues)))
    if issues and not identifies(mapped):
        raise MappingError(f"nothing readable identifies it ({describe(issues)})")
    if issues != mapped.data_issues:
        mapped = mapped.model_copy(update={"data_issues": issues})
    return mapped


def identifies(record: Record) -> bool:
    """Whether a record still names someone or something: a name, an identifier, a vehicle
    number; or it is a found-person report, which the contract allows to have no name (the
    report itself describes the person found)."""
    if record.identifiers:
        return True
    vehicle = record.vehicle
    if vehicle is not None and (vehicle.registration_no or vehicle.chassis_no or vehicle.engine_no):
        return True
    if record.kind is Kind.FOUND_PERSON:
        return True
    # a reporting guardian's name identifies the report too, though the child is its subject
    return any(
        person.names for person in record.people if person.role is not PersonRole.COMPLAINANT
    )


def describe(issues: tuple[DataIssue, ...]) -> str:
    """`FIR_DATE: unparseable date, withheld; …` — the quarantine reason of a damaged record."""
    return "; ".join(f"{i.field}: {i.reason}" for i in issues)

"""Malformed records, as the contracts say sources send them: unparseable dates, missing required
fields, impossible ages, wrong encodings (bytes lost, or UTF-8 read as Windows-1252 or Latin-1:
mojibake), values outside an enumeration, and rows without their id.

A corrupted record is an extra record with its own id (never a person's only record), so the set
of good records is the same whatever the fault profile, and the ground truth can list exactly
which ids are damaged and why. Reasons are `kind:field`, e.g. `bad_date:dob`.

What a correct connector does with each (sources/README.md, "Bad records") is `expectation`:
`indexed` (with what can be read, and data issues) when the row keeps its id and a name or an
identifier; `quarantined` (alone) when it has no id (`missing_id`) or nothing that identifies
anyone (a missing-person report without a name).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from simulators.world.recs import Rec

Body = dict[str, Any]


def _garble(text: str | None) -> str:
    """Text as a system that decoded UTF-8 bytes wrongly and kept them as lone surrogates."""
    base = text or "RAMESH"
    return base[:2] + "\udcc3\udca9" + base[2:]


def _set(field: str, value: Any) -> Callable[[Body], None]:
    def apply(body: Body) -> None:
        body[field] = value

    return apply


def _drop(*fields: str) -> Callable[[Body], None]:
    def apply(body: Body) -> None:
        for f in fields:
            body.pop(f, None)

    return apply


def _nulls(*fields: str) -> Callable[[Body], None]:
    def apply(body: Body) -> None:
        for f in fields:
            body[f] = None

    return apply


def _garble_field(field: str) -> Callable[[Body], None]:
    def apply(body: Body) -> None:
        body[field] = _garble(body.get(field))

    return apply


# Windows-1252 leaves five bytes undefined; systems that read UTF-8 as cp1252 pass them through
# as the Latin-1 character of the same value ("sloppy" cp1252), which is what mojibake holds.
def _as_cp1252(data: bytes) -> str:
    out = []
    for b in data:
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(chr(b))
    return "".join(out)


def mojibake(text: str, codec: str = "cp1252", times: int = 1) -> str:
    """UTF-8 bytes read as `codec` (and written out again as UTF-8), `times` over."""
    for _ in range(times):
        data = text.encode("utf-8")
        text = _as_cp1252(data) if codec == "cp1252" else data.decode("latin-1")
    return text


def _mojibake_field(*fields: str) -> Callable[[Body], None]:
    """The first of `fields` that holds non-ASCII text, read wrongly (UTF-8 as cp1252 or
    Latin-1, once or twice); when none does, the last field (an address) gets a dash first,
    so that the damage shows (ASCII text reads the same in every one of these encodings)."""

    def apply(body: Body) -> None:
        field = next(
            (f for f in fields if isinstance(body.get(f), str) and not body[f].isascii()),
            fields[-1],
        )
        text = body.get(field)
        if not isinstance(text, str) or text.isascii():
            text = f"{text or 'NEAR BUS STAND'} – WARD 4"
        seed = sum(map(ord, text))
        codec = "cp1252" if seed % 3 else "latin-1"
        body[field] = mojibake(text, codec, times=2 if seed % 5 == 0 else 1)

    return apply


def _garble_suspect(body: Body) -> None:
    if body.get("suspects"):
        body["suspects"][0]["name"] = _garble(body["suspects"][0].get("name") or "Rahul")


def _alis_latin1(body: Body) -> None:
    # The CSV writer encodes this row's text as cp1252 instead of UTF-8.
    body["holder_name"] = body["holder_name"] + " Sémwal"
    body["__encoding__"] = "cp1252"


# source/collection → [(reason, how)]
_CORRUPTIONS: dict[str, list[tuple[str, Callable[[Body], None]]]] = {
    "cctns/persons": [
        ("bad_date:FIR_DATE", _set("FIR_DATE", "31/02/2024")),
        ("missing_field:ACCUSED_NAME", _nulls("ACCUSED_NAME", "NAME_LOCAL")),
        ("impossible_age:AGE", _set("AGE", 214)),
        ("bad_encoding:ACCUSED_NAME", _garble_field("ACCUSED_NAME")),
        ("missing_field:LAST_UPDATED", _drop("LAST_UPDATED")),
        ("mojibake:NAME_LOCAL", _mojibake_field("NAME_LOCAL", "ADDRESS")),
        ("unknown_enum:ACCUSED_STATUS", _set("ACCUSED_STATUS", "BAILED OUT")),
        ("missing_id:PERSON_ID", _drop("PERSON_ID")),
    ],
    "cctns/vehicles": [
        ("bad_date:FIR_DATE", _set("FIR_DATE", "2024-13-45")),
        ("missing_field:LAST_UPDATED", _drop("LAST_UPDATED")),
        ("bad_encoding:MAKE_MODEL", _garble_field("MAKE_MODEL")),
        ("mojibake:MAKE_MODEL", _mojibake_field("MAKE_MODEL")),
        ("unknown_enum:VEHICLE_STATUS", _set("VEHICLE_STATUS", "THEFT")),
        ("missing_id:VEHICLE_REPORT_ID", _drop("VEHICLE_REPORT_ID")),
    ],
    "cctns/missing-persons": [
        ("missing_field:NAME", _nulls("NAME", "NAME_LOCAL")),
        ("bad_date:REPORT_DATE", _set("REPORT_DATE", "00/00/0000")),
        ("impossible_age:AGE_FROM", _set("AGE_FROM", 190)),
        ("mojibake:NAME_LOCAL", _mojibake_field("NAME_LOCAL", "ADDRESS")),
        ("unknown_enum:CASE_STATUS", _set("CASE_STATUS", "UNTRACED")),
    ],
    "cctns/unidentified-persons": [
        ("bad_date:FOUND_DATE", _set("FOUND_DATE", "32/13/2023")),
        ("missing_field:LAST_UPDATED", _drop("LAST_UPDATED")),
        ("unknown_enum:GENDER", _set("GENDER", "U")),
    ],
    "eprisons/inmates": [
        ("bad_date:dateOfAdmission", _set("dateOfAdmission", "2023-02-30")),
        ("missing_field:name", _drop("name", "nameLocal")),
        ("impossible_age:age", _set("age", 170)),
        ("bad_encoding:name", _garble_field("name")),
        ("missing_field:updatedAt", _drop("updatedAt")),
        ("mojibake:nameLocal", _mojibake_field("nameLocal", "fatherName")),
        ("unknown_enum:category", _set("category", "REMAND")),
    ],
    "vahan/rc": [
        ("missing_field:rc_owner_name", _drop("rc_owner_name")),
        ("bad_date:rc_regn_dt", _set("rc_regn_dt", "31-Feb-2019")),
        ("bad_encoding:rc_owner_name", _garble_field("rc_owner_name")),
        ("missing_field:rc_modified_on", _drop("rc_modified_on")),
        ("mojibake:rc_present_address", _mojibake_field("rc_present_address")),
        ("unknown_enum:rc_status", _set("rc_status", "DEREGISTERED")),
        ("missing_id:rc_regn_no", _drop("rc_regn_no")),
    ],
    "sarathi/licences": [
        ("bad_date:dob", _set("dob", "1988-13-40")),
        ("missing_field:holderName", _nulls("holderName", "holderNameLocal")),
        ("impossible_age:dob", _set("dob", "2031-01-01")),
        ("bad_encoding:holderName", _garble_field("holderName")),
        ("missing_field:updatedAt", _drop("updatedAt")),
        ("mojibake:holderNameLocal", _mojibake_field("holderNameLocal", "permAddress")),
        ("unknown_enum:status", _set("status", "DISQUALIFIED")),
        ("missing_id:dlNo", _drop("dlNo")),
    ],
    "alis": [
        ("bad_date:dob", _set("dob", "31/02/1970")),
        ("missing_field:holder_name", _set("holder_name", "")),
        ("impossible_age:dob", _set("dob", "01/01/1890")),
        ("bad_encoding:holder_name", _alis_latin1),
        ("mojibake:address", _mojibake_field("address")),
        ("unknown_enum:status", _set("status", "RENEWAL PENDING")),
        ("missing_id:licence_no", _set("licence_no", "")),
    ],
    "ncrp/complaints": [
        ("bad_date:complaint_date", _set("complaint_date", "29-04-2024 18:22")),
        ("missing_field:updated_at", _drop("updated_at")),
        ("bad_encoding:suspects.name", _garble_suspect),
        ("mojibake:district", _mojibake_field("district")),
        ("unknown_enum:state", _set("state", "Bharat")),
        ("missing_id:acknowledgement_no", _drop("acknowledgement_no")),
    ],
    "ivfrt/foreigners": [
        ("bad_date:DateOfBirth", _set("DateOfBirth", "1991-02-30")),
        ("missing_field:ChangedOn", _drop("ChangedOn")),
        ("missing_field:Surname", _drop("Surname", "GivenName")),
        ("impossible_age:DateOfBirth", _set("DateOfBirth", "1850-01-01")),
        ("mojibake:AddressInIndia", _mojibake_field("AddressInIndia")),
        ("unknown_enum:Status", _set("Status", "ABSCONDING")),
        ("missing_id:RegistrationNo", _drop("RegistrationNo")),
    ],
    "khoyapaya/reports": [
        ("bad_date:event_date", _set("event_date", "2024-02-31")),
        ("missing_field:updated_at", _drop("updated_at")),
        ("impossible_age:age_years", _set("age_years", -3)),
        ("bad_encoding:child_name", _garble_field("child_name")),
        ("missing_field:child_name", _nulls("child_name", "child_name_local")),
        ("mojibake:child_name_local", _mojibake_field("child_name_local", "last_seen_place")),
        ("unknown_enum:status", _set("status", "CLOSED")),
        ("missing_id:report_id", _drop("report_id")),
    ],
}

# Damage after which nothing identifies the record: no id, or a CCTNS missing-person report
# without a name (it carries no identifier; its relative's name is a relation, not a person of
# the record). Everything else keeps a readable id and a name or identifier (a missing child's
# report still names the guardian and their phone), so the contract wants it indexed.
_ALONE = {("cctns/missing-persons", "missing_field:NAME")}


def expectation(table: str, reason: str) -> str:
    """`quarantined` (alone, not indexed) or `indexed` (with data issues): what the contract
    asks a connector to do with a record of `table` spoilt for `reason`."""
    if reason.startswith("missing_id:") or (table, reason) in _ALONE:
        return "quarantined"
    return "indexed"


def reasons(rec: Rec) -> list[str]:
    """The ways a record of this source and collection can be spoilt."""
    return [reason for reason, _ in _CORRUPTIONS[table_key(rec)]]


def table_key(rec: Rec) -> str:
    return "alis" if rec.source == "alis" else f"{rec.source}/{rec.coll}"


def corrupt(rec: Rec, rng: random.Random, reason: str | None = None) -> Rec:
    """Make `rec` a bad record in one of the ways its source goes wrong (`reason` to choose
    which); sets `rec.bad`."""
    table = _CORRUPTIONS[table_key(rec)]
    reason, how = next(item for item in table if item[0] == reason) if reason else rng.choice(table)
    how(rec.body)
    rec.bad = reason
    rec.matches = []
    return rec

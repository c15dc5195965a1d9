"""Malformed records, as the contracts say sources send them: unparseable dates, missing required
fields, impossible ages, wrong encodings.

A corrupted record is an extra record with its own id (never a person's only record), so the set
of good records is the same whatever the fault profile, and the ground truth can list exactly
which ids a connector must quarantine and why. Reasons are `kind:field`, e.g. `bad_date:dob`.
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
    ],
    "cctns/vehicles": [
        ("bad_date:FIR_DATE", _set("FIR_DATE", "2024-13-45")),
        ("missing_field:LAST_UPDATED", _drop("LAST_UPDATED")),
    ],
    "cctns/missing-persons": [
        ("missing_field:NAME", _nulls("NAME", "NAME_LOCAL")),
        ("bad_date:REPORT_DATE", _set("REPORT_DATE", "00/00/0000")),
        ("impossible_age:AGE_FROM", _set("AGE_FROM", 190)),
    ],
    "cctns/unidentified-persons": [
        ("bad_date:FOUND_DATE", _set("FOUND_DATE", "32/13/2023")),
        ("missing_field:LAST_UPDATED", _drop("LAST_UPDATED")),
    ],
    "eprisons/inmates": [
        ("bad_date:dateOfAdmission", _set("dateOfAdmission", "2023-02-30")),
        ("missing_field:name", _drop("name", "nameLocal")),
        ("impossible_age:age", _set("age", 170)),
        ("bad_encoding:name", _garble_field("name")),
        ("missing_field:updatedAt", _drop("updatedAt")),
    ],
    "vahan/rc": [
        ("missing_field:rc_owner_name", _drop("rc_owner_name")),
        ("bad_date:rc_regn_dt", _set("rc_regn_dt", "31-Feb-2019")),
        ("bad_encoding:rc_owner_name", _garble_field("rc_owner_name")),
        ("missing_field:rc_modified_on", _drop("rc_modified_on")),
    ],
    "sarathi/licences": [
        ("bad_date:dob", _set("dob", "1988-13-40")),
        ("missing_field:holderName", _nulls("holderName", "holderNameLocal")),
        ("impossible_age:dob", _set("dob", "2031-01-01")),
        ("bad_encoding:holderName", _garble_field("holderName")),
        ("missing_field:updatedAt", _drop("updatedAt")),
    ],
    "alis": [
        ("bad_date:dob", _set("dob", "31/02/1970")),
        ("missing_field:holder_name", _set("holder_name", "")),
        ("impossible_age:dob", _set("dob", "01/01/1890")),
        ("bad_encoding:holder_name", _alis_latin1),
    ],
    "ncrp/complaints": [
        ("bad_date:complaint_date", _set("complaint_date", "29-04-2024 18:22")),
        ("missing_field:updated_at", _drop("updated_at")),
        ("bad_encoding:suspects.name", _garble_suspect),
    ],
    "ivfrt/foreigners": [
        ("bad_date:DateOfBirth", _set("DateOfBirth", "1991-02-30")),
        ("missing_field:ChangedOn", _drop("ChangedOn")),
        ("missing_field:Surname", _drop("Surname", "GivenName")),
        ("impossible_age:DateOfBirth", _set("DateOfBirth", "1850-01-01")),
    ],
    "khoyapaya/reports": [
        ("bad_date:event_date", _set("event_date", "2024-02-31")),
        ("missing_field:updated_at", _drop("updated_at")),
        ("impossible_age:age_years", _set("age_years", -3)),
        ("bad_encoding:child_name", _garble_field("child_name")),
    ],
}


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

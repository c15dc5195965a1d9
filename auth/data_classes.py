"""Every field of every record, classified: redaction is by what a value *is*, not where it sits.

A phone number is a `phone` whether it is in a person's `phones` or in the record's
`identifiers`; an address is an `address` in `people[].address` and in Vahan's
`attributes.permanent_address`. The policy grants data classes (in field groups), and
`auth.policy.Policy.redact` withholds every value whose class is not granted, so no alias field
can carry what another withholds.

- `PERSON_CLASSES`: each person field's class; every field of a complainant (a victim) is
  `victim` instead, whatever it is.
- `RECORD_CLASSES`: each record field's class (`identifiers` and `attributes` are per item).
- `IDENTIFIER_CLASSES`: each identifier type's class.
- `ATTRIBUTE_CLASSES`: the source-specific attributes the connectors write. An attribute not
  listed is `details` (shown only with the `details` group); `tests/security` checks that every
  attribute the connectors produce is listed, so a new one is classified on purpose.
"""

from __future__ import annotations

import re
from enum import StrEnum

from records import IdType, PersonRole


class DataClass(StrEnum):
    IDENTITY = "identity"  # names, relation, gender, age, nationality
    BIRTH_DATE = "birth_date"
    ADDRESS = "address"
    PHONE = "phone"
    EMAIL = "email"
    IDENTITY_NUMBER = "identity_number"  # DL, passport, prisoner number, arms licence, visa, LOC
    FINANCIAL = "financial"  # bank accounts, UPI ids, IFSC, amounts
    ONLINE = "online"  # URLs
    VEHICLE = "vehicle"  # registration, chassis, engine, make, colour
    VEHICLE_STATUS = "vehicle_status"  # blacklist, NOC, theft flags of a vehicle
    CASE = "case"  # FIR numbers, sections, prison, custody
    STATUS = "status"  # the record's status and dates, labels, provenance
    LOCATION = "location"  # state, district, police station
    DESCRIPTION = "description"  # marks, complexion, height, clothing, photo of a person
    VICTIM = "victim"  # anything about a complainant or victim
    DETAILS = "details"  # other source-specific attributes


PERSON_CLASSES: dict[str, DataClass] = {
    "role": DataClass.IDENTITY,
    "name": DataClass.IDENTITY,
    "name_local": DataClass.IDENTITY,
    "aliases": DataClass.IDENTITY,
    "relative_name": DataClass.IDENTITY,
    "relation": DataClass.IDENTITY,
    "gender": DataClass.IDENTITY,
    "birth_date": DataClass.BIRTH_DATE,
    "birth_year": DataClass.IDENTITY,
    "age_from": DataClass.IDENTITY,
    "age_to": DataClass.IDENTITY,
    "age_on": DataClass.IDENTITY,
    "address": DataClass.ADDRESS,
    "phones": DataClass.PHONE,
    "emails": DataClass.EMAIL,
    "nationality": DataClass.IDENTITY,
}
# A person in one of these roles is a victim: every field of theirs is `victim`.
VICTIM_ROLES = frozenset({PersonRole.COMPLAINANT})

RECORD_CLASSES: dict[str, DataClass] = {
    "status": DataClass.STATUS,
    "state": DataClass.LOCATION,
    "district": DataClass.LOCATION,
    "police_station": DataClass.LOCATION,
    "event_date": DataClass.STATUS,
    "vehicle": DataClass.VEHICLE,
    "sensitivity": DataClass.STATUS,
    "provenance": DataClass.STATUS,
}

# Record fields shown to whoever may see the record, by design rather than by class: the names
# and reasons of a damaged record's unreadable fields (never their values).
UNREDACTED_FIELDS = frozenset({"data_issues"})

IDENTIFIER_CLASSES: dict[IdType, DataClass] = {
    IdType.REGISTRATION: DataClass.VEHICLE,
    IdType.CHASSIS: DataClass.VEHICLE,
    IdType.ENGINE: DataClass.VEHICLE,
    IdType.DRIVING_LICENCE: DataClass.IDENTITY_NUMBER,
    IdType.PASSPORT: DataClass.IDENTITY_NUMBER,
    IdType.FIR: DataClass.CASE,
    IdType.MOBILE: DataClass.PHONE,
    IdType.UPI: DataClass.FINANCIAL,
    IdType.BANK_ACCOUNT: DataClass.FINANCIAL,
    IdType.EMAIL: DataClass.EMAIL,
    IdType.URL: DataClass.ONLINE,
    IdType.ARMS_LICENCE: DataClass.IDENTITY_NUMBER,
    IdType.PRISONER: DataClass.IDENTITY_NUMBER,
    IdType.VISA: DataClass.IDENTITY_NUMBER,
    IdType.LOC: DataClass.CASE,
}

ATTRIBUTE_CLASSES: dict[str, DataClass] = {
    # CCTNS
    "fir_reg_num": DataClass.CASE,
    "ps_name": DataClass.LOCATION,
    "act_section": DataClass.CASE,
    "proclaimed_offender": DataClass.STATUS,
    "sensitive_case": DataClass.STATUS,
    "reg_no_as_written": DataClass.VEHICLE,
    "last_seen_place": DataClass.LOCATION,
    "found_place": DataClass.LOCATION,
    "complexion": DataClass.DESCRIPTION,
    "identification_marks": DataClass.DESCRIPTION,
    "height_cm": DataClass.DESCRIPTION,
    "report_date": DataClass.STATUS,
    "dead_body": DataClass.STATUS,
    # e-Prisons
    "prison": DataClass.CASE,
    "category": DataClass.STATUS,  # e-Prisons: UNDERTRIAL/CONVICT; NCRP: the complaint's kind
    "release_date": DataClass.STATUS,
    "release_type": DataClass.STATUS,
    "parole_until": DataClass.STATUS,
    "cases": DataClass.CASE,
    # Vahan
    "blacklist_status": DataClass.VEHICLE_STATUS,
    "noc_details": DataClass.VEHICLE_STATUS,
    "fuel": DataClass.VEHICLE,
    "rto_cd": DataClass.LOCATION,
    "regn_no_as_written": DataClass.VEHICLE,
    "permanent_address": DataClass.ADDRESS,
    # Sarathi
    "cov": DataClass.DETAILS,
    "valid_non_transport": DataClass.STATUS,
    "valid_transport": DataClass.STATUS,
    "rto_code": DataClass.LOCATION,
    "blood_group": DataClass.DESCRIPTION,
    "temp_address": DataClass.ADDRESS,
    "dl_no_as_written": DataClass.IDENTITY_NUMBER,
    # ALIS
    "weapon_type": DataClass.DETAILS,
    "weapon_no": DataClass.IDENTITY_NUMBER,
    "issuing_authority": DataClass.DETAILS,
    "valid_upto": DataClass.STATUS,
    "file": DataClass.STATUS,
    "row": DataClass.STATUS,
    # NCRP
    "sub_category": DataClass.STATUS,
    "amount_lost": DataClass.FINANCIAL,
    "fir_number": DataClass.CASE,
    "state_name": DataClass.LOCATION,
    "ifsc": DataClass.FINANCIAL,
    # IVFRT
    "given_name": DataClass.IDENTITY,
    "surname": DataClass.IDENTITY,
    "passport_expiry": DataClass.IDENTITY_NUMBER,
    "passport_issue_country": DataClass.IDENTITY,
    "visa_type": DataClass.IDENTITY_NUMBER,
    "visa_valid_until": DataClass.STATUS,
    "port_of_entry": DataClass.LOCATION,
    "overstay": DataClass.STATUS,
    "loc_issued": DataClass.CASE,
    "loc_issued_by": DataClass.CASE,
    # KhoyaPaya
    "report_type": DataClass.STATUS,
    "guardian_relation": DataClass.IDENTITY,
    "clothing": DataClass.DESCRIPTION,
    "identifying_marks": DataClass.DESCRIPTION,
    "languages_spoken": DataClass.DESCRIPTION,
    "photo_url": DataClass.DESCRIPTION,
}


# An attribute no connector was written for (a source added a field) is classified by its name
# and then by what it holds, most private first: a new `complainant_mobile` is a victim's, a
# new `alt_phone` a phone, a value shaped like a mobile number or an e-mail address is one.
_KEY_HINTS: tuple[tuple[DataClass, tuple[str, ...]], ...] = (
    (DataClass.VICTIM, ("complainant", "victim", "survivor")),
    (DataClass.PHONE, ("phone", "mobile", "msisdn")),
    (DataClass.EMAIL, ("email", "e_mail", "mail_id")),
    (DataClass.ADDRESS, ("address", "addr", "residence", "pincode")),
    (DataClass.BIRTH_DATE, ("birth", "dob")),
    (DataClass.FINANCIAL, ("account", "upi", "ifsc", "card")),
    (DataClass.IDENTITY_NUMBER, ("aadhaar", "aadhar", "passport", "pan_no", "voter")),
)
_CONTACT_HINTS = ("phone", "mobile", "email", "address", "addr")
_MOBILE = re.compile(r"^(?:\+?91[\s-]?|0)?[6-9]\d{4}[\s-]?\d{5}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def attribute_class(key: str, value: object = None) -> DataClass:
    """The class of a source-specific attribute: the table's, else from its name, else from
    its value; `details` when nothing says more."""
    known = ATTRIBUTE_CLASSES.get(key.lower())
    if known is not None:
        return known
    lowered = key.lower()
    for cls, hints in _KEY_HINTS:
        if any(h in lowered for h in hints):
            return cls
    if isinstance(value, str):
        text = value.strip()
        if _MOBILE.match(text):
            return DataClass.PHONE
        if _EMAIL.match(text):
            return DataClass.EMAIL
    return DataClass.DETAILS


def is_contact_attribute(key: str) -> bool:
    """An attribute whose name says it is a way to reach someone (for the protection of
    complainants' and children's contact details)."""
    lowered = key.lower()
    return any(h in lowered for h in _CONTACT_HINTS)


def person_class(field: str, role: PersonRole) -> DataClass:
    if role in VICTIM_ROLES:
        return DataClass.VICTIM
    return PERSON_CLASSES[field]


KNOWN = frozenset(c.value for c in DataClass)

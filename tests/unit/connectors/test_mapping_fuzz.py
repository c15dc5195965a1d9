"""Whatever a source sends in its fields, mapping gives a record or a `MappingError` (a row for
the quarantine): never another exception that would stop a sync."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.base import Row
from connectors.engine import map_one
from connectors.errors import MappingError
from connectors.registry import mapping_connector

FIELDS = {
    "cctns": [
        "PERSON_ID",
        "VEHICLE_REPORT_ID",
        "REPORT_ID",
        "LAST_UPDATED",
        "ACCUSED_NAME",
        "NAME_LOCAL",
        "ALIAS_NAMES",
        "FIR_DATE",
        "AGE",
        "YOB",
        "GENDER",
        "RELATION_TYPE",
        "SENSITIVE_CASE",
        "STATE_CD",
        "REG_NO",
        "CHASSIS_NO",
        "AGE_FROM",
        "AGE_TO",
        "RECORD_STATUS",
        "IS_DEAD_BODY",
        "HEIGHT_CM",
    ],
    "eprisons": [
        "prisonerId",
        "updatedAt",
        "name",
        "gender",
        "age",
        "prison",
        "cases",
        "dateOfAdmission",
        "releaseDate",
    ],
    "vahan": [
        "rc_regn_no",
        "rc_owner_sr",
        "rc_owner_name",
        "rc_modified_on",
        "rc_regn_dt",
        "rc_mobile_no",
        "state_cd",
    ],
    "sarathi": ["dlNo", "holderName", "updatedAt", "dob", "validity", "cov", "gender"],
    "alis": ["licence_no", "holder_name", "dob", "state", "issue_date"],
    "ncrp": [
        "acknowledgement_no",
        "updated_at",
        "state",
        "suspects",
        "complainant",
        "amount_lost",
        "complaint_date",
    ],
    "ivfrt": [
        "RegistrationNo",
        "ChangedOn",
        "GivenName",
        "Surname",
        "Passport",
        "Visa",
        "LookOutCircular",
        "Sex",
        "DateOfBirth",
    ],
    "khoyapaya": [
        "report_id",
        "updated_at",
        "report_type",
        "child_name",
        "age_years",
        "age_estimate",
        "guardian_relation",
        "event_date",
        "state",
    ],
}
COLLECTIONS = {"cctns": ["persons", "vehicles", "missing-persons", "unidentified-persons", None]}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "2024-05-01T10:00:00+05:30",
            "2024-05-01",
            "14/03/2024",
            "Y",
            "M",
            "S/O",
            "MH",
            "MH12AB1234",
            "1714546800",
            "6-8",
            "Karnataka",
            "MISSING",
        ]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_mapping_never_raises_anything_but_mapping_error(data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(sorted(FIELDS)))
    keys = data.draw(st.lists(st.sampled_from(FIELDS[source]), unique=True))
    row: dict[str, Any] = {k: data.draw(values) for k in keys}
    collection = data.draw(st.sampled_from(COLLECTIONS.get(source, [None])))
    hint = data.draw(st.none() | st.just(datetime(2024, 5, 2, tzinfo=UTC)))
    connector = mapping_connector(source)
    try:
        mapped = map_one(connector, Row(row, collection, None, hint), datetime.now(UTC))
    except MappingError:
        return
    assert mapped.record_id.startswith(f"{source}:")

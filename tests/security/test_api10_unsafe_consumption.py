"""API10 (unsafe consumption of APIs): what the national systems send is data to be judged, not
trusted.

- a source's fields are classified; one the table does not name is classified by its name, then
  by its value (a source that starts sending `complainant_mobile` or a new field holding a
  mobile number does not publish it), else withheld from callers not granted `details`;
- the sensitivity of a case is read from its content, whichever source sends it and under
  whatever field name the classifier lists (`records/offences.toml`), not from one source's flag;
- text from a source is escaped wherever it is logged or audited (see test_api8 and
  test_audit_every_request for requests; here a record's values in the audit's record ids).
"""

from __future__ import annotations

from pathlib import Path

from config import SearchSettings
from indexer import open_backend
from records import Identifier, IdType, Kind, Person, PersonRole, Sensitivity, Source
from tests.plugins.api import api_settings_for, fill, start_api
from tests.plugins.backends import make

SEARCH = {"name": "Imran Qureshi", "purpose": "upstream data check"}


def test_unclassified_and_relabelled_upstream_fields(tmp_path: Path) -> None:
    upstream = [
        make(
            Source.NCRP,
            "31505240099999",
            Kind.CYBER_COMPLAINT,
            state="KA",
            people=(
                Person(role=PersonRole.SUSPECT, name="IMRAN QURESHI"),
                Person(role=PersonRole.COMPLAINANT, name="ANJALI MENON"),
            ),
            identifiers=(Identifier(type=IdType.UPI, value="imran.q@oksbi"),),
            attributes={
                "complainant_mobile": "+919811223344",  # fields no classification names
                "alt_contact": "9822334455",
                "sub_category": "Sexually Explicit Act",
            },
        ),
        make(
            Source.EPRISONS,
            "KA/PARAPPANA/2024/000042",
            Kind.INMATE,
            state="KA",
            people=(Person(name="IMRAN QURESHI"),),
            attributes={"offence_sections": "POCSO 8"},  # not the contract's field name
        ),
    ]
    backend = open_backend(SearchSettings(backend="embedded", path=tmp_path / "icjs.db"))
    fill(backend, upstream)
    stored = {r.record_id: r for r in backend.get([r.record_id for r in upstream])}
    assert all(Sensitivity.SEXUAL_OFFENCE in r.sensitivity for r in stored.values())
    with start_api(api_settings_for(tmp_path), backend) as api:
        for token in (
            api.officer(state="KA"),  # home, but not cleared: neither record
            api.partner(agency="CBI"),
        ):
            response = api.post("/v1/persons/search", token, json=SEARCH)
            assert response.status_code == 200
            assert "ncrp:" not in response.text and "eprisons:" not in response.text
        cleared_away = api.officer(state="MH", clearances=["sensitive"])
        text = api.post("/v1/persons/search", cleared_away, json=SEARCH).text
        assert "ncrp:31505240099999" in text
        assert "+919811223344" not in text and "ANJALI" not in text
        assert "9822334455" not in text  # a phone by its value: not shown away from home
        cleared_home = api.officer(state="KA", clearances=["sensitive"])
        text = api.post("/v1/persons/search", cleared_home, json=SEARCH).text
        assert "ANJALI MENON" in text  # the investigating officer knows the victim's name
        assert "9822334455" in text  # and sees a phone at home
        assert "+919811223344" not in text  # but never a victim's contact details
    backend.close()

"""The default policy, role by role: visibility (pushed into queries) and field redaction."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from auth.errors import AuthConfigError
from auth.policy import UNKNOWN_ROUTE_SCOPE, HiddenLabel, Policy
from auth.principal import Caller, Role
from records import (
    Identifier,
    IdType,
    Kind,
    Person,
    PersonRole,
    Provenance,
    Record,
    Sensitivity,
    Source,
    Vehicle,
)

POLICY = Policy.load()
NOW = datetime(2026, 1, 1, tzinfo=UTC)
IDENTITY_PERSON_FIELDS = {
    "role",
    "name",
    "name_local",
    "aliases",
    "relative_name",
    "relation",
    "gender",
    "birth_year",
    "age_from",
    "age_to",
    "age_on",
    "nationality",
}
STATUS_AND_IDENTITY_KEYS = {
    "record_id",
    "source",
    "kind",
    "status",
    "state",
    "district",
    "police_station",
    "event_date",
    "identifiers",
    "vehicle",
    "sensitivity",
    "provenance",
    "people",
    "attributes",
}


def record(
    source: Source = Source.CCTNS,
    kind: Kind = Kind.ACCUSED,
    native: str = "1",
    state: str | None = "MH",
    sensitivity: frozenset[Sensitivity] = frozenset(),
    people: tuple[Person, ...] | None = None,
    **kw: Any,
) -> Record:
    if people is None:
        people = (
            Person(
                name="Ramesh Kumar",
                relative_name="Suresh",
                birth_date=date(1990, 5, 1),
                birth_year=1990,
                address="12 MG Road, Pune",
                phones=("+919800000001",),
            ),
        )
    return Record(
        record_id=f"{source.value}:{native}",
        source=source,
        kind=kind,
        status="ARRESTED",
        state=state,
        district="PUNE",
        police_station="PS01",
        people=people,
        sensitivity=sensitivity,
        provenance=Provenance(
            source=source, native_id=native, source_updated_at=NOW, fetched_at=NOW
        ),
        **kw,
    )


def officer(state: str = "MH", role: Role = Role.OFFICER, **kw: Any) -> Caller:
    return Caller(
        subject="o-1",
        role=role,
        scopes=POLICY.role_scopes(role),
        state=state,
        district="PUNE",
        **kw,
    )


def partner(**kw: Any) -> Caller:
    return Caller(subject="cbi-1", role=Role.PARTNER, scopes=POLICY.role_scopes(Role.PARTNER), **kw)


def withheld_fields(redacted: Any) -> dict[str, str]:
    return {w.field: w.reason for w in redacted.withheld}


# -- scopes ---------------------------------------------------------------------------------


def test_route_scopes_and_deny_by_default():
    assert POLICY.required_scope("persons.search") == "persons:search"
    assert POLICY.required_scope("noc.issue") == "noc:issue"
    assert POLICY.required_scope("audit.list") == "audit:read"
    assert POLICY.required_scope("something.new") == UNKNOWN_ROUTE_SCOPE
    for role in Role:
        assert UNKNOWN_ROUTE_SCOPE not in POLICY.role_scopes(role)


@pytest.mark.parametrize(
    ("role", "allowed", "denied"),
    [
        (
            Role.OFFICER,
            {"persons:search", "vehicles:search", "persons:read"},
            {"noc:issue", "audit:read"},
        ),
        (Role.SUPERVISOR, {"persons:search", "audit:read"}, {"noc:issue", "admin"}),
        (Role.PARTNER, {"persons:search", "vehicles:search"}, {"audit:read", "noc:issue"}),
        (Role.NOC_SERVICE, {"noc:issue", "vehicles:search"}, {"persons:search", "persons:read"}),
        (Role.AUDITOR, {"audit:read"}, {"persons:search", "vehicles:search", "noc:issue"}),
    ],
)
def test_allows_per_role(role: Role, allowed: set[str], denied: set[str]):
    caller = Caller(subject="x", role=role, scopes=frozenset(allowed | denied))
    for scope in allowed:
        assert POLICY.allows(caller, scope), scope
    for scope in denied:
        decision = POLICY.allows(caller, scope)
        assert not decision and role.value in decision.reason, scope


def test_token_must_carry_the_scope_too():
    caller = Caller(subject="x", role=Role.OFFICER, scopes=frozenset({"vehicles:search"}))
    decision = POLICY.allows(caller, "persons:search")
    assert not decision and "token" in decision.reason


# -- visibility -----------------------------------------------------------------------------


def test_officer_visibility():
    v = POLICY.visibility(officer())
    assert v.sources is None and v.kinds is None and v.states is None
    # Hidden, and its existence disclosed as "restricted records".
    assert v.hidden == (HiddenLabel(Sensitivity.SEXUAL_OFFENCE, disclose=True),)
    assert POLICY.visibility(officer(clearances=frozenset({"sensitive"}))).hidden == ()


def test_supervisor_sees_sensitive_cases_in_own_state_only():
    v = POLICY.visibility(officer(role=Role.SUPERVISOR))
    assert v.hidden == (HiddenLabel(Sensitivity.SEXUAL_OFFENCE, frozenset({"MH"}), True),)
    sensitive_here = record(sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE}))
    sensitive_there = record(state="KA", sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE}))
    sup = officer(role=Role.SUPERVISOR)
    assert POLICY.admits(sup, sensitive_here)
    assert not POLICY.admits(sup, sensitive_there)
    assert not POLICY.admits(officer(), sensitive_here)
    assert POLICY.admits(officer(clearances=frozenset({"sensitive"})), sensitive_there)


def test_partner_sources_come_from_registration():
    assert POLICY.visibility(partner()).sources is None
    v = POLICY.visibility(partner(sources=frozenset({Source.CCTNS, Source.EPRISONS})))
    assert v.sources == {Source.CCTNS, Source.EPRISONS}
    assert not POLICY.admits(
        partner(sources=frozenset({Source.CCTNS})), record(source=Source.VAHAN)
    )
    assert v.hidden == (HiddenLabel(Sensitivity.SEXUAL_OFFENCE),)


def test_noc_service_sees_vehicle_records_only():
    noc = Caller(subject="noc", role=Role.NOC_SERVICE, scopes=POLICY.role_scopes(Role.NOC_SERVICE))
    v = POLICY.visibility(noc)
    assert v.sources == {Source.VAHAN, Source.CCTNS}
    assert v.kinds == {Kind.VEHICLE_REGISTRATION, Kind.VEHICLE_REPORT}
    assert not POLICY.admits(noc, record())  # a CCTNS accused record
    # Even if a client registration claimed more sources, the role caps them.
    wide = Caller(
        subject="noc", role=Role.NOC_SERVICE, scopes=frozenset(), sources=frozenset(Source)
    )
    assert POLICY.visibility(wide).sources == {Source.VAHAN, Source.CCTNS}


def test_auditor_sees_no_records():
    auditor = Caller(subject="a", role=Role.AUDITOR, scopes=POLICY.role_scopes(Role.AUDITOR))
    assert POLICY.visibility(auditor).nothing
    redacted = POLICY.redact(auditor, record())
    assert redacted.fields == {}
    assert "people" in withheld_fields(redacted)


# -- redaction ------------------------------------------------------------------------------


def test_officer_in_own_state_sees_full_detail():
    r = record(attributes={"act_section": "IPC 379", "fir_no": "12/2024"})
    redacted = POLICY.redact(officer(), r)
    person = redacted.fields["people"][0]
    assert person["phones"] == ["+919800000001"] and person["address"].startswith("12 MG")
    assert person["birth_date"] == "1990-05-01"
    assert redacted.fields["attributes"] == {"act_section": "IPC 379", "fir_no": "12/2024"}
    assert redacted.withheld == ()
    assert "raw" not in redacted.view


def test_officer_outside_own_state_gets_identity_and_status_only():
    r = record(
        attributes={"act_section": "IPC 379", "temp_address": "9 Lane, Pune", "cov": "LMV"},
        identifiers=(
            Identifier(type=IdType.FIR, value="MH/PS01/2024/12"),
            Identifier(type=IdType.MOBILE, value="+919800000001"),
        ),
    )
    redacted = POLICY.redact(officer(state="KA"), r)
    view = redacted.view
    assert set(view) <= STATUS_AND_IDENTITY_KEYS
    assert set(view["people"][0]) <= IDENTITY_PERSON_FIELDS
    assert view["people"][0]["name"] == "Ramesh Kumar"
    assert view["status"] == "ARRESTED"
    # The case (sections, FIR) is identity; an address is an address wherever it sits, and a
    # phone withheld from `phones` is withheld from `identifiers` too.
    assert view["attributes"] == {"act_section": "IPC 379"}
    assert view["identifiers"] == [{"type": "fir", "value": "MH/PS01/2024/12", "partial": False}]
    held = withheld_fields(redacted)
    assert set(held) == {
        "attributes.temp_address",
        "attributes.cov",
        "identifiers",
        "people.address",
        "people.phones",
        "people.birth_date",
    }
    assert all("outside your state (KA)" in reason for reason in held.values())
    # Counts and names, never contents.
    text = repr(redacted.withheld)
    assert "Lane" not in text and "9800" not in text


def test_complainant_contacts_never_shown():
    people = (
        Person(role=PersonRole.SUSPECT, name="Fraudster", phones=("+919811111111",)),
        Person(
            role=PersonRole.COMPLAINANT,
            name="Victim",
            phones=("+919822222222",),
            emails=("v@example.in",),
            address="Flat 3",
        ),
    )
    r = record(
        source=Source.NCRP,
        kind=Kind.CYBER_COMPLAINT,
        people=people,
        sensitivity=frozenset({Sensitivity.VICTIM}),
    )
    # Investigating officers (the complaint's state) see the victim's name, never contacts.
    for caller in (officer(), officer(role=Role.SUPERVISOR)):
        redacted = POLICY.redact(caller, r)
        suspect, complainant = redacted.fields["people"]
        assert suspect.get("phones") == ["+919811111111"], caller.role
        assert complainant == {"role": "complainant", "name": "Victim"}
        held = {(w.field, w.reason) for w in redacted.withheld}
        assert (
            "people.phones",
            "contact details of complainants and victims are never shown",
        ) in held
    # Anyone else sees no trace of the victim, even with every field group a partner can hold.
    for caller in (
        officer(state="KA"),
        officer(state="KA", role=Role.SUPERVISOR),
        partner(fields=frozenset({"contact", "identity", "status", "personal", "details"})),
        partner(),
    ):
        redacted = POLICY.redact(caller, r)
        (suspect,) = redacted.fields["people"]
        assert suspect["name"] == "Fraudster", caller
        assert "Victim" not in repr(redacted.as_dict()) and "9822" not in repr(redacted.as_dict())
        held = withheld_fields(redacted)
        assert "victim" in held["people"] and "jurisdiction" in held["people"]


def test_child_contacts_never_shown_but_guardian_reachable_in_state():
    people = (
        Person(role=PersonRole.MISSING, name="Child", phones=("+919833333333",), address="Home"),
        Person(role=PersonRole.GUARDIAN, name="Parent", phones=("+919844444444",)),
    )
    r = record(
        source=Source.KHOYAPAYA,
        kind=Kind.MISSING_PERSON,
        people=people,
        sensitivity=frozenset({Sensitivity.CHILD}),
    )
    child, guardian = POLICY.redact(officer(), r).fields["people"]
    assert "phones" not in child and "address" not in child
    assert guardian["phones"] == ["+919844444444"]


def test_partner_fields_from_registration():
    r = record(attributes={"act_section": "IPC 379", "cov": "LMV"})
    default = POLICY.redact(partner(), r)
    assert set(default.view) <= STATUS_AND_IDENTITY_KEYS
    assert "phones" not in default.fields["people"][0]
    assert default.fields["attributes"] == {"act_section": "IPC 379"}
    narrow = POLICY.redact(partner(fields=frozenset({"identity"})), r)
    assert "status" not in narrow.fields and "provenance" not in narrow.fields
    assert withheld_fields(narrow)["status"] == "not granted by your client registration"
    wide = POLICY.redact(partner(fields=frozenset({"identity", "status", "contact", "details"})), r)
    assert wide.fields["people"][0]["phones"] == ["+919800000001"]
    assert wide.fields["attributes"] == {"act_section": "IPC 379", "cov": "LMV"}


def test_noc_service_sees_no_person_data():
    r = record(
        source=Source.VAHAN,
        kind=Kind.VEHICLE_REGISTRATION,
        people=(Person(role=PersonRole.OWNER, name="Owner", phones=("+919855555555",)),),
        vehicle=Vehicle(registration_no="MH12AB1234", chassis_no="MA3ERLF1S00123456"),
        identifiers=(
            Identifier(type=IdType.REGISTRATION, value="MH12AB1234"),
            Identifier(type=IdType.MOBILE, value="+919855555555"),
        ),
        attributes={
            "blacklist_status": "BLACKLISTED-THEFT",
            "permanent_address": "X",
            "noc_details": "NOC to KA",
        },
    )
    noc = Caller(subject="noc", role=Role.NOC_SERVICE, scopes=POLICY.role_scopes(Role.NOC_SERVICE))
    redacted = POLICY.redact(noc, r)
    assert "people" not in redacted.fields
    assert redacted.fields["identifiers"] == [
        {"type": "registration", "value": "MH12AB1234", "partial": False}
    ]
    assert redacted.fields["attributes"] == {
        "blacklist_status": "BLACKLISTED-THEFT",
        "noc_details": "NOC to KA",
    }
    held = {w.field: w.count for w in redacted.withheld}
    assert held["people"] == 1 and held["identifiers"] == 1
    assert "attributes.permanent_address" in held
    assert "9855" not in repr(redacted.as_dict()["withheld"])


def test_redaction_never_leaks_beyond_policy_for_any_role():
    """Excessive data exposure: for every role, every visible key is one the policy grants."""
    r = record(
        attributes={"secret_note": "x"},
        identifiers=(Identifier(type=IdType.MOBILE, value="+919866666666"),),
    )
    for role in Role:
        caller = Caller(subject="x", role=role, scopes=POLICY.role_scopes(role), state="KA")
        view = POLICY.redact(caller, r).view
        for key in view:
            assert key in STATUS_AND_IDENTITY_KEYS | {"attributes"}, (role, key)
        if role is not Role.PARTNER:  # partner without registration fields: identity+status
            assert "attributes" not in view, role
        for person in view.get("people", []):
            assert set(person) <= IDENTITY_PERSON_FIELDS, role


# -- audit scope and loading ----------------------------------------------------------------


def test_audit_scope():
    assert POLICY.audit_scope(Caller(subject="a", role=Role.AUDITOR, scopes=frozenset())).everything
    sup = POLICY.audit_scope(officer(role=Role.SUPERVISOR))
    assert (sup.state, sup.district, sup.everything) == ("MH", "PUNE", False)
    assert POLICY.audit_scope(officer()).nothing
    assert POLICY.audit_scope(partner()).nothing


def test_policy_file_override_and_errors(tmp_path: Path):
    custom = tmp_path / "policy.toml"
    custom.write_text(
        '[routes]\n"persons.search" = "persons:search"\n[fields]\nidentity = ["identity"]\n'
        '[roles.officer]\nscopes = ["persons:search"]\nsources = ["cctns"]\nkinds = "*"\n'
        'home_fields = ["identity"]\n'
    )
    policy = Policy.load(custom)
    assert policy.visibility(officer()).sources == {Source.CCTNS}
    assert policy.role_scopes(Role.SUPERVISOR) == frozenset()  # unlisted role: nothing
    assert policy.required_scope("vehicles.search") == UNKNOWN_ROUTE_SCOPE
    view = policy.redact(officer(), record()).view
    assert view["people"] == [
        {"role": "subject", "name": "Ramesh Kumar", "relative_name": "Suresh", "birth_year": 1990}
    ]

    for text, words in [
        ("[roles.officer]\nscopes = 'x'\n", "expected a list"),
        ("[roles.wizard]\n", "unknown role"),
        ("[roles.officer]\nsources = ['myspace']\n", "myspace"),
        ("[roles.officer]\nhome_fields = ['nope']\n", "no field group"),
        ("[roles.officer]\ncolour = 'red'\n", "unknown key"),
        ("not toml [", "policy file"),
        ("[fields]\nidentity = ['people.phone']\n", "unknown data class"),
        ("[roles.officer]\nhome = 'village'\n", "police_station"),
        ("[roles.officer]\nprotected_contacts = ['everyone']\n", "complainant"),
    ]:
        custom.write_text(text)
        with pytest.raises(AuthConfigError, match=words):
            Policy.load(custom)
    with pytest.raises(AuthConfigError, match="policy file"):
        Policy.load(tmp_path / "missing.toml")


def test_registration_checks():
    POLICY.check_registration(Role.PARTNER, ["persons:search"], ["identity", "contact"])
    with pytest.raises(ValueError, match="audit:read"):
        POLICY.check_registration(Role.PARTNER, ["audit:read"], None)
    with pytest.raises(ValueError, match="vehicle_status"):
        POLICY.check_registration(Role.PARTNER, ["persons:search"], ["vehicle_status"])


# -- jurisdiction: state, district, police station ------------------------------------------


def _policy_with_home(home: str) -> Policy:
    data = tomllib.loads(resources.files("auth").joinpath("default_policy.toml").read_text("utf-8"))
    data["roles"]["officer"]["home"] = home
    return Policy.from_mapping(data)


@pytest.mark.parametrize(
    ("home", "district", "station", "full"),
    [
        ("state", "MUMBAI", "PS99", True),
        ("district", "PUNE", "PS99", True),
        ("district", "Pune ", "PS99", True),  # names compare without case and spacing
        ("district", "MUMBAI", "PS01", False),
        ("police_station", "PUNE", "PS01", True),
        ("police_station", "PUNE", "PS99", False),
        ("police_station", "MUMBAI", "PS01", False),
    ],
)
def test_home_can_be_a_district_or_a_police_station(
    home: str, district: str, station: str, full: bool
) -> None:
    policy = _policy_with_home(home)
    caller = officer(police_station=station)
    caller = Caller(**{**caller.__dict__, "district": district})
    r = record()  # MH / PUNE / PS01, with an address and a phone
    person = policy.redact(caller, r).fields["people"][0]
    assert ("address" in person and "phones" in person) is full, (home, district, station)
    held = withheld_fields(policy.redact(caller, r))
    if not full:
        where = home.replace("_", " ")
        assert f"outside your {where}" in held["people.address"], held


# -- hit-flags: a third answer beside visible and withheld ------------------------------------


def test_a_partner_is_answered_hit_flags_outside_its_entitlement() -> None:
    from auth.policy import Answer

    cbi = Caller(
        "cbi-1", Role.PARTNER, frozenset(), client_id="cbi-1", sources=frozenset({Source.SARATHI})
    )
    v = POLICY.visibility(cbi)
    assert v.sources == frozenset({Source.SARATHI})
    assert v.hit_flag == frozenset(Source) - {Source.SARATHI}
    assert POLICY.admits(cbi, record(Source.SARATHI, Kind.DRIVING_LICENCE)).answer is Answer.VISIBLE
    flagged = POLICY.admits(cbi, record())
    assert flagged.answer is Answer.HIT_FLAG and not flagged
    # label rules hold for hit-flags too: a sexual-offence case is not even flagged
    labelled = record(sensitivity=frozenset({Sensitivity.SEXUAL_OFFENCE}))
    assert POLICY.admits(cbi, labelled).answer is Answer.WITHHELD
    # a grant opens that record, and only that one
    granted = v.with_grants(["cctns:1"])
    assert granted.admits(record()).answer is Answer.VISIBLE
    assert granted.admits(record(native="2")).answer is Answer.HIT_FLAG
    # officers are not flagged by default
    assert POLICY.visibility(Caller("o", Role.OFFICER, frozenset(), state="MH")).hit_flag == set()


def test_a_partner_client_s_own_marking_replaces_the_outside_entitlement_default() -> None:
    from auth.policy import Answer

    def nia(hit_flag: frozenset[Source] | None) -> Caller:
        entitled = frozenset({Source.SARATHI, Source.CCTNS})
        return Caller(
            "nia-1",
            Role.PARTNER,
            frozenset(),
            client_id="nia-1",
            sources=entitled,
            hit_flag=hit_flag,
        )

    # marked: CCTNS (inside the entitlement) is flagged, not shown; IVFRT (outside) flagged;
    # e-Prisons (outside, not marked) is silent
    v = POLICY.visibility(nia(frozenset({Source.CCTNS, Source.IVFRT})))
    assert v.sources == {Source.SARATHI}
    assert v.hit_flag == {Source.CCTNS, Source.IVFRT}
    assert v.admits(record()).answer is Answer.HIT_FLAG
    assert v.admits(record(Source.EPRISONS, Kind.INMATE)).answer is Answer.WITHHELD
    # marked none: silence outside the entitlement, the entitlement in full
    v = POLICY.visibility(nia(frozenset()))
    assert v.sources == {Source.SARATHI, Source.CCTNS} and v.hit_flag == set()
    # unmarked: the role's default, every source outside the entitlement
    assert POLICY.visibility(nia(None)).hit_flag == frozenset(Source) - {
        Source.SARATHI,
        Source.CCTNS,
    }
    # an officer's caller never carries a client's marking into his policy
    officer = Caller("o", Role.OFFICER, frozenset(), state="MH", hit_flag=frozenset(Source))
    assert POLICY.visibility(officer).hit_flag == set()


def test_a_role_marked_for_a_source_sees_it_only_as_hit_flags() -> None:
    data = tomllib.loads(resources.files("auth").joinpath("default_policy.toml").read_text("utf-8"))
    data["roles"]["officer"]["hit_flag"] = ["ivfrt"]
    policy = Policy.from_mapping(data)
    v = policy.visibility(Caller("o", Role.OFFICER, frozenset(), state="MH"))
    assert v.hit_flag == {Source.IVFRT} and v.sources == frozenset(Source) - {Source.IVFRT}
    data["roles"]["officer"]["hit_flag"] = ["nowhere"]
    with pytest.raises(AuthConfigError, match="hit_flag"):
        Policy.from_mapping(data)
    data["roles"]["officer"]["hit_flag"] = []
    data["roles"]["officer"]["hit_flag_outside_entitlement"] = "yes"
    with pytest.raises(AuthConfigError, match="hit_flag_outside_entitlement"):
        Policy.from_mapping(data)

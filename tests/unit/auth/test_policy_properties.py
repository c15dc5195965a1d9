"""Property tests for redaction: nothing beyond the policy, nothing silently dropped, no
contents in what is reported as withheld."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from auth.policy import PERSON_FIELDS, RECORD_FIELDS, Policy
from auth.principal import Caller, Role
from records import Kind, Person, PersonRole, Provenance, Record, Sensitivity, Source

POLICY = Policy.load()
NOW = datetime(2026, 1, 1, tzinfo=UTC)
STATES = st.sampled_from(["MH", "KA", None])
MARK = "ZZSECRET"  # every free-text value carries it, so leaks are easy to spot


@st.composite
def people(draw: st.DrawFn) -> Person:
    i = draw(st.integers(0, 99))
    return Person(
        role=draw(st.sampled_from(list(PersonRole))),
        name=draw(st.one_of(st.none(), st.just(f"Name{i}"))),
        relative_name=draw(st.one_of(st.none(), st.just(f"Rel{i}"))),
        birth_year=draw(st.one_of(st.none(), st.integers(1940, 2020))),
        address=draw(st.one_of(st.none(), st.just(f"{MARK}-addr-{i}"))),
        phones=tuple(draw(st.lists(st.just(f"+91980000{i:04d}"), max_size=1))),
        emails=tuple(draw(st.lists(st.just(f"{MARK}{i}@mail.in"), max_size=1))),
    )


@st.composite
def records(draw: st.DrawFn) -> Record:
    source = draw(st.sampled_from(list(Source)))
    native = str(draw(st.integers(1, 10_000)))
    attrs = draw(
        st.dictionaries(
            st.sampled_from(
                ["act_section", "blacklist_status", "permanent_address", "note", "fir_number"]
            ),
            st.just(f"{MARK}-attr"),
            max_size=3,
        )
    )
    return Record(
        record_id=f"{source.value}:{native}",
        source=source,
        kind=draw(st.sampled_from(list(Kind))),
        status=draw(st.one_of(st.none(), st.just("ACTIVE"))),
        state=draw(STATES),
        district=draw(st.one_of(st.none(), st.just("PUNE"))),
        people=tuple(draw(st.lists(people(), max_size=3))),
        attributes=attrs,
        sensitivity=frozenset(draw(st.sets(st.sampled_from(list(Sensitivity))))),
        provenance=Provenance(
            source=source, native_id=native, source_updated_at=NOW, fetched_at=NOW
        ),
    )


@st.composite
def caller_sets(draw: st.DrawFn) -> list[Caller]:
    """Every role in every state, with one drawn set of clearances and partner field grants:
    each generated record is checked against all of them."""
    fields = draw(
        st.one_of(
            st.none(),
            st.sets(st.sampled_from(["identity", "status", "personal", "contact", "details"])),
        )
    )
    clearances = frozenset(draw(st.sets(st.just("sensitive"))))
    return [
        Caller(
            subject="x",
            role=role,
            scopes=POLICY.role_scopes(role),
            state=state,
            district="PUNE",
            clearances=clearances,
            fields=frozenset(fields) if fields is not None else None,
        )
        for role in Role
        for state in ("MH", "KA", None)
    ]


@settings(max_examples=100, deadline=None)
@given(caller_sets(), records())
def test_redaction_invariants(callers: list[Caller], record: Record):
    for caller in callers:
        check_invariants(caller, record)


def check_invariants(caller: Caller, record: Record) -> None:
    redacted = POLICY.redact(caller, record)
    view = redacted.view
    withheld = {w.field for w in redacted.withheld}

    # 1. Only known keys; raw never.
    assert set(view) <= {"record_id", "source", "kind", "attributes", *RECORD_FIELDS, "people"}

    # 2. Every non-empty field is either shown or reported as withheld — never silently dropped.
    dumped = record.model_dump(mode="json", exclude={"raw"})
    for name in RECORD_FIELDS:
        if dumped[name] not in (None, [], {}, ""):
            assert name in view or name in withheld, name
    for key in record.attributes:
        assert key in view.get("attributes", {}) or f"attributes.{key}" in withheld
    shown_people = view.get("people", [])
    if len(shown_people) < len(record.people):
        assert "people" in withheld  # a person shown nothing of is counted, not dropped
    for person in dumped["people"]:
        for name in PERSON_FIELDS:
            if person[name] not in (None, [], "") and f"people.{name}" not in withheld:
                assert any(shown.get(name) == person[name] for shown in shown_people), name

    # 3. Complainants' and children's contact details never appear, for any role; nothing
    # about a complainant (a victim) appears outside the record's own state.
    text = json.dumps(view)
    for person in record.people:
        child = Sensitivity.CHILD in record.sensitivity and person.role in (
            PersonRole.SUBJECT,
            PersonRole.MISSING,
            PersonRole.FOUND,
        )
        if person.role is PersonRole.COMPLAINANT or child:
            for value in (person.address, *person.phones, *person.emails):
                if value and not _shown_elsewhere(record, person, value):
                    assert value not in text
        investigating = caller.role in (Role.OFFICER, Role.SUPERVISOR) and (
            caller.state is not None and caller.state == record.state
        )
        if person.role is PersonRole.COMPLAINANT and not investigating:
            assert not any(s.get("role") == "complainant" for s in shown_people)

    # 4. Outside the caller's own state, officers and supervisors get identity and status only:
    # no address, wherever it sits (a person's, Vahan's permanent address attribute).
    if caller.role in (Role.OFFICER, Role.SUPERVISOR) and record.state != caller.state:
        assert "permanent_address" not in view.get("attributes", {})
        assert "note" not in view.get("attributes", {})
        for shown in view.get("people", []):
            assert not {"address", "phones", "emails", "birth_date"} & set(shown)

    # 5. The NOC service and the auditor never see person data.
    if caller.role in (Role.NOC_SERVICE, Role.AUDITOR, Role.ADMIN):
        assert "people" not in view

    # 6. What is withheld is described by name, reason and count only.
    described = json.dumps([w.as_dict() for w in redacted.withheld])
    assert MARK not in described and "+91" not in described


def _shown_elsewhere(record: Record, person: Person, value: str) -> bool:
    """The same value held by another, unprotected person of the record (generated data may
    repeat a phone number): seeing it there is not seeing the protected person's."""
    return any(
        other is not person and value in (other.address, *other.phones, *other.emails)
        for other in record.people
    )

"""The matchers on small, readable cases: what forbids a pair, what ranks the true one first,
what is sent, and what an alert says to a reader who may not see a side."""

from __future__ import annotations

from dataclasses import replace

from alerts import matchers
from alerts.cases import FOUND, MISSING, REGISTRATION, STOLEN, Case, recipient
from alerts.content import cut
from alerts.persons import Uniform, compare, exclusions
from auth.policy import HiddenLabel, Visibility
from records import Sensitivity

MISSING_ADULT = Case(
    record_id="cctns:UP-PS2210-2024-MP-0031",
    side=MISSING,
    source="cctns",
    status="OPEN",
    state="UP",
    district="LUCKNOW",
    police_station="2210",
    station_name="HAZRATGANJ",
    event_date="2024-04-01",
    names=("SUNITA DEVI",),
    gender="F",
    born_from=1996,
    born_to=1997,
    height_cm=155,
    complexion="WHEATISH",
    marks="MOLE ON LEFT CHEEK",
)
BODY = Case(
    record_id="cctns:UP-PS1187-2024-UP-0007",
    side=FOUND,
    source="cctns",
    status="OPEN",
    state="UP",
    district="LUCKNOW",
    police_station="1187",
    station_name=None,
    event_date="2024-04-09",
    gender="F",
    born_from=1993,
    born_to=2000,
    height_cm=157,
    complexion="WHEATISH",
    marks="MOLE ON LEFT CHEEK",
    dead_body=True,
)


def test_a_described_body_matches_its_missing_report_with_reasons() -> None:
    match = compare(MISSING_ADULT, BODY, Uniform())
    assert match is not None
    assert match.score >= matchers.THRESHOLDS["missing_found"]
    features = {e.feature for e in match.evidence}
    assert {"sex", "age", "dates", "place", "identifying marks", "height"} <= features


def test_what_cannot_be_the_same_person_is_never_compared() -> None:
    assert exclusions(MISSING_ADULT, replace(BODY, gender="M")) == "sex differs"
    assert exclusions(MISSING_ADULT, replace(BODY, born_from=1970, born_to=1975))
    assert exclusions(MISSING_ADULT, replace(BODY, event_date="2024-03-01"))
    assert compare(MISSING_ADULT, replace(BODY, gender="M")) is None


def test_the_true_body_ranks_above_look_alikes() -> None:
    decoys = [
        replace(BODY, record_id="cctns:x1", marks="TATTOO ON RIGHT ARM", height_cm=170),
        replace(BODY, record_id="cctns:x2", state="BR", district="PATNA", marks="CUT ON CHIN"),
        replace(BODY, record_id="cctns:x3", event_date="2025-06-01", marks=None),
    ]
    ranked = matchers.ranked(MISSING_ADULT, [*decoys, BODY])
    assert ranked[0].b.record_id == BODY.record_id
    sent = matchers.to_send(MISSING_ADULT, [*decoys, BODY])
    assert [m.b.record_id for m in sent] == [BODY.record_id]


def test_candidates_alike_but_for_rounding_are_ordered_by_the_evidence() -> None:
    # two unlikely bodies (another age, height, mark, far away, years later): both scores round
    # to 0.0 at four places, but the one found sooner is the likelier, whatever its record id
    unlike = replace(
        BODY,
        state="KL",
        district="ERNAKULAM",
        marks="TATTOO ON RIGHT ARM",
        height_cm=180,
        complexion="DARK",
        born_from=1999,
        born_to=2003,
        event_date="2026-01-01",
    )
    later = replace(unlike, record_id="cctns:A0", event_date="2026-03-01")
    a, b = compare(MISSING_ADULT, unlike), compare(MISSING_ADULT, later)
    assert a is not None and b is not None
    assert a.score == b.score == 0.0 and a.log_odds > b.log_odds
    ranked = matchers.ranked(MISSING_ADULT, [later, unlike])
    assert [m.b.record_id for m in ranked] == [unlike.record_id, later.record_id]


def test_candidates_whose_evidence_is_exactly_alike_the_nearer_in_time_first() -> None:
    # two missing reports alike in all the found report says, one filed a day nearer to it
    # (within the same few days the dates weigh alike): the nearer first, whatever its id
    nearer = replace(MISSING_ADULT, record_id="cctns:zz", event_date="2024-04-08")
    earlier = replace(MISSING_ADULT, record_id="cctns:aa", event_date="2024-04-07")
    body = replace(BODY, event_date="2024-04-09")
    ranked = matchers.ranked(body, [earlier, nearer])
    assert ranked[0].score == ranked[1].score and ranked[0].strength == ranked[1].strength
    assert [m.a.record_id for m in ranked] == ["cctns:zz", "cctns:aa"]
    # and with nothing else to tell them apart, the record ids (runs agree)
    twin = replace(nearer, record_id="cctns:yy")
    assert [m.a.record_id for m in matchers.ranked(body, [nearer, twin])] == [
        "cctns:yy",
        "cctns:zz",
    ]


def test_a_traced_case_is_ranked_but_not_sent() -> None:
    traced = replace(MISSING_ADULT, status="TRACED")
    assert matchers.ranked(traced, [BODY])
    assert matchers.to_send(traced, [BODY]) == []


def test_a_missing_child_is_a_childs_alert() -> None:
    child = replace(MISSING_ADULT, child=True, born_from=2015, born_to=2016, height_cm=None)
    found = replace(
        BODY, child=True, born_from=2013, born_to=2018, height_cm=None, source="khoyapaya"
    )
    match = matchers.compare(child, found)
    assert match is not None and match.kind == "missing_child_found"


REPORT = Case(
    record_id="cctns:DL-PS0101-2024-0456-V1",
    side=STOLEN,
    source="cctns",
    status="STOLEN",
    state="DL",
    district=None,
    police_station="0101",
    station_name="CONNAUGHT PLACE",
    event_date="2024-02-01",
    registration_no="DL03CAB1234",
    chassis_no="123456",
    make_model="MARUTI SWIFT",
    colour="WHITE",
    reported_status="STOLEN",
)
REREGISTERED = Case(
    record_id="vahan:HR26DK0001#1",
    side=REGISTRATION,
    source="vahan",
    status="ACTIVE",
    state="HR",
    district=None,
    police_station=None,
    station_name=None,
    event_date=None,
    registration_no="HR26DK0001",
    chassis_no="MA3EWDE1S00123456",
    engine_no="K12MN1234567",
    make_model="MARUTI SUZUKI INDIA LTD SWIFT VXI",
    colour="WHITE",
)


def test_a_partial_chassis_finds_the_vehicle_under_another_plate() -> None:
    match = matchers.compare(REPORT, REREGISTERED)
    assert match is not None and match.kind == "stolen_vehicle_seen"
    assert matchers.sendable(match)
    assert any(e.feature == "chassis number (partial)" for e in match.evidence)
    # only the report's desk is told (the RTO is not a police desk)
    assert [recipient(s) for s in match.recipients()] == ["station:DL/0101"]


def test_full_chassis_numbers_that_differ_are_two_vehicles() -> None:
    other = replace(REPORT, chassis_no="MA3EWDE1S00999999", engine_no=None)
    assert matchers.compare(other, REREGISTERED) is None


def test_a_plate_alone_never_matches() -> None:
    plate_only = replace(
        REPORT, chassis_no=None, engine_no=None, registration_no=REREGISTERED.registration_no
    )
    assert matchers.compare(plate_only, REREGISTERED) is None


def test_a_recovered_report_meets_the_stolen_one() -> None:
    recovered = replace(
        REPORT,
        record_id="cctns:HR-PS0007-2024-0011-V1",
        status="RECOVERED",
        reported_status="RECOVERED",
        police_station="0007",
        state="HR",
        chassis_no="MA3EWDE1S00123456",
    )
    match = matchers.compare(recovered, REPORT)
    assert match is not None and match.kind == "vehicle_recovered"
    assert match.a.record_id == REPORT.record_id


def _payload(own: Case, other: Case) -> dict[str, object]:
    match = matchers.compare(own, other)
    assert match is not None
    return match.payload(own)


def test_a_sensitive_side_says_only_that_a_restricted_match_exists() -> None:
    body = replace(BODY, labels=(Sensitivity.SEXUAL_OFFENCE.value,))
    payload = _payload(MISSING_ADULT, body)
    hidden = Visibility(
        sources=None, kinds=None, states=None, hidden=(HiddenLabel(Sensitivity.SEXUAL_OFFENCE),)
    )
    shown = cut(payload, hidden, "UP")
    assert shown["match"] == {"restricted": True, "contact": "station:UP/1187"}
    assert shown["evidence"] == [] and shown["score"] is None and shown["restricted"]
    cleared = cut(payload, Visibility(sources=None, kinds=None, states=None), "UP")
    assert cleared["match"]["record_id"] == body.record_id
    assert "labels" not in cleared["match"]


def test_a_reader_elsewhere_sees_identity_not_descriptions() -> None:
    payload = _payload(MISSING_ADULT, BODY)
    shown = cut(payload, Visibility(sources=None, kinds=None, states=None), "MH")
    assert "marks" not in shown["match"] and shown["match"]["record_id"] == BODY.record_id
    assert all(set(e) == {"feature", "weight"} for e in shown["evidence"])


def test_five_characters_of_chassis_need_more_than_make_and_colour() -> None:
    weak = replace(REPORT, chassis_no="23456")
    match = matchers.compare(weak, REREGISTERED)
    assert match is not None and not matchers.sendable(match)
    same_plate = replace(REREGISTERED, registration_no=weak.registration_no)
    strong = matchers.compare(weak, same_plate)
    assert strong is not None and matchers.sendable(strong)

"""Query planning, vehicle identifiers and the policy adapter."""

from __future__ import annotations

from datetime import date

import pytest

from auth.policy import HiddenLabel, Visibility
from federation.persons import DEFAULT_MIN_SCORE, score_floor
from federation.planning import (
    PersonSearch,
    VehicleSearch,
    normalise_vehicle,
    plan_person,
    plan_vehicle,
)
from federation.policy import filters_of, is_visible, narrow_sources
from indexer.backends.base import Filters, IdentifierTerm, LabelRule
from records import IdType, Kind, Sensitivity, Source
from tests.plugins.backends import sample_world


def test_person_plan_carries_keys_text_filters_and_age() -> None:
    filters = Filters(sources=frozenset({Source.CCTNS, Source.VAHAN}))
    plan = plan_person(
        PersonSearch(name="Rajendra Patil", age=34, tolerance=0, sources=frozenset({Source.CCTNS})),
        filters,
        max_candidates=123,
        today=date(2024, 5, 1),
    )
    assert plan.analysed.query.birth_year == 1990
    assert plan.analysed.query.birth_year_tolerance == 1  # an age is never exact
    assert plan.candidates.name_keys and plan.candidates.name_text
    assert plan.candidates.filters.sources == frozenset({Source.CCTNS})
    assert Kind.VEHICLE_REPORT not in (plan.candidates.filters.kinds or set())
    assert plan.candidates.limit == 123


def test_sources_outside_the_policy_leave_nothing() -> None:
    narrowed = narrow_sources(Filters(sources=frozenset({Source.NCRP})), [Source.CCTNS])
    assert narrowed.sources == frozenset()


@pytest.mark.parametrize(
    ("given", "registration"),
    [
        ("mh-12-ab-1234", "MH12AB1234"),
        ("DL 3C AB 123", "DL03CAB0123"),
        ("22 BH 1234 AA", "22BH1234AA"),
    ],
)
def test_vehicle_identifiers_normalise(given: str, registration: str) -> None:
    assert normalise_vehicle(VehicleSearch(registration_no=given)).registration == registration


def test_bad_vehicle_identifier_names_the_field() -> None:
    with pytest.raises(ValueError, match="registration_no"):
        normalise_vehicle(VehicleSearch(registration_no="NOT A PLATE"))
    with pytest.raises(ValueError, match="chassis_no"):
        normalise_vehicle(VehicleSearch(chassis_no="12"))


def test_full_chassis_also_asks_for_stored_fragments() -> None:
    terms = normalise_vehicle(VehicleSearch(chassis_no="MA3EWDE1S00123456"))
    query = plan_vehicle(terms, Filters(), max_candidates=50)
    assert IdentifierTerm(IdType.CHASSIS, "MA3EWDE1S00123456") in query.identifiers
    assert IdentifierTerm(IdType.CHASSIS, "23456") in query.identifiers
    fragment = normalise_vehicle(VehicleSearch(chassis_no="23456"))
    assert fragment.chassis_is_fragment
    assert plan_vehicle(fragment, Filters(), max_candidates=5).identifiers == (
        IdentifierTerm(IdType.CHASSIS, "23456", suffix=True),
    )


def test_visibility_becomes_backend_filters() -> None:
    visibility = Visibility(
        sources=frozenset({Source.CCTNS}),
        kinds=None,
        states=None,
        hidden=(HiddenLabel(Sensitivity.SEXUAL_OFFENCE, frozenset({"UP"})),),
    )
    filters = filters_of(visibility)
    assert filters.hidden == (LabelRule(Sensitivity.SEXUAL_OFFENCE, frozenset({"UP"})),)
    # The Python check agrees with the policy's own on every sample record.
    for record in sample_world():
        assert is_visible(record, filters) is bool(visibility.admits(record))


def test_score_floor_is_what_was_asked_for() -> None:
    assert score_floor(0.5) == 0.5
    assert score_floor(0.0) == 0.0


def test_the_default_floor_is_absolute_and_only_cuts_the_implausible() -> None:
    # never relative to the best: a confident wrong namesake must not hide the right person
    assert score_floor(None) == DEFAULT_MIN_SCORE == 0.001

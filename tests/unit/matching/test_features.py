"""Similarity as a list of features (`matching.features`): a function and a weight each, the
weights by name, and the name model in `calibration.json` read and written through it."""

import json
from importlib import resources

import pytest

from matching import calibration
from matching.features import INTERCEPT, Feature, Features, weighted
from matching.parse import parse_name
from matching.similarity import compare_forms


def length(x: str) -> float:
    return float(len(x))


def spaces(x: str) -> float:
    return float(x.count(" "))


def test_the_log_odds_are_the_intercept_plus_each_weight_times_its_value() -> None:
    model = weighted([length, spaces], {"intercept": -1.0, "length": 0.5, "spaces": -2.0})
    assert model.names == ("length", "spaces")
    assert model.logit("ab cd") == -1.0 + 0.5 * 5 + -2.0 * 1
    assert model.values("ab cd") == [5.0, 1.0]
    assert model.contributions("ab cd") == [("length", 2.5), ("spaces", -2.0)]


def test_weights_are_read_and_written_by_name() -> None:
    weights = {"intercept": 0.25, "length": 1.5, "spaces": -3.0}
    model = weighted([length, spaces], weights)
    assert model.weights() == weights
    assert list(model.weights()) == [INTERCEPT, "length", "spaces"]
    assert model.weight("spaces") == -3.0 and model.weight(INTERCEPT) == 0.25
    with pytest.raises(KeyError):
        model.weight("vowels")
    refit = model.reweighted({"spaces": 4.0})
    assert refit.weights() == {"intercept": 0.25, "length": 1.5, "spaces": 4.0}
    assert model.weight("spaces") == -3.0  # the original is not changed


def test_a_weight_without_a_function_or_a_function_without_a_weight_is_refused() -> None:
    with pytest.raises(ValueError, match="without a feature: \\['vowels'\\]"):
        weighted([length], {"intercept": 0.0, "length": 1.0, "vowels": 1.0})
    with pytest.raises(ValueError, match="without a weight: \\['spaces'\\]"):
        weighted([length, spaces], {"intercept": 0.0, "length": 1.0})
    with pytest.raises(ValueError, match="without a weight: \\['intercept'\\]"):
        weighted([length], {"length": 1.0})


def test_feature_names_are_distinct_and_can_be_given() -> None:
    assert Feature(length, 1.0).name == "length"
    assert Feature(length, 1.0, name="chars").name == "chars"
    with pytest.raises(ValueError):
        Features(0.0, [Feature(length, 1.0), Feature(spaces, 1.0, name="length")])
    with pytest.raises(ValueError):
        Features(0.0, [Feature(length, 1.0, name=INTERCEPT)])


def test_the_name_model_is_calibration_json_weight_for_weight() -> None:
    raw = json.loads(
        resources.files("matching").joinpath("calibration.json").read_text(encoding="utf-8")
    )
    name = calibration.model().name
    assert name.weights() == raw["name"]
    assert list(name.weights()) == list(raw["name"])  # the order a refit writes them in


def test_the_name_log_odds_are_the_features_weighted() -> None:
    name = calibration.model().name
    for query, record in [
        ("Rajesh Kumar Sharma", "Rajesh Sharma"),
        ("R. K. Sharma", "Rajesh Kumar Sharma"),
        ("Murugan", "Murugan Kandasamy"),
        ("Zzyx Qwerty", "Rajesh Sharma"),
    ]:
        c = compare_forms(parse_name(query).forms[0], parse_name(record).forms[0])
        expected = name.intercept
        for _, contribution in name.contributions(c):
            expected += contribution
        assert calibration.name_logit(c) == expected

"""The calibrated model: evidence → log-odds → probability that query and record are one person.

The constants live in `calibration.json` next to this file. The name part is a logistic
regression fitted on labelled pairs from the names benchmark (`python -m bench.names.run --fit`
writes them, with the data it was fitted on described in `_comment`); the attribute part
(birth year, gender, relative's name, place) holds log-likelihood ratios set from how often
records of the same person disagree on them (see the comments in `attribute_logit`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from matching.similarity import NameComparison

NAME_FEATURES = (
    "query_coverage",
    "record_coverage",
    "query_missing",
    "record_extra",
    "query_initials_missing",
    "record_initials_extra",
    "no_full_match",
    "single_token_query",
    "weakest_full_pair",
    "initial_pairs",
    "given_aligned",
)


@dataclass(frozen=True)
class Model:
    intercept: float
    name: dict[str, float]
    attributes: dict[str, float]


@cache
def model() -> Model:
    raw: dict[str, Any] = json.loads(
        resources.files("matching").joinpath("calibration.json").read_text(encoding="utf-8")
    )
    name = {k: float(v) for k, v in raw["name"].items() if k != "intercept"}
    attributes = {k: float(v) for k, v in raw["attributes"].items()}
    return Model(float(raw["name"]["intercept"]), name, attributes)


def name_features(c: NameComparison) -> tuple[float, ...]:
    return (
        c.query_coverage,
        c.record_coverage,
        float(c.query_missing),
        float(c.record_extra),
        float(c.query_initials_missing),
        float(c.record_initials_extra),
        1.0 if c.full_matches == 0 else 0.0,
        1.0 if c.query_tokens == 1 else 0.0,
        c.weakest_full_pair,
        float(c.initial_pairs),
        1.0 if c.given_aligned else 0.0,
    )


@cache
def _weights() -> tuple[float, ...]:
    m = model()
    return (m.intercept, *[m.name[f] for f in NAME_FEATURES])


def name_logit(c: NameComparison) -> float:
    w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11 = _weights()
    return (
        w0
        + w1 * c.query_coverage
        + w2 * c.record_coverage
        + w3 * c.query_missing
        + w4 * c.record_extra
        + w5 * c.query_initials_missing
        + w6 * c.record_initials_extra
        + (w7 if c.full_matches == 0 else 0.0)
        + (w8 if c.query_tokens == 1 else 0.0)
        + w9 * c.weakest_full_pair
        + w10 * c.initial_pairs
        + (w11 if c.given_aligned else 0.0)
    )


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)

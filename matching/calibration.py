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
    "inferred",
)


@dataclass(frozen=True)
class CalibrationModel:
    intercept: float
    name: dict[str, float]
    attributes: dict[str, float]
    search: dict[str, float]


@cache
def model() -> CalibrationModel:
    raw: dict[str, Any] = json.loads(
        resources.files("matching").joinpath("calibration.json").read_text(encoding="utf-8")
    )
    name = {k: float(v) for k, v in raw["name"].items() if k != "intercept"}
    attributes = {k: float(v) for k, v in raw["attributes"].items()}
    search = {k: float(v) for k, v in raw["search"].items()}
    return CalibrationModel(float(raw["name"]["intercept"]), name, attributes, search)


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
        inferred(c),
    )


def inferred(c: NameComparison) -> float:
    """1 when the comparison pairs something through a form inferred from a relative's name
    (`matching.relatives`) on either side: a likely name, not a written one."""
    if c.q.inferred or c.r.inferred:
        return 1.0 if c.full_matches or c.initial_pairs else 0.0
    return 0.0


def search_logit(z_name: float, frequency: int | None) -> float:
    """The log-odds that a record is the person a search asks for, from its name's log-odds
    (`name_logit`) and how many records of the index carry the name as matched (`frequency`,
    from retrieval: the more, the less a name match says). Without a frequency, the name's
    log-odds as they are: how well two names agree, as if the name were unique."""
    if frequency is None:
        return z_name
    a, b, c = _search_weights()
    return a + b * z_name + c * math.log(max(frequency, 1))


@cache
def _search_weights() -> tuple[float, float, float]:
    s = model().search
    return s["intercept"], s["name"], s["log_frequency"]


@cache
def _weights() -> tuple[float, ...]:
    m = model()
    return (m.intercept, *[m.name[f] for f in NAME_FEATURES])


def name_logit(c: NameComparison) -> float:
    w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12 = _weights()
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
        + (w12 if (c.q.inferred or c.r.inferred) and (c.full_matches or c.initial_pairs) else 0.0)
    )


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)

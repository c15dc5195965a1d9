"""The calibrated model: evidence → log-odds → probability that query and record are one person.

The constants live in `calibration.json` next to this file. The name part is a logistic
regression over `NAME_FEATURES` (one function per comparison, weighted by its name: see
`matching.features`) fitted on labelled pairs from the names benchmark (`python -m
bench.names.run --fit` writes them, with the data it was fitted on described in `_comment`);
the attribute part (birth year, gender, relative's name, place) holds a weight per agreement
level, fitted with the search weights (`_comment` in `calibration.json` says on what);
`matching.api._attributes` applies them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Final

from matching.features import Features, weighted
from matching.similarity import NameComparison

# How well two names agree: one function per comparison, read off a `NameComparison`, each
# weighted by the name it has in `calibration.json`'s `name` (`matching.features`). The order is
# the sum's: keep it, so that the log-odds stay the same to the last bit.


def query_coverage(c: NameComparison) -> float:
    """The share of the query's token weight the record explains."""
    return c.query_coverage


def record_coverage(c: NameComparison) -> float:
    """The share of the record's token weight the query explains."""
    return c.record_coverage


def query_missing(c: NameComparison) -> float:
    """Full query tokens the record does not have."""
    return float(c.query_missing)


def record_extra(c: NameComparison) -> float:
    """Full record tokens the query does not have."""
    return float(c.record_extra)


def query_initials_missing(c: NameComparison) -> float:
    """Query initials nothing in the record explains."""
    return float(c.query_initials_missing)


def record_initials_extra(c: NameComparison) -> float:
    """Record initials nothing in the query explains."""
    return float(c.record_initials_extra)


def no_full_match(c: NameComparison) -> float:
    """1 when no full token pairs (initials at most)."""
    return 1.0 if c.full_matches == 0 else 0.0


def single_token_query(c: NameComparison) -> float:
    """1 when the query is one word: a name alone says less."""
    return 1.0 if c.query_tokens == 1 else 0.0


def weakest_full_pair(c: NameComparison) -> float:
    """The similarity of the least alike pair of full tokens."""
    return c.weakest_full_pair


def initial_pairs(c: NameComparison) -> float:
    """Initials paired with a token or an initial."""
    return float(c.initial_pairs)


def given_aligned(c: NameComparison) -> float:
    """1 when the first tokens pair with each other."""
    return 1.0 if c.given_aligned else 0.0


def inferred(c: NameComparison) -> float:
    """1 when the comparison pairs something through a form inferred from a relative's name
    (`matching.relatives`) on either side: a likely name, not a written one."""
    if c.q.inferred or c.r.inferred:
        return 1.0 if c.full_matches or c.initial_pairs else 0.0
    return 0.0


NAME_FEATURES: Final[tuple[Callable[[NameComparison], float], ...]] = (
    query_coverage,
    record_coverage,
    query_missing,
    record_extra,
    query_initials_missing,
    record_initials_extra,
    no_full_match,
    single_token_query,
    weakest_full_pair,
    initial_pairs,
    given_aligned,
    inferred,
)


@dataclass(frozen=True)
class CalibrationModel:
    name: Features[NameComparison]
    attributes: dict[str, float]
    search: dict[str, float]


@cache
def model() -> CalibrationModel:
    raw: dict[str, Any] = json.loads(
        resources.files("matching").joinpath("calibration.json").read_text(encoding="utf-8")
    )
    name = weighted(NAME_FEATURES, {k: float(v) for k, v in raw["name"].items()})
    attributes = {k: float(v) for k, v in raw["attributes"].items()}
    search = {k: float(v) for k, v in raw["search"].items()}
    return CalibrationModel(name, attributes, search)


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


class _Current:
    """The name model as `name_logit` reads it, for every comparison: calling `model` (a cached
    function, which the compiled build reaches through the module's dictionary) would cost a
    third of the weighted sum itself."""

    __slots__ = ("name",)

    def __init__(self) -> None:
        self.name: Features[NameComparison] | None = None


_CURRENT: Final = _Current()


def reload() -> None:
    """Read `calibration.json` again (a fit has just written it)."""
    model.cache_clear()
    _search_weights.cache_clear()
    _CURRENT.name = None


def name_logit(c: NameComparison) -> float:
    """How well two names agree, as log-odds: the name features, weighted."""
    name = _CURRENT.name
    if name is None:
        name = _CURRENT.name = model().name
    return name.logit(c)


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)

"""Similarity as a list of features: a comparison function and a weight each.

The shape is nomenklatura's (`nomenklatura.matching`: a `Feature` is a function and a weight, an
algorithm a list of them): what is compared is code, one small named function per comparison;
how much each comparison counts is data, learnt by a fit and stored by the function's name
(`matching/calibration.json`). A new comparison is one function and one weight; a refit changes
the JSON, not the code.

- `Feature(func, weight)`: `func(x)` measures one thing about a comparison `x` (a count, a
  share, 1.0 or 0.0 for a yes/no), its name is the function's unless given.
- `Features(intercept, features)`: a logistic model over them, log-odds = intercept + Σ weight ×
  value, summed in the features' order. `weighted(funcs, weights)` builds one from functions and
  weights by name, and refuses a weight without a function or a function without a weight.

This module is compiled with the matcher (mypyc, `scripts/compile_matching.py`), and `logit`
is on its hot path: one call per feature, no list built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Final, Generic, TypeVar

T = TypeVar("T")

INTERCEPT: Final = "intercept"  # the weight that multiplies nothing, by this name in the JSON


class Feature(Generic[T]):
    """One comparison (`func`, named after it unless `name` is given) and its weight."""

    __slots__ = ("func", "name", "weight")

    def __init__(self, func: Callable[[T], float], weight: float, name: str | None = None) -> None:
        self.func = func
        self.weight = weight
        self.name: str = name if name is not None else func.__name__

    def __repr__(self) -> str:
        return f"Feature({self.name}, {self.weight})"


class Features(Generic[T]):
    """A logistic model: log-odds = `intercept` + Σ weight × func(x) over `features`, in order
    (the order fixes the floating-point sum: keep it when a model must answer as before)."""

    __slots__ = ("features", "intercept")

    def __init__(self, intercept: float, features: Iterable[Feature[T]]) -> None:
        self.intercept = intercept
        self.features: tuple[Feature[T], ...] = tuple(features)
        names = [f.name for f in self.features]
        if len(set(names)) != len(names) or INTERCEPT in names:
            raise ValueError(f"feature names must be distinct and not {INTERCEPT!r}: {names}")

    def logit(self, x: T) -> float:
        total = self.intercept
        for f in self.features:
            total += f.weight * f.func(x)
        return total

    def values(self, x: T) -> list[float]:
        """The features' values for `x`, in order (a row of a fit's design matrix)."""
        return [f.func(x) for f in self.features]

    def contributions(self, x: T) -> list[tuple[str, float]]:
        """What each feature adds to the log-odds of `x` (weight × value), by name."""
        return [(f.name, f.weight * f.func(x)) for f in self.features]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    def weight(self, name: str) -> float:
        if name == INTERCEPT:
            return self.intercept
        for f in self.features:
            if f.name == name:
                return f.weight
        raise KeyError(name)

    def weights(self) -> dict[str, float]:
        """The weights by name, the intercept first: what `weighted` reads back."""
        out = {INTERCEPT: self.intercept}
        for f in self.features:
            out[f.name] = f.weight
        return out

    def reweighted(self, weights: Mapping[str, float]) -> Features[T]:
        """The same functions with the weights named in `weights` (the others kept)."""
        return Features(
            weights.get(INTERCEPT, self.intercept),
            [Feature(f.func, weights.get(f.name, f.weight), f.name) for f in self.features],
        )


def weighted(funcs: Iterable[Callable[[T], float]], weights: Mapping[str, float]) -> Features[T]:
    """A model from comparison functions (named by `__name__`, in this order) and a weight for
    each by name plus `intercept`; a weight no function takes, or a function without a weight,
    is an error (a renamed feature must not silently weigh nothing)."""
    funcs = tuple(funcs)
    names = {func.__name__ for func in funcs}
    unknown = sorted(set(weights) - names - {INTERCEPT})
    missing = sorted(names - set(weights)) + ([] if INTERCEPT in weights else [INTERCEPT])
    if unknown or missing:
        raise ValueError(
            f"weights without a feature: {unknown}; features without a weight: {missing}"
        )
    return Features(
        float(weights[INTERCEPT]), [Feature(func, float(weights[func.__name__])) for func in funcs]
    )

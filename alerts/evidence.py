"""What every comparison of a missing and a found report returns, and what it weighs with.

A feature is a small function of the two reports and the `Shares` returning one `CaseEvidence`
(its contribution to the log-odds of a match, with a reason) or None when the reports do not
both say; the weights that depend on how common a described value is (u) and how often true
pairs describe it alike (m) come from `Shares` (Splink's habit: estimate, do not assume).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from .cases import Case


@dataclass(frozen=True)
class CaseEvidence:
    feature: str
    missing: str | None
    found: str | None
    weight: float
    detail: str | None = None  # how the two agree ("same mark, near place")

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "feature": self.feature,
            "missing": self.missing,
            "found": self.found,
            "weight": round(self.weight, 2),
        }
        if self.detail:
            out["detail"] = self.detail
        return out


def day(value: str | None) -> date | None:
    """A report's ISO date, or None."""
    return date.fromisoformat(value) if value else None


class Shares(Protocol):
    """What the data says about a described feature (Splink's habit: estimate, do not assume):
    `share` is how common a value is among the reports (u, term frequency: agreeing on "school
    uniform" says less than on "burn mark on right hand"); `agree` is how often the two reports
    of a true pair describe the feature alike (m, learnt from pairs the matcher is sure of)."""

    def share(self, feature: str, value: str) -> float: ...

    def agree(self, feature: str) -> float: ...


def group(m: Case, feature: str) -> str:
    """Shares and agreement rates are counted apart for children's and adults' reports: they
    are described by different people in different words (a child's clothes, a body's marks)."""
    return f"{feature}:{'child' if m.child else 'adult'}"


class Uniform:
    """Nothing learnt: every value uncommon (one report in twenty), true pairs agree 4 in 5."""

    def share(self, feature: str, value: str) -> float:
        return 0.05

    def agree(self, feature: str) -> float:
        return AGREE


# Before any sure pair is seen: true pairs' reports describe a feature alike four times in five
# (reporters differ, marks are missed, clothes change).
AGREE = 0.8


def agreement(shares: Shares, key: str, value: str, cap: float) -> float:
    """Log Bayes factor of two reports agreeing on `value`: ln(m / u), within ±`cap` (`key`:
    the feature and population, `group`)."""
    u = min(max(shares.share(key, value), 1e-4), 0.99)
    m = min(max(shares.agree(key), 0.01), 0.99)
    return max(-cap / 2, min(cap, math.log(m / u)))


def disagreement(shares: Shares, key: str, value: str, cap: float) -> float:
    """Log Bayes factor of two reports describing a feature differently: ln((1-m) / (1-u))."""
    u = min(max(shares.share(key, value), 1e-4), 0.99)
    m = min(max(shares.agree(key), 0.01), 0.99)
    return max(-cap, min(cap / 2, math.log((1 - m) / (1 - u))))


def log_ratio(m: float, u: float, low: float, high: float) -> float:
    """ln(m / u) within [low, high] (u kept off zero)."""
    return max(low, min(high, math.log(max(m, 1e-4) / max(u, 1e-4))))


Feature = Callable[[Case, Case, Shares], CaseEvidence | None]

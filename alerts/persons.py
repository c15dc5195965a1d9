"""Missing meets found: how strongly a missing-person (or missing-child) report and a found,
sighted or unidentified report describe the same person.

Found people are often nameless, so the evidence is everything a report can carry: sex, the ages
(as birth-year ranges), the dates (nobody is found before they went missing), the places,
identifying marks, height, complexion, clothing, languages and, where both reports have one,
the name (through `matching`). Each piece is one small feature returning its contribution to the
log-odds of a match and a reason (nomenklatura's habit: new evidence is a new entry in
`FEATURES`). Some facts forbid a match outright (`exclusions`): a different sex, ages that
cannot be the same person's, a found date well before the missing date.

The weights are set by hand from what each fact means and checked against the simulated world's
true pairs (`bench/alerts`); the sending threshold lives in `alerts.matchers`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

from matching.api import AnalysedQuery, PersonQuery, analyse, name_score

from .cases import Case

# Prior log-odds that a missing and a found report agreeing on sex and age describe one person:
# among the hundreds of open reports such a pair shares, few are true. Evidence must lift it.
PRIOR = -4.0
# A found report may be filed a little before the missing one's "last seen" date is written
# down (reports are dated by hand); more than this is another person.
DATE_SLACK_DAYS = 2
AGE_SLACK_YEARS = 1


@dataclass(frozen=True)
class CaseEvidence:
    feature: str
    missing: str | None
    found: str | None
    weight: float

    def as_dict(self) -> dict[str, object]:
        return {
            "feature": self.feature,
            "missing": self.missing,
            "found": self.found,
            "weight": round(self.weight, 2),
        }


@dataclass(frozen=True)
class PersonMatch:
    missing: Case
    found: Case
    score: float  # probability, 0..1
    evidence: tuple[CaseEvidence, ...]


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def exclusions(m: Case, f: Case) -> str | None:
    """Why these two reports cannot be one person, or None."""
    if m.gender and f.gender and m.gender != f.gender:
        return "sex differs"
    if None not in (m.born_from, m.born_to, f.born_from, f.born_to):
        assert m.born_from is not None and m.born_to is not None
        assert f.born_from is not None and f.born_to is not None
        if m.born_to < f.born_from - AGE_SLACK_YEARS or f.born_to < m.born_from - AGE_SLACK_YEARS:
            return "ages cannot be the same person's"
    missed, found = _date(m.event_date), _date(f.event_date)
    if missed and found and (missed - found).days > DATE_SLACK_DAYS:
        return "found before going missing"
    return None


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


Feature = Callable[[Case, Case, Shares], CaseEvidence | None]


def sex(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """The same sex on both reports (a different one excludes the pair)."""
    if m.gender and f.gender:
        return CaseEvidence("sex", m.gender, f.gender, 0.3)
    return None


def age(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Ages that agree: the narrower the found report's estimate, and the nearer its middle to
    the missing person's age, the more it says (an estimate is a guess around the truth)."""
    if None in (m.born_from, m.born_to, f.born_from, f.born_to):
        return None
    assert m.born_from is not None and m.born_to is not None
    assert f.born_from is not None and f.born_to is not None
    width = f.born_to - f.born_from
    weight = 1.4 if width <= 3 else 0.9 if width <= 8 else 0.3
    off = abs((m.born_from + m.born_to) - (f.born_from + f.born_to)) / 2
    weight += 0.8 if off <= 1 else 0.3 if off <= 2.5 else -0.5
    return CaseEvidence(
        "age", f"born {m.born_from}-{m.born_to}", f"born {f.born_from}-{f.born_to}", weight
    )


def timing(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Found soon after going missing: most are found within days or weeks."""
    missed, found = _date(m.event_date), _date(f.event_date)
    if not missed or not found:
        return None
    days = (found - missed).days
    if days <= 7:
        weight = 1.4
    elif days <= 30:
        weight = 1.0
    elif days <= 90:
        weight = 0.5
    elif days <= 365:
        weight = -0.3
    else:
        weight = -1.0
    return CaseEvidence("dates", missed.isoformat(), found.isoformat(), weight)


def place(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Found in the same district or state as last seen (many travel: elsewhere is neutral)."""
    if not m.state or not f.state:
        return None
    if m.district and f.district and m.state == f.state and m.district == f.district:
        return CaseEvidence("place", f"{m.district}, {m.state}", f"{f.district}, {f.state}", 1.2)
    if m.state == f.state:
        return CaseEvidence("place", m.state, f.state, 0.8)
    return CaseEvidence("place", m.state, f.state, -0.2)


def marks(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Identifying marks: the same mark is strong evidence, the rarer the stronger; a different
    one speaks against, mildly (one reporter sees a mole another misses)."""
    if not m.marks or not f.marks:
        return None
    if m.marks == f.marks:
        weight = agreement(shares, group(m, "marks"), m.marks, 3.0)
        return CaseEvidence("identifying marks", m.marks, f.marks, weight)
    weight = disagreement(shares, group(m, "marks"), m.marks, 2.0)
    return CaseEvidence("identifying marks", m.marks, f.marks, weight)


def height(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Height within a few centimetres (children grow: only adults are held to it)."""
    if m.height_cm is None or f.height_cm is None or m.child or f.child:
        return None
    gap = abs(m.height_cm - f.height_cm)
    weight = 1.2 if gap <= 4 else 0.0 if gap <= 8 else -1.8
    return CaseEvidence("height", f"{m.height_cm} cm", f"{f.height_cm} cm", weight)


def complexion(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    if not m.complexion or not f.complexion:
        return None
    if m.complexion == f.complexion:
        weight = agreement(shares, group(m, "complexion"), m.complexion, 1.0)
        return CaseEvidence("complexion", m.complexion, f.complexion, weight)
    weight = disagreement(shares, group(m, "complexion"), m.complexion, 1.0)
    return CaseEvidence("complexion", m.complexion, f.complexion, weight)


def clothing(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """The same clothing (a child found days later often still wears it), the rarer the
    stronger; different clothing is weak evidence against (clothes change)."""
    if not m.clothing or not f.clothing:
        return None
    if m.clothing == f.clothing:
        weight = agreement(shares, group(m, "clothing"), m.clothing, 2.0)
        return CaseEvidence("clothing", m.clothing, f.clothing, weight)
    weight = disagreement(shares, group(m, "clothing"), m.clothing, 1.0)
    return CaseEvidence("clothing", m.clothing, f.clothing, weight)


def languages(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """A language in common, the rarer the stronger; none in common speaks against, mildly (a
    frightened child may say little, a reporter may guess)."""
    if not m.languages or not f.languages:
        return None
    shared = sorted(set(m.languages) & set(f.languages))
    weight = (
        max(agreement(shares, group(m, "languages"), lang, 1.5) for lang in shared)
        if shared
        else disagreement(shares, group(m, "languages"), m.languages[0], 1.5)
    )
    return CaseEvidence("languages", ", ".join(m.languages), ", ".join(f.languages), weight)


@lru_cache(maxsize=4096)
def _analysed(name: str) -> AnalysedQuery:
    return analyse(PersonQuery(name=name))


def name(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Where both reports carry a name (found children sometimes say theirs): the name matcher's
    calibrated score, best written form against best."""
    if not m.names or not f.names:
        return None
    best, pair = 0.0, (m.names[0], f.names[0])
    for written in m.names:
        analysed = _analysed(written)
        for other in f.names:
            value = name_score(analysed, other)
            if value > best:
                best, pair = value, (written, other)
    weight = 3.0 if best >= 0.9 else 1.5 if best >= 0.7 else 0.0 if best >= 0.4 else -2.5
    return CaseEvidence("name", pair[0], pair[1], weight)


FEATURES: tuple[Feature, ...] = (
    sex,
    age,
    timing,
    place,
    marks,
    height,
    complexion,
    clothing,
    languages,
    name,
)


def compare(m: Case, f: Case, shares: Shares | None = None) -> PersonMatch | None:
    """The match between a missing and a found report, or None when one fact excludes it."""
    if exclusions(m, f) is not None:
        return None
    ctx = shares or Uniform()
    evidence = tuple(e for e in (feature(m, f, ctx) for feature in FEATURES) if e is not None)
    total = PRIOR + sum(e.weight for e in evidence)
    return PersonMatch(m, f, round(1.0 / (1.0 + math.exp(-total)), 4), evidence)


# The features whose agreement rate is learnt (`Shares.agree`), and how a sure pair shows it.
DESCRIBED = ("marks", "clothing", "languages", "complexion")
SURE_NAME_WEIGHT = 1.5  # the name matcher says 0.7 or more


def sure(m: Case, f: Case, shares: Shares) -> bool:
    """A pair the matcher is sure of without the described features: the same name (what the
    name matcher scores 0.7 or more), found in the state where last seen, within three months,
    sex and ages agreeing. What such pairs' descriptions agree on teaches `Shares.agree`: a
    namesake elsewhere or much later would teach noise."""
    if not m.names or not f.names or exclusions(m, f) is not None:
        return False
    where = place(m, f, shares)
    when = timing(m, f, shares)
    if where is None or where.weight <= 0 or when is None or when.weight <= 0:
        return False
    said = name(m, f, shares)  # the dearest test last
    return said is not None and said.weight >= SURE_NAME_WEIGHT


def described_alike(m: Case, f: Case) -> dict[str, bool]:
    """For each described feature both reports carry: whether they describe it alike (keyed by
    `group`)."""
    out: dict[str, bool] = {}
    for feature in DESCRIBED:
        a, b = getattr(m, feature), getattr(f, feature)
        if not a or not b:
            continue
        out[group(m, feature)] = bool(set(a) & set(b)) if isinstance(a, tuple) else a == b
    return out

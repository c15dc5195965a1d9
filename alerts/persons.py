"""Missing meets found: how strongly a missing-person (or missing-child) report and a found,
sighted or unidentified report describe the same person.

Found people are often nameless, so the evidence is everything a report can carry: sex, the ages
(as birth-year ranges), the dates (nobody is found before they went missing), the places,
identifying marks, height, complexion, clothing, languages and, where both reports have one,
the name (`alerts.names`). Each piece is one small feature returning its contribution to the
log-odds of a match and a reason (nomenklatura's habit: new evidence is a new entry in
`FEATURES`). Some facts forbid a match outright (`exclusions`): a different sex, ages that
cannot be the same person's, a found date well before the missing date.

The weights are set by hand from what each fact means and checked against the simulated world's
true pairs (`bench/alerts`); the sending threshold lives in `alerts.matchers`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import pairwise

from . import clothing, languages, marks, names
from .cases import MISSING, Case
from .evidence import (
    CaseEvidence,
    Feature,
    Shares,
    Uniform,
    agreement,
    day,
    disagreement,
    group,
)
from .places import neighbours

# Prior log-odds that a missing and a found report agreeing on sex and age describe one person:
# among the hundreds of open reports such a pair shares, few are true. Evidence must lift it.
PRIOR = -4.0
# A found report may be filed a little before the missing one's "last seen" date is written
# down (reports are dated by hand); more than this is another person.
DATE_SLACK_DAYS = 2
# A found person's age is an estimate (a finder's guess, a doctor's from a body), and a guess
# is off by two or three years often enough: only further than this excludes the pair; within
# it, `age` weighs each year outside the estimate against.
AGE_SLACK_YEARS = 3


@dataclass(frozen=True)
class PersonMatch:
    missing: Case
    found: Case
    score: float  # probability, 0..1, rounded for the alert
    evidence: tuple[CaseEvidence, ...]
    log_odds: float = 0.0  # the unrounded total: what ranks matches whose rounded scores tie


def exclusions(m: Case, f: Case) -> str | None:
    """Why these two reports cannot be one person, or None."""
    if m.gender and f.gender and m.gender != f.gender:
        return "sex differs"
    if None not in (m.born_from, m.born_to, f.born_from, f.born_to):
        assert m.born_from is not None and m.born_to is not None
        assert f.born_from is not None and f.born_to is not None
        if m.born_to < f.born_from - AGE_SLACK_YEARS or f.born_to < m.born_from - AGE_SLACK_YEARS:
            return "ages cannot be the same person's"
    missed, found = day(m.event_date), day(f.event_date)
    if missed and found and (missed - found).days > DATE_SLACK_DAYS:
        return "found before going missing"
    return None


def sex(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """The same sex on both reports (a different one excludes the pair)."""
    if m.gender and f.gender:
        return CaseEvidence("sex", m.gender, f.gender, 0.3)
    return None


# How many birth years the reports a missing report is compared with span (children 0-17, adults
# 18-75): an estimate covering a few of them says more than one covering half.
BIRTH_YEARS_SPANNED = {True: 17, False: 55}


def age(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Ages that agree: the found report's estimate (an age range) overlaps the missing person's
    birth years, and the narrower the estimate, the more that says (ln of how much of the
    population's span it leaves). Just outside the estimate (a finder's guess is off by a year
    or two) speaks against, a little for each year."""
    if None in (m.born_from, m.born_to, f.born_from, f.born_to):
        return None
    assert m.born_from is not None and m.born_to is not None
    assert f.born_from is not None and f.born_to is not None
    gap = max(f.born_from - m.born_to, m.born_from - f.born_to, 0)
    if gap:
        weight = -0.8 * gap
    else:
        covered = max(f.born_to, m.born_to) - min(f.born_from, m.born_from) + 1
        weight = min(2.5, max(0.0, math.log(0.9 * BIRTH_YEARS_SPANNED[m.child] / covered)))
    return CaseEvidence(
        "age", f"born {m.born_from}-{m.born_to}", f"born {f.born_from}-{f.born_to}", weight
    )


# How much where the child's age falls in a finder's estimate can say, at most, either way.
CENTRE_WEIGHT = 0.3


def age_centre(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Where in an estimate the other report's age falls: an estimate ("8 to 12") is a guess
    ("about 10") widened both ways, so the true age lies near its middle more often than at its
    ends. The middle speaks a little for the pair, the ends a little against, in proportion to
    the distance from the middle (`age` has weighed the overlap; outside the estimate it has
    weighed each year against, and this says nothing more). Only where one report's range is
    wider than the other's: two stated ages are not estimates."""
    if None in (m.born_from, m.born_to, f.born_from, f.born_to):
        return None
    assert m.born_from is not None and m.born_to is not None
    assert f.born_from is not None and f.born_to is not None
    # (first, last birth year) of the narrower range, then of the wider (the estimate)
    (low, high), (first, last) = sorted(
        ((m.born_from, m.born_to), (f.born_from, f.born_to)), key=lambda r: r[1] - r[0]
    )
    span = last - first + 1
    if span <= high - low + 1 or high < first or low > last:
        return None
    off = abs((low + high) / 2 - (first + last) / 2) / (span / 2)
    weight = round(CENTRE_WEIGHT * (1 - 2 * min(off, 1.0)), 2)
    where = "near its middle" if off <= 0.5 else "towards its end"
    return CaseEvidence(
        "age in estimate",
        f"born {m.born_from}-{m.born_to}",
        f"born {f.born_from}-{f.born_to}",
        weight,
        where,
    )


# How likely a true pair is found after so many days, as weights at points between which the
# weight falls evenly in the logarithm of the days (no cliff at a month's end): most are found
# within days or weeks, a year later is rare. The points sit in the middle of the month-scale
# ranges an officer thinks in (a few days, two weeks, two months, half a year, two years).
TIMING = ((3, 1.4), (14, 1.0), (52, 0.5), (180, -0.3), (730, -1.0))


def timing(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Found soon after going missing: most are found within days or weeks; the weight falls
    smoothly with the time between (`TIMING`)."""
    missed, found = day(m.event_date), day(f.event_date)
    if not missed or not found:
        return None
    days = max((found - missed).days, 0)
    return CaseEvidence("dates", missed.isoformat(), found.isoformat(), round(_timing(days), 2))


def _timing(days: int) -> float:
    if days <= TIMING[0][0]:
        return TIMING[0][1]
    for (d0, w0), (d1, w1) in pairwise(TIMING):
        if days <= d1:
            at = (math.log(days) - math.log(d0)) / (math.log(d1) - math.log(d0))
            return w0 + (w1 - w0) * at
    return TIMING[-1][1]


def place(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Found near where last seen: the same district, the same state, a neighbouring state (a
    child who ran away often takes the first train out); far away speaks mildly against (many
    travel far: trafficked, or on a long-distance train)."""
    if not m.state or not f.state:
        return None
    if m.district and f.district and m.state == f.state and m.district == f.district:
        return CaseEvidence("place", f"{m.district}, {m.state}", f"{f.district}, {f.state}", 1.2)
    if m.state == f.state:
        return CaseEvidence("place", m.state, f.state, 0.8)
    if f.state in neighbours(m.state):
        return CaseEvidence("place", m.state, f.state, 0.2, "neighbouring state")
    return CaseEvidence("place", m.state, f.state, -0.3)


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


FEATURES: tuple[Feature, ...] = (
    sex,
    age,
    age_centre,
    timing,
    place,
    marks.evidence,
    height,
    complexion,
    clothing.evidence,
    languages.evidence,
    languages.home_evidence,
    names.evidence,
)


def compare(m: Case, f: Case, shares: Shares | None = None) -> PersonMatch | None:
    """The match between a missing and a found report, or None when one fact excludes it."""
    if exclusions(m, f) is not None:
        return None
    ctx = shares or Uniform()
    evidence = tuple(e for e in (feature(m, f, ctx) for feature in FEATURES) if e is not None)
    total = PRIOR + sum(e.weight for e in evidence)
    return PersonMatch(m, f, round(1.0 / (1.0 + math.exp(-total)), 4), evidence, total)


# The features whose agreement rate is learnt (`Shares.agree`), and how a sure pair shows it.
DESCRIBED = ("marks", "clothing", "languages", "complexion")
SURE_NAME_WEIGHT = 1.5  # the name matcher says 0.7 or more
SAME_STATE = 0.8  # `place`'s weight for the same state
SURE_WITHIN_DAYS = 90  # "within three months"


def sure(m: Case, f: Case, shares: Shares) -> bool:
    """A pair the matcher is sure of without the described features: the same name (what the
    name matcher scores 0.7 or more), found in the state where last seen, within three months,
    sex and ages agreeing. What such pairs' descriptions agree on teaches `Shares.agree`: a
    namesake elsewhere or much later would teach noise."""
    if not m.names or not f.names or exclusions(m, f) is not None:
        return False
    where = place(m, f, shares)
    missed, found = day(m.event_date), day(f.event_date)
    if where is None or where.weight < SAME_STATE or not missed or not found:
        return False
    if (found - missed).days > SURE_WITHIN_DAYS:
        return False
    said = names.evidence(m, f, shares)  # the dearest test last
    # a given name alone is shared by namesakes: a pair it alone joins is not sure enough to
    # learn from (on the simulated worlds a fifth of the pairs that would have been)
    return said is not None and said.weight >= SURE_NAME_WEIGHT and said.detail != names.GIVEN_ONLY


def described_alike(m: Case, f: Case) -> dict[str, bool]:
    """For each described feature both reports carry: whether they describe it alike, by
    meaning (keyed by `group`)."""
    out: dict[str, bool] = {}
    seen_m, seen_f = marks.read_marks(m.marks), marks.read_marks(f.marks)
    if seen_m and seen_f:
        kinds_m = {x.kind for x in seen_m if x.kind}
        out[group(m, "marks")] = bool(kinds_m & {x.kind for x in seen_f if x.kind})
    worn_m, worn_f = clothing.read_clothing(m.clothing), clothing.read_clothing(f.clothing)
    if worn_m and worn_f:
        out[group(m, "clothing")] = bool(
            {clothing.garment_key(g) for g in worn_m} & {clothing.garment_key(g) for g in worn_f}
        )
    said_m, said_f = languages.spoken(m), languages.spoken(f)
    if said_m and said_f:
        out[group(m, "languages")] = bool(set(said_m) & set(said_f))
    if m.complexion and f.complexion:
        out[group(m, "complexion")] = m.complexion == f.complexion
    return out


def described_values(case: Case) -> list[tuple[str, str]]:
    """The (feature key, value) pairs a report contributes to `Shares.share`: each mark's kind,
    kind and part, kind and region; each garment and garment in its colour; each language; the
    complexion."""
    out: list[tuple[str, str]] = []
    for mark in marks.read_marks(case.marks):
        if mark.kind:
            out.append((group(case, "marks"), mark.kind))
            if mark.part:
                out.append((group(case, "marks.place"), marks.mark_place(mark)))
                out.append((group(case, "marks.region"), marks.mark_region(mark)))
    for garment in clothing.read_clothing(case.clothing):
        out.append((group(case, "clothing"), garment.item))
        if garment.colour:
            out.append((group(case, "clothing.colour"), clothing.garment_key(garment)))
    out.extend((group(case, "languages"), lang) for lang in languages.spoken(case))
    if case.complexion:
        out.append((group(case, "complexion"), case.complexion))
    if case.side == MISSING:
        out.extend(
            (group(case, "home language"), lang)
            for lang in sorted(languages.home_languages(case.state))
        )
    words = {w for written in case.names for w in names.name_words(written)}
    out.extend((group(case, "given name"), w) for w in sorted(words))
    return out

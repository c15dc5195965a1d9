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
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Protocol

from matching.api import AnalysedQuery, PersonQuery, analyse, name_score
from matching.phonetic import ascii_fold, canonical
from matching.scripts import to_latin

from . import descriptions as d
from .cases import MISSING, Case
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


# Of a true pair's reports that both describe a mark and agree on what it is, how often they
# also place it alike: most reporters say where; some say only "on face", some nothing.
PLACED_ALIKE = 0.7
# How often a reporter writes the other side (the person's left seen from the front).
SIDE_SWAPPED = 0.05


def marks(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Identifying marks, compared by what they are and where (`descriptions.read_marks`):
    the same mark in the same place is strong evidence, the rarer the stronger (ln m/u, u the
    share of reports describing that mark there); the same kind of mark with the place vague or
    unsaid says less; a mark of another kind speaks against, mildly (a reporter sees a mole
    another misses, a child has two marks and each report names one)."""
    seen_m, seen_f = d.read_marks(m.marks), d.read_marks(f.marks)
    if not seen_m or not seen_f:
        return None
    best = d.best_marks(seen_m, seen_f)
    assert best is not None
    level, a, _ = best
    agree = shares.agree(group(m, "marks"))
    weight: float
    if level == d.MarkLevel.SAME:
        u = shares.share(group(m, "marks.place"), mark_place(a))
        weight = _log_ratio(agree * PLACED_ALIKE, u, 0.0, 3.5)
    elif level == d.MarkLevel.NEAR:
        u = shares.share(group(m, "marks.region"), mark_region(a))
        weight = _log_ratio(agree * (1 - PLACED_ALIKE), u, 0.0, 2.0)
    elif level == d.MarkLevel.SIDE:
        u = shares.share(group(m, "marks.place"), mark_place(a))
        weight = _log_ratio(agree * SIDE_SWAPPED, u / 2, 0.0, 1.0)
    elif level == d.MarkLevel.KIND:
        u = shares.share(group(m, "marks"), a.kind or "")
        weight = _log_ratio(agree, u, 0.0, 1.5)
    elif level == d.MarkLevel.RELATED:
        weight = 0.3
    else:
        kinds = sorted({x.kind for x in seen_m if x.kind})
        weight = disagreement(shares, group(m, "marks"), kinds[0] if kinds else "", 1.5)
    return CaseEvidence("identifying marks", m.marks, f.marks, weight, level)


def mark_place(mark: d.MarkSeen) -> str:
    return f"{mark.kind}|{mark.part}"


def mark_region(mark: d.MarkSeen) -> str:
    return f"{mark.kind}|{mark.region}"


def _log_ratio(m: float, u: float, low: float, high: float) -> float:
    """ln(m / u) within [low, high] (u kept off zero)."""
    return max(low, min(high, math.log(max(m, 1e-4) / max(u, 1e-4))))


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
    """Clothing, compared garment by garment (`descriptions.read_clothing`): the same garment in
    the same colour is evidence (a child found days later often still wears it), the rarer the
    stronger; a similar garment or a neighbouring colour ("maroon" for "red") a little; nothing
    in common speaks against, less the longer the time between (clothes change)."""
    worn_m, worn_f = d.read_clothing(m.clothing), d.read_clothing(f.clothing)
    if not worn_m or not worn_f:
        return None
    agree = shares.agree(group(m, "clothing"))
    total, against = 0.0, 0.0
    for g in worn_m:
        best = 0.0
        worst = 0.0
        for h in worn_f:
            alike = d.garment_alike(g.item, h.item)
            if alike == "different":
                continue
            colour = d.colour_level(g.colour, h.colour)
            if alike == "same" and colour == "same":
                u = shares.share(group(m, "clothing.colour"), garment_key(g))
                value = _log_ratio(agree, u, 0.0, 2.0)
            elif colour in ("same", "near") or (alike == "same" and colour == "unsaid"):
                u = shares.share(group(m, "clothing"), g.item)
                value = _log_ratio(agree * 0.5, u, 0.0, 0.8)
            else:  # the same garment in another colour
                value, worst = 0.0, -0.7
            best = max(best, value)
        total += best
        against = min(against, worst) if best == 0.0 else against
    weight = min(total, 2.5)
    if weight == 0.0:
        fade = _clothes_fade(m, f)
        weight = (against or disagreement(shares, group(m, "clothing"), "", 1.0)) * fade
    shown_m = ", ".join(str(g) for g in worn_m)
    shown_f = ", ".join(str(g) for g in worn_f)
    return CaseEvidence("clothing", shown_m, shown_f, weight)


def garment_key(garment: d.Garment) -> str:
    return f"{garment.item}|{garment.colour}"


def _clothes_fade(m: Case, f: Case) -> float:
    """How much different clothes still say: fully within three days, half within two weeks,
    a quarter after (a found child has often been given other clothes)."""
    missed, found = _date(m.event_date), _date(f.event_date)
    if not missed or not found:
        return 0.5
    days = (found - missed).days
    return 1.0 if days <= 3 else 0.5 if days <= 14 else 0.25


def spoken(case: Case) -> tuple[str, ...]:
    """A report's languages by their one name each (`descriptions.read_languages`)."""
    return d.read_languages(", ".join(case.languages)) if case.languages else ()


def languages(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """A language in common (by its one name: "Bangla" is Bengali), the rarer the stronger;
    only languages of the Hindi belt on both sides (a Bhojpuri speaker written down as speaking
    Hindi) is nearly neutral, as is only Hindi or English on one side (link languages a child
    speaks besides their own); otherwise nothing in common speaks against, mildly (a frightened
    child may say little, a finder may guess)."""
    said_m, said_f = spoken(m), spoken(f)
    if not said_m or not said_f:
        return None
    shared = sorted(set(said_m) & set(said_f))
    if shared:
        weight = max(agreement(shares, group(m, "languages"), lang, 1.5) for lang in shared)
    elif d.languages_related(said_m, said_f):
        weight = 0.2
    elif d.link_language_only(said_m, said_f):
        weight = 0.0
    else:
        weight = disagreement(shares, group(m, "languages"), said_m[0], 1.0)
    return CaseEvidence("languages", ", ".join(said_m), ", ".join(said_f), weight)


# Of a true pair, how often the found child's own language (not a link language) is one of the
# missing report's state's: most children are found speaking their home state's language; a
# migrant family's child speaks another.
HOME_AGREE = 0.8


def home_language(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """A found person's own language against the languages of the state the missing report
    comes from, where the missing report lists none of its own (`languages` compares the two
    lists where both have one). Speaking one of that state's languages is evidence, the fewer
    the reports from states that speak it the stronger (u: the share of missing reports whose
    state speaks it); speaking none of them speaks against, mildly (migrant families, border
    districts). Hindi and English alone say nothing (a child from anywhere may speak them)."""
    if m.languages:
        return None
    # a language of the state where found says only that the child is local, which `place`
    # already weighs: a stranger's language is what points to a home elsewhere
    own = sorted(set(spoken(f)) - d.LINK_LANGUAGES - d.home_languages(f.state))
    home = d.home_languages(m.state)
    if not own or not home:
        return None
    key = group(m, "home language")
    shared = [lang for lang in own if lang in home]
    if shared:
        weight = max(_log_ratio(HOME_AGREE, shares.share(key, lang), 0.0, 1.0) for lang in shared)
        return CaseEvidence("home language", m.state, ", ".join(own), weight, "spoken there")
    if set(own) <= d.HINDUSTANI and "hindi" in home:
        # the Hindi belt's languages travel with its families within it (an Awadhi-speaking
        # family in Madhya Pradesh): neither for nor against
        return CaseEvidence("home language", m.state, ", ".join(own), 0.0, "related languages")
    u = max(shares.share(key, lang) for lang in own)
    weight = max(-0.8, min(0.0, math.log((1 - HOME_AGREE) / max(1 - u, 1e-4))))
    return CaseEvidence("home language", m.state, ", ".join(own), weight, "not spoken there")


@lru_cache(maxsize=4096)
def _analysed(name: str) -> AnalysedQuery:
    return analyse(PersonQuery(name=name))


@lru_cache(maxsize=65_536)
def name_words(written: str) -> tuple[str, ...]:
    """The words of a written name by their canonical spelling, in any script ("ദീപ" and "Deepa"
    are one word), initials left out ("P. Swathi Reddy": swati, redi)."""
    words = re.split(r"[\s.,]+", ascii_fold(to_latin(written)))
    return tuple(canonical(w) for w in words if len(w) > 1 and w.isalpha())


def given_name(m: Case, f: Case) -> str | None:
    """The word a one-word name on one report shares with the other's name: a found child
    often says only a given name ("Rajesh") where the missing report has the full one ("Rajesh
    Verma"), and the name matcher (built to find a person by a full name) reads the missing
    surname as disagreement."""
    for one, other in ((m.names, f.names), (f.names, m.names)):
        for written in one:
            words = name_words(written)
            if len(words) != 1:
                continue
            if any(words[0] in name_words(w) for w in other):
                return words[0]
    return None


# Of a true pair whose one report has a given name only, how often the other's name holds it
# (children give pet names, carers name the nameless: see `name`).
GIVEN_AGREE = 0.6


def name(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """Where both reports carry a name (found children sometimes say theirs): the name matcher's
    calibrated score, best written form against best. A one-word name that is a word of the
    other's name (a given name against a full one) counts by how common that word is among the
    reports' names (a rare given name says more than "Rajesh"). A found child's other name
    speaks less against than an adult's: children give pet names, and carers name the
    nameless."""
    if not m.names or not f.names:
        return None
    best, pair = 0.0, (m.names[0], f.names[0])
    for written in m.names:
        analysed = _analysed(written)
        for other in f.names:
            value = name_score(analysed, other)
            if value > best:
                best, pair = value, (written, other)
    differ = -1.0 if f.child else -2.5
    weight = 3.0 if best >= 0.9 else 1.5 if best >= 0.7 else 0.0 if best >= 0.4 else differ
    if weight < 3.0:
        word = given_name(m, f)
        if word is not None:
            u = shares.share(group(m, "given name"), word)
            given = _log_ratio(GIVEN_AGREE, u, 0.5, 1.5)
            if given > weight:
                return CaseEvidence("name", pair[0], pair[1], given, "given name only")
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
    home_language,
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
SAME_STATE = 0.8  # `place`'s weight for the same state


def sure(m: Case, f: Case, shares: Shares) -> bool:
    """A pair the matcher is sure of without the described features: the same name (what the
    name matcher scores 0.7 or more), found in the state where last seen, within three months,
    sex and ages agreeing. What such pairs' descriptions agree on teaches `Shares.agree`: a
    namesake elsewhere or much later would teach noise."""
    if not m.names or not f.names or exclusions(m, f) is not None:
        return False
    where = place(m, f, shares)
    when = timing(m, f, shares)
    if where is None or where.weight < SAME_STATE or when is None or when.weight <= 0:
        return False
    said = name(m, f, shares)  # the dearest test last
    return said is not None and said.weight >= SURE_NAME_WEIGHT


def described_alike(m: Case, f: Case) -> dict[str, bool]:
    """For each described feature both reports carry: whether they describe it alike, by
    meaning (keyed by `group`)."""
    out: dict[str, bool] = {}
    seen_m, seen_f = d.read_marks(m.marks), d.read_marks(f.marks)
    if seen_m and seen_f:
        kinds_m = {x.kind for x in seen_m if x.kind}
        out[group(m, "marks")] = bool(kinds_m & {x.kind for x in seen_f if x.kind})
    worn_m, worn_f = d.read_clothing(m.clothing), d.read_clothing(f.clothing)
    if worn_m and worn_f:
        out[group(m, "clothing")] = bool(
            {garment_key(g) for g in worn_m} & {garment_key(g) for g in worn_f}
        )
    said_m, said_f = spoken(m), spoken(f)
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
    for mark in d.read_marks(case.marks):
        if mark.kind:
            out.append((group(case, "marks"), mark.kind))
            if mark.part:
                out.append((group(case, "marks.place"), mark_place(mark)))
                out.append((group(case, "marks.region"), mark_region(mark)))
    for garment in d.read_clothing(case.clothing):
        out.append((group(case, "clothing"), garment.item))
        if garment.colour:
            out.append((group(case, "clothing.colour"), garment_key(garment)))
    out.extend((group(case, "languages"), lang) for lang in spoken(case))
    if case.complexion:
        out.append((group(case, "complexion"), case.complexion))
    if case.side == MISSING:
        out.extend(
            (group(case, "home language"), lang) for lang in sorted(d.home_languages(case.state))
        )
    words = {w for written in case.names for w in name_words(written)}
    out.extend((group(case, "given name"), w) for w in sorted(words))
    return out

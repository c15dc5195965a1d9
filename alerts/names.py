"""Names on missing and found reports, where both carry one (found children sometimes say
theirs): the name matcher's score (`matching`), and a given name read against a full one."""

from __future__ import annotations

import re
from functools import lru_cache

from matching.api import AnalysedQuery, PersonQuery, analyse, name_score
from matching.phonetic import ascii_fold, canonical
from matching.scripts import to_latin

from .cases import Case
from .evidence import CaseEvidence, Shares, group, log_ratio


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


# The `detail` of a name agreement read from a given name alone (`given_name`).
GIVEN_ONLY = "given name only"
# Of a true pair whose one report has a given name only, how often the other's name holds it
# (children give pet names, carers name the nameless: see `evidence`).
GIVEN_AGREE = 0.6


def evidence(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
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
            given = log_ratio(GIVEN_AGREE, u, 0.5, 1.5)
            if given > weight:
                return CaseEvidence("name", pair[0], pair[1], given, GIVEN_ONLY)
    return CaseEvidence("name", pair[0], pair[1], weight)

"""Languages: the ones a report lists, by their one name each (`read_languages`), where each is
at home (`LANGUAGE_HOMES`), and what two reports' languages weigh (`evidence`, and
`home_evidence` where only the found report lists any)."""

from __future__ import annotations

import math
from functools import cache, lru_cache

from .cases import Case
from .evidence import CaseEvidence, Shares, agreement, disagreement, group, log_ratio
from .lexicon import find, lexicon

LANGUAGES: dict[str, tuple[str, ...]] = {
    "hindi": ("hindi", "hindustani", "हिंदी", "हिन्दी"),
    "urdu": ("urdu",),
    "bengali": ("bengali", "bangla", "bangali", "বাংলা"),
    "odia": ("odia", "oriya", "odiya"),
    "assamese": ("assamese", "asomiya", "axomiya"),
    "punjabi": ("punjabi", "panjabi", "gurmukhi"),
    "gujarati": ("gujarati", "gujrati"),
    "marathi": ("marathi",),
    "konkani": ("konkani",),
    "tamil": ("tamil", "thamizh", "tamizh"),
    "telugu": ("telugu", "telegu"),
    "kannada": ("kannada", "kanarese", "kannad"),
    "tulu": ("tulu",),
    "malayalam": ("malayalam", "malayali"),
    "nepali": ("nepali", "gorkhali"),
    "bhojpuri": ("bhojpuri",),
    "maithili": ("maithili",),
    "awadhi": ("awadhi",),
    "magahi": ("magahi", "magadhi", "khortha"),
    "haryanvi": ("haryanvi",),
    "rajasthani": ("rajasthani", "marwari", "mewari"),
    "chhattisgarhi": ("chhattisgarhi",),
    "garhwali": ("garhwali",),
    "kumaoni": ("kumaoni",),
    "kashmiri": ("kashmiri",),
    "dogri": ("dogri",),
    "sindhi": ("sindhi",),
    "santali": ("santali", "santhali"),
    "manipuri": ("manipuri", "meitei", "meiteilon"),
    "khasi": ("khasi",),
    "mizo": ("mizo",),
    "english": ("english",),
}
# Languages a listener takes for one another or a speaker also speaks: a child who speaks
# Bhojpuri is written down as speaking Hindi; Hindi and Urdu are one spoken language.
HINDUSTANI = frozenset(
    {
        "hindi",
        "urdu",
        "bhojpuri",
        "maithili",
        "awadhi",
        "magahi",
        "haryanvi",
        "rajasthani",
        "chhattisgarhi",
        "garhwali",
        "kumaoni",
    }
)
# Languages most Indians speak besides their own, and the ones a police officer or a shelter's
# staff and a child find they share: "Hindi" on a found report says little against a missing
# Punjabi or Bengali child's report (north of the Vindhyas most children also speak it).
LINK_LANGUAGES = frozenset({"hindi", "english"})
_LANGUAGES = lexicon(LANGUAGES)


@lru_cache(maxsize=16_384)
def read_languages(text: str | None) -> tuple[str, ...]:
    """The languages a report lists, by their one name (unknown words left out)."""
    if not text:
        return ()
    return tuple(sorted({value for _, value in find(text.lower(), _LANGUAGES)}))


def languages_related(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Both sides in the Hindi belt (a Bhojpuri speaker written down as speaking Hindi)."""
    return bool(HINDUSTANI & set(a)) and bool(HINDUSTANI & set(b))


def link_language_only(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """One side lists only a link language (Hindi, English) the other side's speaker may also
    speak without its being written down."""
    return set(a) <= LINK_LANGUAGES or set(b) <= LINK_LANGUAGES


# Where each language is at home: the states holding a sizeable share of its speakers (after the
# Census's language tables; a state's own minorities count where they are many, Urdu in Telangana,
# Bengali in Assam). A found child who speaks Telugu far from Andhra Pradesh and Telangana more
# likely went missing from there than from Punjab; a language spoken everywhere says nothing.
LANGUAGE_HOMES: dict[str, frozenset[str]] = {
    "hindi": frozenset({"UP", "BR", "MP", "RJ", "DL", "HR", "UK", "HP", "JH", "CG", "CH"}),
    "urdu": frozenset({"UP", "BR", "MH", "TS", "AP", "KA", "DL", "JK", "JH", "WB"}),
    "bengali": frozenset({"WB", "TR", "AS", "JH"}),
    "odia": frozenset({"OD"}),
    "assamese": frozenset({"AS"}),
    "punjabi": frozenset({"PB", "HR", "DL", "CH"}),
    "gujarati": frozenset({"GJ", "DN"}),
    "marathi": frozenset({"MH", "GA"}),
    "konkani": frozenset({"GA", "KA"}),
    "tamil": frozenset({"TN", "PY"}),
    "telugu": frozenset({"AP", "TS"}),
    "kannada": frozenset({"KA"}),
    "tulu": frozenset({"KA"}),
    "malayalam": frozenset({"KL", "PY"}),
    "nepali": frozenset({"SK", "WB", "AS"}),
    "bhojpuri": frozenset({"BR", "UP"}),
    "maithili": frozenset({"BR", "JH"}),
    "awadhi": frozenset({"UP"}),
    "magahi": frozenset({"BR", "JH"}),
    "haryanvi": frozenset({"HR"}),
    "rajasthani": frozenset({"RJ"}),
    "chhattisgarhi": frozenset({"CG"}),
    "garhwali": frozenset({"UK"}),
    "kumaoni": frozenset({"UK"}),
    "kashmiri": frozenset({"JK"}),
    "dogri": frozenset({"JK"}),
    "sindhi": frozenset({"GJ", "RJ", "MH"}),
    "santali": frozenset({"JH", "WB", "OD"}),
    "manipuri": frozenset({"MN"}),
    "khasi": frozenset({"ML"}),
    "mizo": frozenset({"MZ"}),
}


@cache
def home_languages(state: str | None) -> frozenset[str]:
    """The languages at home in `state` (`LANGUAGE_HOMES`; none known: empty)."""
    return frozenset(lang for lang, states in LANGUAGE_HOMES.items() if state in states)


def spoken(case: Case) -> tuple[str, ...]:
    """A report's languages by their one name each (`read_languages`)."""
    return read_languages(", ".join(case.languages)) if case.languages else ()


def evidence(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
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
    elif languages_related(said_m, said_f):
        weight = 0.2
    elif link_language_only(said_m, said_f):
        weight = 0.0
    else:
        weight = disagreement(shares, group(m, "languages"), said_m[0], 1.0)
    return CaseEvidence("languages", ", ".join(said_m), ", ".join(said_f), weight)


# Of a true pair, how often the found child's own language (not a link language) is one of the
# missing report's state's: most children are found speaking their home state's language; a
# migrant family's child speaks another.
HOME_AGREE = 0.8


def home_evidence(m: Case, f: Case, shares: Shares) -> CaseEvidence | None:
    """A found person's own language against the languages at home in the state the missing
    report comes from, where the missing report lists none of its own (where both list some,
    `evidence` compares the lists). Speaking one of that state's languages is evidence, the
    fewer the reports from states that speak it the stronger (u: the share of missing reports
    whose state speaks it); speaking none of them speaks against, mildly (migrant families,
    border districts). Hindi and English alone say nothing (a child from anywhere may speak
    them)."""
    if m.languages:
        return None
    # a language of the state where found says only that the child is local, which `place`
    # already weighs: a stranger's language is what points to a home elsewhere
    own = sorted(set(spoken(f)) - LINK_LANGUAGES - home_languages(f.state))
    home = home_languages(m.state)
    if not own or not home:
        return None
    key = group(m, "home language")
    shared = [lang for lang in own if lang in home]
    if shared:
        weight = max(log_ratio(HOME_AGREE, shares.share(key, lang), 0.0, 1.0) for lang in shared)
        return CaseEvidence("home language", m.state, ", ".join(own), weight, "spoken there")
    if set(own) <= HINDUSTANI and "hindi" in home:
        # the Hindi belt's languages travel with its families within it (an Awadhi-speaking
        # family in Madhya Pradesh): neither for nor against
        return CaseEvidence("home language", m.state, ", ".join(own), 0.0, "related languages")
    u = max(shares.share(key, lang) for lang in own)
    weight = max(-0.8, min(0.0, math.log((1 - HOME_AGREE) / max(1 - u, 1e-4))))
    return CaseEvidence("home language", m.state, ", ".join(own), weight, "not spoken there")

"""How names are written: spelling variants, local scripts, titles and case.

The variations are the ones seen in Indian records (spelling conventions, titles, local scripts),
written here from those observations and *not* from the matcher's rules: the spelling variants
below include alternations the matcher has no rule for (e↔i, o↔u, vowel insertion, r/d), so that
the benchmark measures generalisation. Damage (typing, scanning) is in `noise`.

Local-script renderings go through `indic_transliteration` (ITRANS → script), an implementation
independent of `matching.scripts`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from indic_transliteration import sanscript

from bench.names.pools import Community

CLASSES = (
    "transliteration",
    "initials",
    "order",
    "honorific",
    "typo",
    "local_script",
    "missing_token",
    "relative_surname",
    "south_initial",
    "one_word",
    "damaged_record",
    "combination",
)


@dataclass
class GalleryRecord:
    pid: str
    name: str | None
    name_local: str | None
    gender: str
    birth_year: int
    relative_name: str | None = None


@dataclass
class Query:
    text: str
    cls: str  # variation class, or "negative"
    target: str | None  # pid, None for negatives
    source: str = "synthetic"  # or "curated"
    gender: str | None = None
    birth_year: int | None = None
    notes: list[str] = field(default_factory=list)
    # other people this query is an equally good answer for: their name fits what the officer
    # wrote as well as the target's does, and nothing else the query gives contradicts them
    also: tuple[str, ...] = ()
    relative_name: str | None = None
    state: str | None = None
    age: int | None = None  # instead of a birth year, "about N years" on the benchmark's date
    meant: tuple[str, ...] = ()  # the name's words the officer meant (`queries.Draft.meant`)
    subject: str | None = None  # who it was written about: the target, or an absent person
    # everyone whose name fits as well as the subject's, whatever else the query says (what a
    # comparison of names alone can find; `also` is what the query as a whole is right for)
    fits: tuple[str, ...] = ()


# ---------------------------------------------------------------- scripts

_ITRANS_RULES = (
    ("aa", "A"), ("ee", "I"), ("oo", "U"), ("ou", "au"), ("ow", "au"), ("x", "kSh"),
    ("ksh", "kSh"), ("chh", "Ch"), ("w", "v"), ("q", "k"), ("c(?!h)", "k"),
)  # fmt: skip
_SCRIPTS = {
    "devanagari": sanscript.DEVANAGARI,
    "gurmukhi": sanscript.GURMUKHI,
    "bengali": sanscript.BENGALI,
    "gujarati": sanscript.GUJARATI,
    "oriya": sanscript.ORIYA,
    "tamil": sanscript.TAMIL,
    "telugu": sanscript.TELUGU,
    "kannada": sanscript.KANNADA,
    "malayalam": sanscript.MALAYALAM,
}
_CONS = "bcdfghjklmnpqrstvwxyz"


def to_itrans(word: str, south: bool, rng: random.Random, tamil: bool = False) -> str:
    w = word.lower()
    for pat, rep in _ITRANS_RULES:
        w = re.sub(pat, rep, w)
    if south:
        w = w.replace("f", "ph").replace("z", "j")
    if w.endswith("a") and len(w) > 2 and not (w[-2] in _CONS and w[-3] in _CONS):
        w = w[:-1] + "A"
    elif w.endswith("i") or (w.endswith("y") and len(w) > 2 and w[-2] in _CONS):
        w = w[:-1] + "I"  # Chaudhary, Reddy: a final y is written ी
    elif w[-1] in _CONS and not south:
        w += "a"  # northern scripts write a final consonant with its inherent vowel
    if rng.random() < 0.5 and not tamil:
        w = re.sub(r"n(?=[kgcjtdpb])", "M", w)  # anusvara instead of a nasal conjunct
    return w


# how Indic records spell an initial: the English letter's name (आर. के. शर्मा)
_LETTER_ITRANS = {
    "a": "e", "b": "bI", "c": "sI", "d": "DI", "e": "I", "f": "epha", "g": "jI", "h": "ech",
    "i": "AI", "j": "je", "k": "ke", "l": "el", "m": "em", "n": "en", "o": "o", "p": "pI",
    "q": "kyU", "r": "Ara", "s": "es", "t": "TI", "u": "yU", "v": "vI", "w": "DablyU",
    "x": "eks", "y": "vAI", "z": "jeD",
}  # fmt: skip


def render_script(tokens: list[str], comm: Community, rng: random.Random) -> str:
    south = comm.script in ("tamil", "telugu", "kannada", "malayalam")
    scheme = _SCRIPTS[comm.script]
    out = []
    for t in tokens:
        letters = t.replace(".", "")
        if letters.isalpha() and len(letters) <= 2 and (t.endswith(".") or len(letters) == 1):
            for ch in letters.lower():  # initials: letter names with a dot
                out.append(
                    sanscript.transliterate(_LETTER_ITRANS[ch], sanscript.ITRANS, scheme) + "."
                )
            continue
        if not letters.isalpha():
            continue
        itrans = to_itrans(letters, south, rng, tamil=comm.script == "tamil")
        out.append(sanscript.transliterate(itrans, sanscript.ITRANS, scheme))
    return " ".join(out)


# ---------------------------------------------------------------- variations

# Spelling alternations seen in records (both directions are applied).
_SPELLINGS = (
    ("ee", "i"), ("i", "ee"), ("oo", "u"), ("u", "oo"), ("aa", "a"), ("a", "aa"), ("sh", "s"),
    ("s", "sh"), ("v", "w"), ("w", "v"), ("ksh", "x"), ("x", "ksh"), ("th", "t"), ("t", "th"),
    ("dh", "d"), ("d", "dh"), ("bh", "b"), ("ph", "f"), ("f", "ph"), ("z", "j"), ("j", "z"),
    ("q", "k"), ("ai", "ay"), ("ay", "ai"), ("au", "ou"), ("ou", "au"), ("ch", "chh"),
    ("endra", "ender"), ("inder", "endra"), ("y$", "i"), ("i$", "y"), ("a$", ""), ("h$", ""),
    ("e", "i"), ("o", "u"), ("mm", "m"), ("([bdgklmnprst])\\1", "\\1"),
    ("([bdgklmnprst])(?=[aeiou])", "\\1\\1"), ("v", "b"), ("b", "v"), ("kh", "k"),
    ("ri", "ru"), ("sri", "shree"), ("shri", "sri"), ("ya$", "ia"),
)  # fmt: skip


def vary_spelling(token: str, rng: random.Random, edits: int = 1) -> str:
    t = token.lower()
    for _ in range(edits):
        options = [(p, r) for p, r in _SPELLINGS if re.search(p, t)]
        if not options:
            break
        p, r = rng.choice(options)
        matches = list(re.finditer(p, t))
        m = rng.choice(matches)
        t = t[: m.start()] + m.expand(r) + t[m.end() :]
    return t.capitalize() if t else token


def titles(gender: str, community: str, rng: random.Random) -> str:
    """An honorific as a clerk or an officer writes it before the name."""
    if community == "tamil":
        return rng.choice(["Thiru.", "Tmt.", "Selvi"] if gender == "F" else ["Thiru", "Thiru."])
    if gender == "F":
        return rng.choice(["Smt.", "Smt", "Kumari", "Km.", "Mrs.", "Ms", "Dr."])
    return rng.choice(["Shri", "Sh.", "Sri", "Mr.", "Dr.", "Late", "Late Shri", "S."])


def case(text: str, rng: random.Random) -> str:
    """Capitals, lower case or as written, the way officers type a search."""
    r = rng.random()
    return text.upper() if r < 0.45 else (text.lower() if r < 0.55 else text)

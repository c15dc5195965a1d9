"""A small synthetic renderer: people, a gallery of records, and labelled queries.

Every query carries its variation class. The variations are the ones seen in Indian records
(spelling conventions, initials, order, titles/relations/aliases, typing errors, local scripts,
missing tokens, and combinations), written here from those observations and *not* from the
matcher's rules: the transliteration variants below include alternations the matcher has no rule
for (e↔i, o↔u, vowel insertion, r/d) so that the benchmark measures generalisation.

Local-script renderings go through `indic_transliteration` (ITRANS → script), an implementation
independent of `matching.scripts`.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from indic_transliteration import sanscript

from bench.names.pools import COMMUNITIES, NICKNAMES, Community

CLASSES = (
    "transliteration",
    "initials",
    "order",
    "honorific",
    "typo",
    "local_script",
    "missing_token",
    "combination",
)
SOUTH = frozenset({"tamil", "telugu", "kannada", "malayalam"})


@dataclass
class SynthPerson:
    pid: str
    community: Community
    gender: str
    tokens: list[str]  # Latin, as the person's main record writes them (given … surname)
    father: list[str]
    birth_year: int


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
    # other people this query is an equally good answer for: the same variation, with the same
    # random choices, writes them identically, or the query is their name as written
    also: tuple[str, ...] = ()


# ---------------------------------------------------------------- people


def _person(rng: random.Random, pid: str) -> SynthPerson:
    comm = rng.choices(COMMUNITIES, weights=[c.weight for c in COMMUNITIES])[0]
    gender = rng.choice("MF")
    given = rng.choice(comm.male if gender == "M" else comm.female)
    father = [rng.choice(comm.male), rng.choice(comm.surnames)]
    surname = rng.choice(comm.surnames)
    tokens = [given]
    if comm.patronymic:
        # Tamil: given name + father's given name; records also write it as an initial
        tokens = [given, rng.choice(comm.surnames)]
        father = [tokens[1]]
    elif comm.name == "punjabi":
        tokens += ["Singh" if gender == "M" else "Kaur"]
        if rng.random() < 0.6:
            tokens.append(rng.choice([s for s in comm.surnames if s not in ("Singh", "Kaur")]))
    elif comm.name == "muslim" and gender == "M" and rng.random() < 0.3 and given[:3] != "Moh":
        tokens = ["Mohammed", given, surname]
    else:
        r = rng.random()
        if comm.name == "hindi" and r < 0.25:
            tokens.append("Kumar" if gender == "M" else rng.choice(["Kumari", "Devi"]))
        elif comm.name == "marathi" and r < 0.5:
            tokens.append(father[0])
        elif r < 0.12:
            tokens.append(rng.choice(comm.male))
        tokens.append(surname)
        if comm.name == "marathi":
            father[1] = surname
    return SynthPerson(pid, comm, gender, tokens, father, rng.randint(1950, 2004))


def people(
    rng: random.Random, n: int, prefix: str, taken: set[tuple[str, str]]
) -> list[SynthPerson]:
    """`n` people whose (first, last) token pair is unique across `taken`: two different people
    called exactly the same cannot be told apart by name, so the benchmark does not ask that."""
    out: list[SynthPerson] = []
    while len(out) < n:
        p = _person(rng, f"{prefix}{len(out)}")
        sig = (p.tokens[0].lower(), p.tokens[-1].lower())
        if sig in taken:
            continue
        taken.add(sig)
        out.append(p)
    return out


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


_KEYBOARD = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "y": "tu", "z": "x",
}  # fmt: skip


def typo(token: str, rng: random.Random) -> str:
    t = token.lower()
    if len(t) < 4:
        return token
    i = rng.randrange(1, len(t))
    op = rng.choice(["sub", "del", "swap", "dup"])
    if op == "sub":
        t = t[:i] + rng.choice(_KEYBOARD.get(t[i], "e")) + t[i + 1 :]
    elif op == "del":
        t = t[:i] + t[i + 1 :]
    elif op == "swap" and i < len(t) - 1:
        t = t[:i] + t[i + 1] + t[i] + t[i + 2 :]
    else:
        t = t[:i] + t[i] + t[i:]
    return t.capitalize()


def _titles(p: SynthPerson, rng: random.Random) -> str:
    if p.community.name == "tamil":
        return rng.choice(["Thiru.", "Tmt.", "Selvi"] if p.gender == "F" else ["Thiru", "Thiru."])
    if p.gender == "F":
        return rng.choice(["Smt.", "Smt", "Kumari", "Km.", "Mrs.", "Ms", "Dr."])
    return rng.choice(["Shri", "Sh.", "Sri", "Mr.", "Dr.", "Late", "Late Shri", "S."])


def _case(text: str, rng: random.Random) -> str:
    r = rng.random()
    return text.upper() if r < 0.45 else (text.lower() if r < 0.55 else text)


def apply(cls: str, p: SynthPerson, tokens: list[str], rng: random.Random) -> tuple[list[str], str]:
    """One variation on `tokens`; returns the new tokens and any free text (script) result."""
    t = list(tokens)
    if cls == "transliteration":
        idx = rng.sample(range(len(t)), k=min(len(t), rng.choice([1, 1, 2])))
        for i in idx:
            t[i] = vary_spelling(t[i], rng, edits=rng.choice([1, 1, 2]))
        return t, ""
    if cls == "typo":
        i = rng.randrange(len(t))
        t[i] = typo(t[i], rng)
        return t, ""
    if cls == "initials":
        if p.community.patronymic and len(t) == 2:
            return [t[1][0] + rng.choice([".", "", " "]), t[0]], ""
        keep = len(t) - 1
        style = rng.choice([". ", " ", ".", ""])
        inits = [x[0] + ("." if style.startswith(".") else "") for x in t[:keep]]
        head = ["".join(inits)] if style == "" and len(inits) > 1 else inits
        return ([*head, t[keep]] if rng.random() < 0.8 else [t[keep], *head]), ""
    if cls == "order":
        if len(t) == 2:
            return [t[1], t[0]], ""
        return ([t[-1], *t[:-1]] if rng.random() < 0.6 else rng.sample(t, k=len(t))), ""
    if cls == "missing_token":
        if len(t) >= 3:
            i = rng.choice([1, len(t) - 1]) if len(t) == 3 else rng.randrange(1, len(t))
            return t[:i] + t[i + 1 :], ""
        extra = rng.choice(p.community.male if p.gender == "M" else p.community.female)
        return [t[0], extra, t[1]], ""
    if cls == "honorific":
        r = rng.random()
        if r < 0.35:
            return [_titles(p, rng), *t], ""
        if r < 0.6:
            rel = {"M": rng.choice(["S/O", "s/o", "S/o", "son of"]), "F": "D/O"}[p.gender]
            return [*t, rel, *p.father], ""
        if r < 0.85:
            nick = rng.choice(NICKNAMES)
            sep = rng.choice(["@", "urf", "alias", "@"])
            return ([nick, sep, *t] if rng.random() < 0.5 else [*t, sep, nick]), ""
        return [_titles(p, rng), *t, "S/O" if p.gender == "M" else "W/O", *p.father], ""
    if cls == "local_script":
        return t, render_script(t, p.community, rng)
    raise ValueError(cls)


def render_query(cls: str, p: SynthPerson, rng: random.Random) -> str:
    if cls != "combination":
        toks, script = apply(cls, p, p.tokens, rng)
        return script or _case(" ".join(toks), rng)
    steps = rng.sample(
        ["transliteration", "initials", "order", "honorific", "typo", "missing_token"],
        k=rng.choice([2, 2, 3]),
    )
    # a token goes missing from the name as written, before it is abbreviated or reordered,
    # and titles and relations go on last
    order = ["missing_token", "transliteration", "typo", "initials", "order", "honorific"]
    steps.sort(key=order.index)
    toks = list(p.tokens)
    for s in steps:
        toks, _ = apply(s, p, toks, rng)
    if rng.random() < 0.2:
        return render_script(toks, p.community, rng)
    return _case(" ".join(toks), rng)


def gallery_record(p: SynthPerson, rng: random.Random) -> GalleryRecord:
    latin = _case(" ".join(p.tokens), rng)
    r = rng.random()
    local = render_script(p.tokens, p.community, rng)
    rel = " ".join(p.father) if rng.random() < 0.5 else None
    if r < 0.12:
        return GalleryRecord(p.pid, None, local, p.gender, p.birth_year, rel)
    if r < 0.3:
        return GalleryRecord(p.pid, latin, local, p.gender, p.birth_year, rel)
    return GalleryRecord(p.pid, latin, None, p.gender, p.birth_year, rel)

"""Phonetic forms of one name token, tuned for how Indian names are spelled in Latin letters.

Two levels, both cached per token (a national index has millions of names but only tens of
thousands of distinct tokens):

- `canonical(token)`: the spelling with the differences that carry no meaning for a name taken
  out: aspirates (`bh`/`b`, `th`/`t`, `sh`/`s`), vowel length (`ee`/`i`, `oo`/`u`, `aa`/`a`),
  doubled letters, `v`/`w`, `z`/`j`, `q`/`k`, `x`/`ks`, `ph`/`f`, diphthong spellings (`au`/`ou`/
  `ow` → `o`, `ai`/`ei` → `e`), a final `y` for `i`, a final `h` after a vowel, the Telugu
  `-aiah`/`-ayya` and Tamil `-swamy`/`-samy` endings. A token listed in a
  variant family (`variants.tsv`: Mohd/Md/Muhammad, Chowdhury/Chaudhary…) becomes the family's
  spelling. Rescoring compares canonical forms.
- `coarse(token)`: a short consonant skeleton for retrieval keys. It drops the Tamil and
  Malayalam `-an` ending of longer names (`Rajendran` ~ `Rajendra`), and merges voicing
  (`k`/`g`, `t`/`d`, `p`/`b`), the labials (`b`/`v`/`w`: Bengali and Odia write *Bijay* for
  *Vijay*) and the sibilants and affricates (`s`/`sh`/`ch`/`j`), because Tamil script writes one
  letter for each of these pairs and a Latin query cannot know which one a Tamil record meant.
  Vowels other than a leading one are dropped. Coarse keys trade precision for recall; rescoring
  gives the precision back.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from matching.variants import family_table

_DOUBLE = re.compile(r"([bcdfgjklmnprstvyC])\1+")
_DIPH_O = re.compile(r"(?:au|ou|ow|aw)(?![aeiou])")
_DIPH_E = re.compile(r"(?:ai|ei)(?![aeiou])|(?:ay|ey)(?=[^aeiou])|ey$")
_C = re.compile(r"c(?!h)")
_NASAL_LABIAL = re.compile(r"n(?=[pb])")
_YE = re.compile(r"^ye(?=[^aeiou])")  # Telugu ఎర్ర is written Yerra and Erra
_GYAN = re.compile(r"^(?:jn|gn|dny)(?=[aeiou])")
_FINAL_Y = re.compile(r"(?<=[^aeiou])y$")
_FINAL_H = re.compile(r"(?<=[aeiou])h$")
# Telugu and Kannada -ayya written -aiah, -aiya, -ayya (Ramaiah, Ramayya; ಸಿದ್ದರಾಮಯ್ಯ Siddaramaiah)
_AYYA = re.compile(r"(?<=[^aeiou])(?:aiah|aiyah|aiya|ayyah|ayya|aia)$")
# Tamil -swamy written -samy (Kandaswamy, Kandasamy; Ramaswami, Ramasami), after w → v
_SVAMI = re.compile(r"(?<=[a-z])svami$")

_ASPIRATES = (
    ("chh", "C"),
    ("ch", "C"),
    ("kh", "k"),
    ("gh", "g"),
    ("jh", "j"),
    ("th", "t"),
    ("dh", "d"),
    ("bh", "b"),
    ("sh", "s"),
    ("rh", "r"),
)
_VOWEL_LENGTH = (
    (re.compile("e{2,}"), "i"),
    (re.compile("i{2,}"), "i"),
    (re.compile("o{2,}"), "u"),
    (re.compile("u{2,}"), "u"),
    (re.compile("a{2,}"), "a"),
)

_COARSE_CLASS = {
    "k": "K",
    "g": "K",
    "C": "S",
    "c": "S",
    "j": "S",
    "s": "S",
    "t": "T",
    "d": "T",
    "p": "P",
    "b": "P",
    "f": "P",
    "v": "P",
    "n": "N",
    "m": "M",
    "r": "R",
    "l": "L",
}
VOWELS = frozenset("aeiou")


def ascii_fold(text: str) -> str:
    """Lower case, diacritics removed (`Rāmeśvar` → `ramesvar`)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def spelling_rules(token: str) -> str:
    """The rule part of `canonical`, without the variant-family table."""
    t = token
    t = _GYAN.sub("gy", t)
    t = _YE.sub("e", t)  # ज्ञान: Gyan, Jnan, Gnan, Dnyan (Marathi)
    t = t.replace("x", "ks").replace("q", "k").replace("zh", "l").replace("z", "j")
    t = _DIPH_O.sub("o", t)  # before w → v: Chowdhury's ow is a vowel
    t = t.replace("w", "v").replace("ph", "f").replace("ck", "k")
    for src, dst in _ASPIRATES:
        t = t.replace(src, dst)
    t = _C.sub("k", t)
    t = _AYYA.sub("aya", t)
    t = _DIPH_O.sub("o", t)
    t = _DIPH_E.sub("e", t)
    for pattern, dst in _VOWEL_LENGTH:
        t = pattern.sub(dst, t)
    t = _NASAL_LABIAL.sub("m", t)  # anusvara before p/b is m: Manpreet = ਮਂਪ੍ਰੀਤ mampreet
    t = _DOUBLE.sub(r"\1", t)
    t = _FINAL_Y.sub("i", t)
    t = _FINAL_H.sub("", t)
    t = _SVAMI.sub("sami", t)
    return t.replace("C", "ch")


def family_of(ruled_token: str) -> str | None:
    """The family spelling (itself rule-normalised) for a rule-normalised token, or None."""
    return family_table(spelling_rules).get(ruled_token)


@lru_cache(maxsize=200_000)
def canonical(token: str) -> str:
    """Canonical spelling of one lower-case Latin token (see the module docstring)."""
    ruled = spelling_rules(token)
    for _ in range(3):  # the rules can feed each other (`aaa`, `ooe`): run to a fixed point
        again = spelling_rules(ruled)
        if again == ruled:
            break
        ruled = again
    family = family_of(ruled)
    return family if family is not None else ruled


@lru_cache(maxsize=200_000)
def coarse(canon: str) -> str:
    """Consonant skeleton of a canonical token, for retrieval keys."""
    if not canon:
        return ""
    if len(canon) >= 6 and canon.endswith("an"):
        # the Tamil/Malayalam -an ending: Ganesan ~ Ganesh, Rajendran ~ Rajendra, Krishnan
        canon = canon[:-2]
    out: list[str] = []
    first = canon[0]
    if first in VOWELS:
        out.append("A")
    elif first == "h":
        out.append("H")
    elif first == "y":
        out.append("Y")
    last = out[0] if out else ""
    for ch in canon if not out else canon[1:]:
        cls = _COARSE_CLASS.get(ch)
        if cls is None:
            # a short `a` between two like consonants does not separate them: Hindi drops it
            # (ममता Mamata/Mamta, লপবি), so the key must not depend on it
            if ch in VOWELS and ch != "a":
                last = ""
            continue
        if cls != last:
            out.append(cls)
        last = cls
    return "".join(out)


_LETTER_SAME = {"w": "v", "z": "j", "q": "k"}


def initial_letter(word: str) -> str:
    """The letter an initial stands for, as written (`w`/`v`, `z`/`j`, `q`/`k` agree)."""
    first = word[:1]
    return _LETTER_SAME.get(first, first)


def letter_class(letter: str) -> str:
    """The coarse class of an initial letter: a weaker agreement than the same letter
    (a Tamil-script `Kopal` is a Latin `Gopal`, so `G.` may stand for it)."""
    if letter in VOWELS:
        return "A"
    return _COARSE_CLASS.get(letter, letter.upper())

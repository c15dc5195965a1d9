"""Indic scripts → the Latin spelling people actually write.

The nine Brahmic scripts of Indian records (Devanagari, Bengali, Gurmukhi, Gujarati, Odia, Tamil,
Telugu, Kannada, Malayalam) share one Unicode layout: each block is 128 code points and the same
offset holds the same letter (`क` U+0915, `ক` U+0995, `క` U+0C15 are all *ka*). So one table of
offsets reads every script, and a few per-script rules fix what differs.

Why not `indic_transliteration.sanscript` alone: it produces scholarly romanisation (`rājeṃdra
śaṃkara pāṭīla`), keeps every inherent vowel, leaves Malayalam chillus and Bengali nukta letters
untouched and reads Tamil `க` as `gh`. Record clerks write `Rajendra Shankar Patil`. What matters
for matching is that the output lands where a Latin spelling of the same name lands after
`phonetic.canonical`, so this module aims at common romanisation: schwa deletion for the northern
scripts (`राजेंद्र` → `rajendra`, `कमला` → `kamla`), anusvara as `n`/`m` by the next consonant,
nukta letters (`फ़` → `f`, `ज़` → `z`), Tamil voicing by position (`முருகன்` → `murugan`). The
library is still used in the tests as an independent reading of the same text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Block start → script name. Each block is 0x80 wide.
BLOCKS: dict[int, str] = {
    0x0900: "deva",
    0x0980: "beng",
    0x0A00: "guru",
    0x0A80: "gujr",
    0x0B00: "orya",
    0x0B80: "taml",
    0x0C00: "telu",
    0x0C80: "knda",
    0x0D00: "mlym",
}
NORTHERN = frozenset({"deva", "beng", "guru", "gujr", "orya"})

_VOWELS: dict[int, str] = {
    0x04: "a", 0x05: "a", 0x06: "a", 0x07: "i", 0x08: "i", 0x09: "u", 0x0A: "u", 0x0B: "ri",
    0x0C: "li", 0x0D: "e", 0x0E: "e", 0x0F: "e", 0x10: "ai", 0x11: "o", 0x12: "o", 0x13: "o",
    0x14: "au", 0x60: "ri", 0x61: "li",
}  # fmt: skip
_SIGNS: dict[int, str] = {
    0x3E: "a", 0x3F: "i", 0x40: "i", 0x41: "u", 0x42: "u", 0x43: "ri", 0x44: "ri", 0x45: "e",
    0x46: "e", 0x47: "e", 0x48: "ai", 0x49: "o", 0x4A: "o", 0x4B: "o", 0x4C: "au", 0x57: "au",
    0x62: "li", 0x63: "li",
}  # fmt: skip
_CONSONANTS: dict[int, str] = {
    0x15: "k", 0x16: "kh", 0x17: "g", 0x18: "gh", 0x19: "n", 0x1A: "ch", 0x1B: "chh", 0x1C: "j",
    0x1D: "jh", 0x1E: "n", 0x1F: "t", 0x20: "th", 0x21: "d", 0x22: "dh", 0x23: "n", 0x24: "t",
    0x25: "th", 0x26: "d", 0x27: "dh", 0x28: "n", 0x29: "n", 0x2A: "p", 0x2B: "ph", 0x2C: "b",
    0x2D: "bh", 0x2E: "m", 0x2F: "y", 0x30: "r", 0x31: "r", 0x32: "l", 0x33: "l", 0x34: "zh",
    0x35: "v", 0x36: "sh", 0x37: "sh", 0x38: "s", 0x39: "h",
    # precomposed nukta letters (Devanagari क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़, Bengali ড় ঢ় য়, Gurmukhi ਖ਼ ਗ਼ ਜ਼ ੜ ਫ਼)
    0x58: "q", 0x59: "kh", 0x5A: "gh", 0x5B: "z", 0x5C: "r", 0x5D: "rh", 0x5E: "f", 0x5F: "y",
    # Malayalam chillus: consonants that end a syllable without a vowel
    0x7A: "n", 0x7B: "n", 0x7C: "r", 0x7D: "l", 0x7E: "l", 0x7F: "k",
    # Odia ୱ, Assamese ৰ ৱ
    0x71: "w", 0x70: "r",
}  # fmt: skip
_CHILLUS = frozenset({0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F})
_NUKTA_OF = {"k": "q", "kh": "kh", "g": "gh", "j": "z", "d": "r", "dh": "rh", "ph": "f", "y": "y"}
_LABIALS = frozenset({"p", "ph", "b", "bh", "m", "f", "v"})
_NASALS = frozenset({"n", "m"})
# Tamil stops: how each is voiced between vowels and after a nasal (Tamil writes one letter for
# both sounds, and record clerks spell what they hear: முருகன் is Murugan, கந்தசாமி Kandasamy).
_TAMIL_VOICED = {"k": "g", "ch": "j", "t": "d", "p": "b"}
_TAMIL_INTERVOCALIC = {"k": "g", "ch": "s", "t": "d", "p": "p"}
_VIRAMA, _NUKTA, _ANUSVARA, _CANDRABINDU, _VISARGA = 0x4D, 0x3C, 0x02, 0x01, 0x03
_KHANDA_TA = 0x4E  # Bengali ৎ
_GURMUKHI_TIPPI, _GURMUKHI_ADDAK = 0x70, 0x71
_GURMUKHI_BEARERS = frozenset({0x72, 0x73})  # ੲ ੳ: carry a vowel sign, sound of their own none


def script_of(char: str) -> str | None:
    """The Brahmic script a character belongs to, or None (Latin, digits, punctuation…)."""
    cp = ord(char)
    if 0x0900 <= cp < 0x0D80:
        return BLOCKS[cp & ~0x7F]
    return None


_INDIC = re.compile("[\u0900-\u0d7f]")


def has_indic(text: str) -> bool:
    return _INDIC.search(text) is not None


class _Syllable:
    """A consonant cluster and its vowel. `vowel` None means the inherent vowel, "" none at all."""

    __slots__ = ("cluster", "cons", "nasal", "vowel")

    def __init__(self, cons: list[str]) -> None:
        self.cons = cons
        self.vowel: str | None = None if cons else ""
        self.nasal = ""
        self.cluster = False


def _syllables(word: str, script: str) -> list[_Syllable]:
    out: list[_Syllable] = []
    cur: _Syllable | None = None
    pending_virama = False
    geminate = False
    for ch in word:
        cp = ord(ch)
        if not 0x0900 <= cp < 0x0D80:
            continue
        off = cp & 0x7F
        if script == "guru" and off == _GURMUKHI_TIPPI:
            off = _ANUSVARA
        if script == "guru" and off == _GURMUKHI_ADDAK:
            geminate = True
            continue
        if script == "guru" and off in _GURMUKHI_BEARERS:
            cur = _Syllable([])
            cur.vowel = "a" if off == 0x72 else "u"
            out.append(cur)
            pending_virama = False
            continue
        if script in ("beng", "orya") and off == 0x2F:
            # য / ଯ: "j" at the start of a syllable, "y" as the second of a cluster (ধ্যা → dhya).
            letter = "y" if pending_virama and cur is not None else "j"
        elif script == "beng" and off == 0x2C and pending_virama and cur is not None:
            letter = "w"  # ব-phala: বিশ্বাস → Biswas
        elif script == "beng" and off == _KHANDA_TA:
            letter = "t"
        elif off >= 0x70:
            ok = (script == "mlym" and off in _CHILLUS) or (
                script in ("beng", "orya") and off in (0x70, 0x71)
            )
            letter = _CONSONANTS[off] if ok else ""
        else:
            letter = _CONSONANTS.get(off, "")
        if letter:
            if pending_virama and cur is not None:
                cur.cons.append(letter)
                cur.cluster = True
                cur.vowel = None
            else:
                if geminate:
                    letter_cons = [letter, letter]
                    geminate = False
                else:
                    letter_cons = [letter]
                cur = _Syllable(letter_cons)
                cur.cluster = len(letter_cons) > 1
                out.append(cur)
            pending_virama = False
            if (script == "mlym" and off in _CHILLUS) or (script == "beng" and off == _KHANDA_TA):
                cur.vowel = ""
            continue
        if (off in _VOWELS and off < 0x3E) or off in (0x60, 0x61):
            cur = _Syllable([])
            cur.vowel = _VOWELS[off]
            out.append(cur)
            pending_virama = False
            continue
        if cur is None:
            continue
        if off in _SIGNS:
            if off == 0x57 and cur.vowel in ("o", "e"):
                cur.vowel = "au"  # Tamil ௌ written as ெ + ௗ
            else:
                cur.vowel = _SIGNS[off]
            pending_virama = False
        elif off == _VIRAMA:
            cur.vowel = ""
            pending_virama = True
        elif off == _NUKTA and cur.cons:
            if script in ("beng", "orya") and cur.cons[-1] == "j":
                cur.cons[-1] = "y"  # য + ় = য় (ya), written decomposed
            else:
                cur.cons[-1] = _NUKTA_OF.get(cur.cons[-1], cur.cons[-1])
        elif off in (_ANUSVARA, _CANDRABINDU):
            cur.nasal = "n"
            pending_virama = False
        elif off == _VISARGA:
            cur.nasal += "h"
            pending_virama = False
    return out


def _tamil_voicing(syls: list[_Syllable]) -> None:
    if (
        len(syls) >= 2
        and len(syls[0].cons) == 1
        and syls[0].vowel == "i"
        and syls[1].cons[:1] == ["r"]
        and syls[0].cons[0] in ("p", "k", "t", "s", "ch")
    ):
        syls[0].vowel = ""  # பிரகாஷ் → Prakash: Tamil breaks an initial cluster with i
        syls[0].cons.extend(syls[1].cons)
        syls[0].vowel, syls[0].nasal = syls[1].vowel, syls[1].nasal
        syls[0].cluster = True
        del syls[1]
    prev_vowel = False
    prev_last = ""
    for i, s in enumerate(syls):
        if s.cons:
            if s.cons[:2] == ["t", "ch"]:
                s.cons[:2] = ["k", "sh"]  # ட்ச is how Tamil spells க்ஷ: லட்சுமி → lakshmi
            first = s.cons[0]
            geminate = len(s.cons) > 1 and (s.cons[1] == first or s.cons[1] == "sh")
            if i > 0 and first in _TAMIL_VOICED and not geminate:
                if prev_last in _NASALS and not prev_vowel:
                    s.cons[0] = _TAMIL_VOICED[first]
                elif prev_vowel and (s.vowel != "" or len(s.cons) > 1):
                    s.cons[0] = _TAMIL_INTERVOCALIC[first]
                elif first == "ch":
                    s.cons[0] = "s"  # தமிழ்செல்வன் → tamizhselvan
            elif first == "ch" and i == 0:
                s.cons[0] = "s"  # சரவணன் → Saravanan, செல்வி → Selvi
            for j in range(1, len(s.cons)):
                c, before = s.cons[j], s.cons[j - 1]
                if c in _TAMIL_VOICED and before in _NASALS:
                    s.cons[j] = _TAMIL_VOICED[c]
                elif c == "ch" and before != c:
                    s.cons[j] = "s"
            prev_last = s.cons[-1]
        prev_vowel = s.vowel != "" or bool(s.nasal)


def _delete_schwas(syls: list[_Syllable]) -> None:
    """Hindi-belt schwa deletion: a final inherent vowel goes unless it closes a cluster
    (राम → ram, राजेंद्र → rajendra); a medial one goes in V C _ C V (कमला → kamla)."""
    n = len(syls)
    if n >= 2:
        last = syls[-1]
        geminate = len(last.cons) == 2 and last.cons[0] == last.cons[1]
        if last.vowel is None and last.cons and (geminate or not last.cluster) and not last.nasal:
            last.vowel = ""  # भट्ट → bhatt, ਗਿੱਲ → gill
    for i in range(n - 2, 0, -1):
        s = syls[i]
        if s.vowel is not None or not s.cons or s.cluster or s.nasal:
            continue
        prev, nxt = syls[i - 1], syls[i + 1]
        prev_has_vowel = prev.vowel != "" or not prev.cons
        nxt_geminate = len(nxt.cons) > 1 and nxt.cons[0] == nxt.cons[1]
        nxt_cv = bool(nxt.cons) and nxt.vowel != "" and not nxt_geminate
        if prev_has_vowel and nxt_cv:
            s.vowel = ""


def _render(syls: list[_Syllable], north: bool) -> str:
    parts: list[str] = []
    for i, s in enumerate(syls):
        parts.append("".join(s.cons))
        parts.append("a" if s.vowel is None else s.vowel)
        if s.nasal:
            nasal = s.nasal.replace("h", "")
            if nasal:
                nxt = syls[i + 1].cons[0] if i + 1 < len(syls) and syls[i + 1].cons else ""
                if nxt == "h":
                    parts.append("ng")  # सिंह → singh
                elif not nxt:
                    # word-final: an m in the south (ராம், രാം), nasalisation in the north
                    parts.append("n" if north else "m")
                else:
                    parts.append("m" if nxt in _LABIALS else "n")
    return "".join(parts)


@lru_cache(maxsize=65536)
def transliterate_word(word: str) -> str:
    """One Indic word → common Latin romanisation, lower case. Non-Indic text passes through."""
    script = next((s for c in word if (s := script_of(c))), None)
    if script is None:
        return word
    syls = _syllables(unicodedata.normalize("NFC", word), script)
    if script == "taml":
        _tamil_voicing(syls)
    if script in NORTHERN:
        _delete_schwas(syls)
    return _render(syls, script in NORTHERN)


# an Indic word: letters of the nine blocks (not the dandas), joiners inside it dropped
_INDIC_WORD = re.compile("[\u0900-\u0963\u0966-\u0d7f\u200c\u200d]+")
_DANDA = re.compile("[\u0964\u0965]")


def _word_to_latin(m: re.Match[str]) -> str:
    word = m[0].replace("\u200c", "").replace("\u200d", "")
    return transliterate_word(word) if word else ""


def to_latin(text: str) -> str:
    """Transliterate every Indic word of `text`; Latin words and punctuation are kept as they are
    (records mix them: `राम S/O श्याम`)."""
    if not has_indic(text):
        return text
    return _INDIC_WORD.sub(_word_to_latin, _DANDA.sub(" ", text))

"""Damage to written names, on either side: what typing, copying and scanning do to a name.

Independent of the matcher's rules on purpose: these are the errors seen in registers, not the
ones the matcher knows how to undo.

- `keyboard`: a slip on a QWERTY keyboard (a neighbouring key, a dropped, doubled or swapped
  letter), once or twice in one word;
- `ocr`: what optical character recognition makes of a scanned register: `O`/`0`, `I`/`1`/`l`,
  `S`/`5`, `B`/`8`, `G`/`6`, `Z`/`2`, `rn`/`m`, `cl`/`d`, `vv`/`w`, `h`/`b`, `e`/`c`, `u`/`v`;
- `truncate`: a fixed-width field that cut the end of a long name;
- `respell` (in `generate.vary_spelling`): another spelling a clerk would choose.
"""

from __future__ import annotations

import random

_KEYBOARD = {
    "a": "qsz", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "y": "tu", "z": "x",
}  # fmt: skip

# (what is printed, what the scanner reads), both directions where it happens both ways
_OCR = (
    ("o", "0"), ("O", "0"), ("I", "1"), ("l", "1"), ("i", "1"), ("I", "l"), ("l", "I"),
    ("S", "5"), ("s", "5"), ("B", "8"), ("G", "6"), ("Z", "2"), ("m", "rn"), ("rn", "m"),
    ("M", "RN"), ("cl", "d"), ("d", "cl"), ("w", "vv"), ("W", "VV"), ("h", "b"), ("e", "c"),
    ("u", "v"), ("n", "ri"), ("H", "II"), ("E", "F"), ("D", "O"), ("U", "V"), ("a", "o"),
)  # fmt: skip


def _match_case(new: str, old: str) -> str:
    return new.upper() if old.isupper() else new


def keyboard(word: str, rng: random.Random, edits: int = 1) -> str:
    """`edits` keying slips inside one word (never its first letter)."""
    w = word
    for _ in range(edits):
        if len(w) < 4:
            return w
        i = rng.randrange(1, len(w))
        op = rng.choice(("sub", "sub", "del", "dup", "swap"))
        low = w[i].lower()
        if op == "sub":
            w = w[:i] + _match_case(rng.choice(_KEYBOARD.get(low, "e")), w[i]) + w[i + 1 :]
        elif op == "del":
            w = w[:i] + w[i + 1 :]
        elif op == "dup":
            w = w[:i] + w[i] + w[i:]
        elif i < len(w) - 1:
            w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    return w


def ocr(word: str, rng: random.Random, edits: int = 1) -> str:
    """`edits` scanner confusions in one word, where the word offers them."""
    w = word
    for _ in range(edits):
        options = [(a, b) for a, b in _OCR if a in w]
        if not options:
            return w
        a, b = rng.choice(options)
        starts = [i for i in range(len(w)) if w.startswith(a, i)]
        i = rng.choice(starts)
        w = w[:i] + b + w[i + len(a) :]
    return w


def truncate(text: str, width: int) -> str:
    """A name cut to a fixed-width field."""
    return text[:width].rstrip()


def damage_word(word: str, rng: random.Random, kind: str) -> str:
    """One word damaged the way `kind` (keyboard, keyboard2, ocr, ocr2) damages it."""
    if kind == "keyboard":
        return keyboard(word, rng)
    if kind == "keyboard2":
        return keyboard(word, rng, edits=2)
    if kind == "ocr":
        return ocr(word, rng)
    if kind == "ocr2":
        return ocr(word, rng, edits=2)
    raise ValueError(kind)


def damage(text: str, rng: random.Random, kind: str) -> str:
    """`text` with one of its longer words damaged (`damage_word`)."""
    words = text.split(" ")
    longer = [i for i, w in enumerate(words) if len(w.strip(".")) >= 4 and w.isalpha()]
    if not longer:
        return text
    i = rng.choice(longer)
    words[i] = damage_word(words[i], rng, kind)
    return " ".join(words)

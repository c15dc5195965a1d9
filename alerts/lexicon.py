"""Reading reports' free text by a vocabulary: phrases found in a text and mapped to one value
each, so that two reports are compared by meaning, not by spelling (`alerts.marks`,
`alerts.clothing`, `alerts.languages`).

Reporters write the same thing many ways: "til near left eye", "black mole below lt. eye" and
"mole on face" are one mole; "half pant", "nikar" and "shorts" one garment; "Bangla" and
"Bengali" one language. The vocabularies are those of Indian police and child-welfare forms
(English with the common Hindi words), not a list of any one generator's phrases; a word they
do not know is left out of the comparison rather than guessed at.
"""

from __future__ import annotations

import re

Lexicon = list[tuple[re.Pattern[str], str]]


def lexicon(table: dict[str, tuple[str, ...]]) -> Lexicon:
    """Phrases → canonical value, longest phrase first (so "white patch" wins over "patch")."""
    pairs = [(phrase, value) for value, phrases in table.items() for phrase in phrases]
    pairs.sort(key=lambda p: -len(p[0]))
    return [(re.compile(rf"(?<![a-z]){re.escape(p)}(?![a-z])"), v) for p, v in pairs]


def find(text: str, table: Lexicon) -> list[tuple[int, str]]:
    """Every lexicon value in `text` with its position, each stretch of text read once."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for pattern, value in table:
        for hit in pattern.finditer(text):
            start, end = hit.span()
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            found.append((start, value))
    return sorted(found)

"""The rules request fields must follow, written once as regular expressions.

Each rule is enforced by the server with exactly the expression the OpenAPI document states, so
that what the document allows the server accepts and what it forbids the server refuses: the
patterns go into the JSON Schema as `pattern` (pydantic checks them), the marker rule as
`not: {pattern}` (checked by `no_name_only`). They are written in the common subset of the
regular expression dialects clients use (ECMA-262, Python, Rust): character classes with
`\\uXXXX` escapes, no look-around, no inline flags.
"""

from __future__ import annotations

import re

# Control characters (Unicode Cc): never part of a name, a purpose or a reason.
_CONTROL = r"\u0000-\u001f\u007f-\u009f"
_TEXT = f"[^{_CONTROL}]"
_SOLID = rf"[^\s{_CONTROL}]"  # neither control nor whitespace

# Free text: no control characters and something besides whitespace.
TEXT = f"^{_TEXT}*{_SOLID}{_TEXT}*$"

# Letters the matcher reads a name from: Latin (with diacritics) and the vowels and consonants
# of the nine Indic scripts' blocks (Devanagari … Malayalam; not their signs, digits or dandas).
_INDIC = "".join(
    f"\\u{base + 0x05:04x}-\\u{base + 0x39:04x}" for base in range(0x0900, 0x0D80, 0x80)
)
_LETTER = f"A-Za-z\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u024f\\u1e00-\\u1eff{_INDIC}"
# A name: free text holding at least one such letter.
NAME = f"^{_TEXT}*[{_LETTER}]{_TEXT}*$"


def _ci(word: str) -> str:
    """`word` matched in either case, without an inline flag (not every dialect has one)."""
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)


# What a name must not be made of alone: relation markers (`S/O`, `d.o.`), alias markers
# (`@`, `urf`, `alias`, `aka`, `a.k.a.`, `also known as`, brackets) and anything but letters.
_MARKERS = "|".join(
    [
        r"[SsDdWwHhFfMmCc]\s*[/\\]\s*[Oo]\.?",
        r"[SsDdWwHhFfMmCc]\.\s*[Oo]\.",
        _ci("urph"),
        _ci("urf"),
        _ci("alias") + r"(?:\s+" + _ci("name") + ")?",
        r"[Aa]\.[Kk]\.[Aa]\.?",
        _ci("aka"),
        _ci("also") + r"\s+" + _ci("known") + r"\s+" + _ci("as"),
    ]
)
MARKERS_ONLY = f"^(?:[^{_LETTER}]|{_MARKERS})*$"
_MARKERS_ONLY = re.compile(MARKERS_ONLY)


def no_name_only(value: str) -> str:
    """Refuse a name made of markers alone (`S/O`, `urf`, `@`): there is nobody to look for."""
    if _MARKERS_ONLY.match(value):
        raise ValueError(
            "holds no name, only a relation or alias marker (S/O, urf, @): write the person's name"
        )
    return value


SEPARATORS = r"[\s\-./_]"  # what the identifier normalisers strip (matching.identifiers)
_ALNUM = "[A-Za-z0-9]"


def _spread(cls: str, count: str) -> str:
    """`count` characters of `cls`, each followed by any separators."""
    return f"(?:{cls}{SEPARATORS}*){{{count}}}"


REGISTRATION = (
    f"^{SEPARATORS}*{_spread('[A-Za-z]', '2')}{_spread('[0-9]', '1,2')}"
    f"{_spread('[A-Za-z]', '0,3')}{_spread('[0-9]', '1,4')}$"
    f"|^{SEPARATORS}*{_spread('[0-9]', '2')}[Bb]{SEPARATORS}*[Hh]{SEPARATORS}*"
    f"{_spread('[0-9]', '4')}{_spread('[A-Za-z]', '1,2')}$"
)
CHASSIS = f"^{SEPARATORS}*{_spread(_ALNUM, '5,')}$"
ENGINE = f"^{SEPARATORS}*{_spread(_ALNUM, '4,')}$"


# What to tell a caller whose value does not match a pattern (instead of the expression itself).
MESSAGES = {
    TEXT: "must hold something besides spaces, and no control characters",
    NAME: "holds no name: write the person's name, with at least one letter (Latin or an Indic "
    "script), and no control characters",
    REGISTRATION: "is not a registration number (state code, RTO number, series, number: "
    "MH12AB1234, MH-12-AB-1234, or Bharat series 22BH1234AA)",
    CHASSIS: "must be letters and digits, at least the last 5 characters of the chassis number",
    ENGINE: "must be letters and digits, at least the last 4 characters of the engine number",
}

"""Aadhaar removal: the one thing every connector does to every payload before anything else.

Aadhaar numbers must never be stored or indexed, even where a source sends one (sources/README.md).
Two nets, because sources leak it in two ways:

1. a field whose *name* says Aadhaar/UID is removed whole, whatever its value;
2. a 12-digit Aadhaar-shaped number (first digit 2-9, optional space or hyphen groups of four,
   valid Verhoeff check digit) inside any other string is replaced by a marker, except in fields
   that legitimately hold long digit strings (bank accounts, complaint numbers, phones), where the
   check digit alone would give one false hit in ten.

What was removed is returned as field paths so that the engine can write it to the redaction log;
the values themselves are never returned, logged or kept.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

REDACTED = "[AADHAAR REMOVED]"
_CONTAINERS = (str, dict, list)

_AADHAAR_KEY = re.compile(r"aa?dh?aa?r|(?:^|[^a-z])uid(?:ai)?(?:$|[^a-z]|no|num)", re.IGNORECASE)
# Digits glued to a '+' or to more digits are phone numbers or longer identifiers, not Aadhaar.
_AADHAAR_VALUE = re.compile(r"(?<![\d+])[2-9]\d{3}[ -]?\d{4}[ -]?\d{4}(?!\d)")
# Field names whose values are long digit strings by nature.
_NUMERIC_ID_KEY = re.compile(
    r"account|acknowledg|mobile|phone|ifsc|ack_?no|_no$|number|regn|chas|eng|dl_?no|dlno|id$",
    re.IGNORECASE,
)

# Verhoeff tables (the Aadhaar check digit scheme).
_D = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 2, 4, 1),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(digits: str) -> bool:
    check = 0
    for i, ch in enumerate(reversed(digits)):
        check = _D[check][_P[i % 8][int(ch)]]
    return check == 0


@lru_cache(maxsize=4096)
def is_aadhaar_key(key: str) -> bool:
    return bool(_AADHAAR_KEY.search(key))


@lru_cache(maxsize=4096)
def _exempt_key(key: str) -> bool:
    return bool(_NUMERIC_ID_KEY.search(key))


def looks_like_aadhaar(text: str) -> bool:
    """True when `text` holds an Aadhaar-shaped number with a valid check digit."""
    return any(_valid_match(m) for m in _AADHAAR_VALUE.finditer(text))


def _valid_match(match: re.Match[str]) -> bool:
    return verhoeff_valid(re.sub(r"[ -]", "", match.group(0)))


def _scrub_text(text: str) -> str:
    if len(text) < 12 or not _AADHAAR_VALUE.search(text):  # the common case, kept cheap
        return text
    return _AADHAAR_VALUE.sub(lambda m: REDACTED if _valid_match(m) else m.group(0), text)


def scrub_aadhaar(payload: Any, *, path: str = "") -> tuple[Any, list[str]]:
    """Return a copy of `payload` without Aadhaar numbers, and the paths where one was removed.

    Dicts, lists and strings are walked; other values are returned as they are."""
    removed: list[str] = []
    cleaned = _scrub(payload, path, None, removed)
    return cleaned, removed


def _scrub(value: Any, path: str, key: str | None, removed: list[str]) -> Any:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            name = str(k)
            if is_aadhaar_key(name):
                if v not in (None, ""):
                    removed.append(f"{path}.{name}" if path else name)
                continue
            if isinstance(v, _CONTAINERS):
                out[k] = _scrub(v, f"{path}.{name}" if path else name, name, removed)
            else:
                out[k] = v
        return out
    if isinstance(value, list):
        return [_scrub(v, f"{path}[{i}]", key, removed) for i, v in enumerate(value)]
    if isinstance(value, str) and not (key and _exempt_key(key)):
        scrubbed = _scrub_text(value)
        if scrubbed != value:
            removed.append(path)
        return scrubbed
    return value

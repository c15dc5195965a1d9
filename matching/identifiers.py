"""Identifier normalisers for the formats in ../shared/sources/README.md.

Each returns the normalised value, or None when the input cannot be that identifier. They are
tolerant of case, spaces, hyphens, dots and slashes where the real-world formats carry them.
"""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-./_]+")

# state (2 letters) + RTO (1-2 digits) + series (0-3 letters) + number (1-4 digits)
_PLATE = re.compile(r"^([A-Z]{2})(\d{1,2})([A-Z]{0,3})(\d{1,4})$")
# Bharat series: YY BH #### XX(X)
_BHARAT = re.compile(r"^(\d{2})BH(\d{4})([A-Z]{1,2})$")
_DL = re.compile(r"^([A-Z]{2})(\d{2})(\d{4})(\d{7})$")
_PASSPORT_IN = re.compile(r"^[A-Z]\d{7}$")
_FIR = re.compile(r"^0*(\d{1,6})\s*/\s*(\d{4})$")


def _squash(value: str) -> str:
    return _SEPARATORS.sub("", value).upper()


def normalise_registration(value: str | None) -> str | None:
    """`MH-12-AB-1234`, `mh12ab1234`, `GJ 9 AA 1`, `DL 3C AB 123` → `MH12AB1234`,
    `GJ09AA0001`, `DL03CAB0123`…

    The number is zero-padded to four digits (the contract's rule) and a one-digit RTO code to
    two, because clerks drop the leading zero (`GJ 9` for `GJ09`) and one plate must have one
    normal form: it is the Vahan record id and what vehicle searches compare. See
    docs/decisions.md, "One normal form for plates"."""
    if not value:
        return None
    squashed = _squash(value)
    if m := _BHARAT.match(squashed):
        return f"{m[1]}BH{m[2]}{m[3]}"
    if m := _PLATE.match(squashed):
        return f"{m[1]}{int(m[2]):02d}{m[3]}{int(m[4]):04d}"
    return None


def normalise_chassis(value: str | None) -> str | None:
    if not value:
        return None
    squashed = _squash(value)
    return squashed if squashed.isalnum() and len(squashed) >= 5 else None


def normalise_engine(value: str | None) -> str | None:
    if not value:
        return None
    squashed = _squash(value)
    return squashed if squashed.isalnum() and len(squashed) >= 4 else None


def normalise_dl(value: str | None) -> str | None:
    if not value:
        return None
    squashed = _squash(value)
    return squashed if _DL.match(squashed) else None


def normalise_passport(value: str | None, *, indian: bool = True) -> str | None:
    if not value:
        return None
    squashed = _squash(value)
    if indian:
        return squashed if _PASSPORT_IN.match(squashed) else None
    return squashed if squashed.isalnum() and 5 <= len(squashed) <= 20 else None


def normalise_mobile(value: str | None) -> str | None:
    """`+91 98765 43210`, `09876543210`, `9876543210` → `+919876543210`; masked numbers → None."""
    if not value:
        return None
    digits = re.sub(r"[\s\-()]+", "", value)
    if digits.startswith("+91"):
        digits = digits[3:]
    elif digits.startswith("0091"):
        digits = digits[4:]
    elif len(digits) == 12 and digits.startswith("91"):
        digits = digits[2:]
    elif len(digits) == 11 and digits.startswith("0"):
        digits = digits[1:]
    if len(digits) == 10 and digits.isdigit() and digits[0] in "6789":
        return f"+91{digits}"
    return None


def normalise_upi(value: str | None) -> str | None:
    if not value:
        return None
    cleaned = value.strip().lower()
    handle, sep, bank = cleaned.partition("@")
    if not sep or not handle or not bank or " " in cleaned:
        return None
    return cleaned


def normalise_fir(state: str | None, ps_code: str | None, fir: str | None) -> str | None:
    """`MH`, `0412`, `0123/2024` → `MH/0412/2024/123`."""
    if not (state and ps_code and fir):
        return None
    m = _FIR.match(fir.strip())
    if not m:
        return None
    return f"{state.strip().upper()}/{ps_code.strip().upper()}/{m[2]}/{int(m[1])}"


def normalise_arms_licence(value: str | None) -> str | None:
    if not value:
        return None
    cleaned = re.sub(r"\s+", " ", value.strip().upper())
    return cleaned or None


PARTIAL_CHASSIS_MIN = 4  # fewer characters than this match too many vehicles to mean anything


def chassis_matches(full: str | None, fragment: str | None) -> bool:
    """Whether a (possibly partial) chassis number agrees with a full one.

    Stolen-vehicle reports often carry only the last five or six characters of the chassis
    (`...S00123456` → `23456`); a full number matches a fragment that it ends with. Both sides
    are normalised first, so separators and case do not matter."""
    a, b = normalise_chassis(full), _squash(fragment) if fragment else None
    if not a or not b or len(b) < PARTIAL_CHASSIS_MIN or not b.isalnum():
        return False
    return a.endswith(b) if len(b) < len(a) else a == b


def chassis_suffix(value: str | None, length: int = 5) -> str | None:
    """The last `length` characters of a normalised chassis number: the fragment a partial
    report carries, and what an index stores to find full numbers by their tail."""
    normalised = normalise_chassis(value)
    if normalised is None or len(normalised) < length:
        return None
    return normalised[-length:]

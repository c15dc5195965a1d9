"""Indian states and union territories: names and codes as sources write them → one code each.

The table is data (`connectors/data/states.tsv`), shared by every connector: the current code,
codes that mean the same place today (old registration codes, ISO 3166-2:IN codes), the name, and
what else sources write for it (old names such as Orissa, Pondicherry and Uttaranchal; the
territories merged into Dadra and Nagar Haveli and Daman and Diu; Jammu and Kashmir and Ladakh;
common spellings; the names in Indic scripts). Codes are the vehicle-registration codes CCTNS,
Vahan and Sarathi use, so a state filter means the same thing for every source.

A name the table does not know is not guessed: `state_code_for` returns None and the connector
keeps the name as written, with a data issue.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from importlib.resources import files

_DROPPED_PREFIXES = ("the", "stateof", "utof", "unionterritoryof", "governmentof", "govtof")


def name_key(name: str) -> str:
    """What two writings of one name share: case, spaces, punctuation, `&`/`and`, a leading
    `State of` / `UT of` and a trailing `State` ignored; Indic letters and vowel signs kept."""
    text = unicodedata.normalize("NFC", name).casefold().replace("&", " and ")
    key = "".join(ch for ch in text if unicodedata.category(ch)[0] in "LMN")
    for prefix in _DROPPED_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix) + 2:
            key = key[len(prefix) :]
    if key.endswith("state") and len(key) > len("state") + 2:  # "Karnataka State"
        key = key[: -len("state")]
    return key


@cache
def _table() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(name key → code, code or other code → code, code → name)."""
    by_name: dict[str, str] = {}
    by_code: dict[str, str] = {}
    names: dict[str, str] = {}
    text = files("connectors").joinpath("data/states.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        code, others, name, variants = [*line.split("\t"), "", "", ""][:4]
        names[code] = name
        by_code[code] = code
        for other in filter(None, others.split(",")):
            by_code[other.strip()] = code
        for written in (name, *variants.split("|")):
            key = name_key(written)
            if not key:
                continue
            held = by_name.setdefault(key, code)
            if held != code:
                raise ValueError(f"states.tsv: {written!r} names both {held} and {code}")
    return by_name, by_code, names


def state_code_for(name: str | None) -> str | None:
    """`Karnataka`, `ಕರ್ನಾಟಕ`, `KA` → `KA`; `Orissa`, `OR` → `OD`; unknown → None."""
    if name is None:
        return None
    by_name, by_code, _ = _table()
    stripped = name.strip()
    if len(stripped) == 2 and stripped.isascii() and stripped.upper() in by_code:
        return by_code[stripped.upper()]
    return by_name.get(name_key(stripped))


def canonical_code(code: str) -> str | None:
    """A two-letter code (current or older) → the current one; unknown → None."""
    return _table()[1].get(code.strip().upper())


def state_name(code: str) -> str | None:
    return _table()[2].get(code)

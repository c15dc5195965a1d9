"""Indian states and union territories: full names (as NCRP sends them) → two-letter codes.

Codes are the vehicle-registration codes that CCTNS, Vahan and Sarathi use, so a state filter
means the same thing for every source. Old names and common spellings are included because a
national portal's drop-down has changed over the years.
"""

from __future__ import annotations

import re

_CODES: dict[str, str] = {
    "andaman and nicobar islands": "AN",
    "andaman and nicobar": "AN",
    "andhra pradesh": "AP",
    "arunachal pradesh": "AR",
    "assam": "AS",
    "bihar": "BR",
    "chandigarh": "CH",
    "chhattisgarh": "CG",
    "chattisgarh": "CG",
    "dadra and nagar haveli and daman and diu": "DD",
    "dadra and nagar haveli": "DN",
    "daman and diu": "DD",
    "delhi": "DL",
    "nct of delhi": "DL",
    "national capital territory of delhi": "DL",
    "goa": "GA",
    "gujarat": "GJ",
    "haryana": "HR",
    "himachal pradesh": "HP",
    "jammu and kashmir": "JK",
    "jharkhand": "JH",
    "karnataka": "KA",
    "kerala": "KL",
    "ladakh": "LA",
    "lakshadweep": "LD",
    "madhya pradesh": "MP",
    "maharashtra": "MH",
    "manipur": "MN",
    "meghalaya": "ML",
    "mizoram": "MZ",
    "nagaland": "NL",
    "odisha": "OD",
    "orissa": "OD",
    "puducherry": "PY",
    "pondicherry": "PY",
    "punjab": "PB",
    "rajasthan": "RJ",
    "sikkim": "SK",
    "tamil nadu": "TN",
    "telangana": "TS",
    "tripura": "TR",
    "uttar pradesh": "UP",
    "uttarakhand": "UK",
    "uttaranchal": "UK",
    "west bengal": "WB",
}
_VALID_CODES = frozenset(_CODES.values()) | {"OR", "TG", "UA"}


def _key(name: str) -> str:
    cleaned = name.casefold().replace("&", " and ")
    cleaned = re.sub(r"[^a-z ]+", " ", cleaned)
    return " ".join(cleaned.split())


def state_code_for(name: str | None) -> str | None:
    """`Karnataka` → `KA`; a two-letter code passes through; unknown → None."""
    if name is None:
        return None
    stripped = name.strip()
    if len(stripped) == 2 and stripped.upper() in _VALID_CODES:
        return stripped.upper()
    return _CODES.get(_key(stripped))

"""Which states border which: a found person in a neighbouring state is nearer than one across
the country (a child who runs away often takes the first bus or train out). Land borders of the
states and union territories, by their two-letter codes (as CCTNS and Vahan write them)."""

from __future__ import annotations

from functools import cache

_BORDERS: dict[str, tuple[str, ...]] = {
    "AP": ("TN", "KA", "TS", "OD", "CG"),
    "AR": ("AS", "NL"),
    "AS": ("AR", "NL", "MN", "ML", "TR", "MZ", "WB"),
    "BR": ("UP", "JH", "WB"),
    "CG": ("UP", "MP", "MH", "TS", "AP", "OD", "JH"),
    "DL": ("HR", "UP"),
    "GA": ("MH", "KA"),
    "GJ": ("RJ", "MP", "MH", "DN"),
    "HP": ("JK", "LA", "PB", "HR", "UK", "CH"),
    "HR": ("PB", "HP", "UK", "UP", "DL", "RJ", "CH"),
    "JH": ("BR", "UP", "CG", "OD", "WB"),
    "JK": ("LA", "HP", "PB"),
    "KA": ("MH", "GA", "KL", "TN", "AP", "TS"),
    "KL": ("KA", "TN", "PY"),
    "MH": ("GJ", "MP", "CG", "TS", "KA", "GA", "DN"),
    "ML": ("AS",),
    "MN": ("NL", "AS", "MZ"),
    "MP": ("UP", "RJ", "GJ", "MH", "CG"),
    "MZ": ("AS", "MN", "TR"),
    "NL": ("AS", "AR", "MN"),
    "OD": ("WB", "JH", "CG", "AP"),
    "PB": ("JK", "HP", "HR", "RJ", "CH"),
    "PY": ("TN", "KL", "AP"),
    "RJ": ("PB", "HR", "UP", "MP", "GJ"),
    "SK": ("WB",),
    "TN": ("KL", "KA", "AP", "PY"),
    "TR": ("AS", "MZ"),
    "TS": ("MH", "CG", "AP", "KA"),
    "UK": ("HP", "HR", "UP"),
    "UP": ("UK", "HP", "HR", "DL", "RJ", "MP", "CG", "JH", "BR"),
    "WB": ("BR", "JH", "OD", "SK", "AS"),
}


@cache
def neighbours(state: str) -> frozenset[str]:
    """The states bordering `state` (the table is read both ways)."""
    out = set(_BORDERS.get(state, ()))
    out.update(other for other, near in _BORDERS.items() if state in near)
    return frozenset(out)

"""Known variant families of name tokens, read from `variants.tsv` (data, not code).

The table is keyed by each variant's spelling *after* the spelling rules it is given
(`phonetic.spelling_rules`, which asks for it: `phonetic.family_of`), so a spelling that the
rules bring to a listed one (`MOHAMMAD`, `Muhammed`) finds the family too.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from importlib import resources


@cache
def family_table(rules: Callable[[str], str]) -> dict[str, str]:
    """Rule-normalised spelling → its family's rule-normalised spelling."""
    table: dict[str, str] = {}
    text = resources.files("matching").joinpath("variants.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        family, _, spellings = line.partition("\t")
        canon_family = rules(family.strip())
        for spelling in (family, *spellings.split(",")):
            spelling = spelling.strip()
            if spelling:
                table.setdefault(rules(spelling), canon_family)
    return table

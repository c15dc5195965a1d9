"""Known variant families of name tokens, read from `variants.tsv` (data, not code).

The table is keyed by each variant's spelling *after* `phonetic.spelling_rules`, so a spelling
that the rules bring to a listed one (`MOHAMMAD`, `Muhammed`) finds the family too.
"""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def _table() -> dict[str, str]:
    # imported here: phonetic imports this module, and the table needs the rules
    from matching.phonetic import spelling_rules

    table: dict[str, str] = {}
    text = resources.files("matching").joinpath("variants.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        family, _, spellings = line.partition("\t")
        canon_family = spelling_rules(family.strip())
        for spelling in (family, *spellings.split(",")):
            spelling = spelling.strip()
            if spelling:
                table.setdefault(spelling_rules(spelling), canon_family)
    return table


def family_of(ruled_token: str) -> str | None:
    """The family spelling (itself rule-normalised) for a rule-normalised token, or None."""
    return _table().get(ruled_token)


def family_size() -> int:
    return len(_table())

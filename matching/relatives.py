"""Names a person is also known by, inferred from the relative's name beside theirs.

A register often writes the given name and the father's or husband's name, and leaves the
surname to the relative: `RAMESH S/O SURESH PATIL` is Ramesh Patil, or Ramesh Suresh Patil in a
Marathi register. Where names pass on this way, what is missing can be read off the relative:

- **the surname** (`surname_from_relative`): in most of India it passes from father to child and
  from husband to wife. A name with one informative word (a given name, perhaps with `Kumar` or
  `Devi`), or with the relative's given name as its last word (Marathi and Gujarati put the
  father's, a wife the husband's, given name in the middle), takes the relative's last word:
  `Ramesh` + `Suresh Patil` → `Ramesh Patil` and `Ramesh Suresh Patil`. A Sikh daughter or wife of
  a `Singh` is a `Kaur`.
- **the initial** (`initial_from_relative`): in Tamil Nadu, and for Telugu, Kannada and Malayali
  names, the initial before a given name is the father's given name (a Telugu house name, which
  the father carries first): `K. Murugan` + `Kandasamy` → `Kandasamy Murugan`; a single given
  name whose relative has one name takes it in full (`Murugan` + `Kandasamy` → `Murugan
  Kandasamy`, as another register spells the initial out).

Both are inferences, not writings: the forms carry `NameForm.inferred`, scoring counts them a
little below a written match (`calibration`), and the reasons name them. They apply on the query
side (the officer's name and relative) and on the record side (a record's name and relative),
and an index stores their keys, so that `Ramesh Patil` finds `RAMESH S/O SURESH PATIL`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

from matching.parse import NameForm, ParsedName, Token, parse_name, token_of

SURNAME: Final = "surname_from_relative"
INITIAL: Final = "initial_from_relative"
_SINGH: Final = "sing"  # canonical spellings (`phonetic.canonical`)
_KAUR: Final = "kaur"
# last words of a man's name that his children and wife do not take: a middle name written last
# (`Suresh Kumar`), and words that mark a woman (canonical spellings)
_NOT_PASSED_ON: Final = frozenset(
    {"kumar", "kumari", "devi", "bai", "ben", "bibi", "begum", "katun", "bano", "rani"}
)


def _same(a: Token, b: Token) -> bool:
    return a.canon == b.canon or (not a.initial and not b.initial and a.key == b.key)


def _has(tokens: tuple[Token, ...], t: Token) -> bool:
    return any(_same(x, t) for x in tokens)


def _form(tokens: list[Token], kind: str) -> NameForm:
    form = NameForm.of(tuple(tokens))
    form.inferred = kind
    return form


def inferred_forms(name: NameForm, relative: NameForm, female: bool | None) -> list[NameForm]:
    """The forms of `name` that `relative` implies (see the module docstring); none when the
    name already carries what the relative could give."""
    tokens = name.tokens
    rel_full = [t for t in relative.tokens if not t.initial]
    if not rel_full or not tokens:
        return []
    informative = [t for t in tokens if not t.initial and t.weight == 1.0]
    initials = [i for i, t in enumerate(tokens) if t.initial]
    out: list[NameForm] = []
    given = rel_full[0]  # the relative's first name: a father's given name, or a house name
    if len(rel_full) >= 2:
        surname = rel_full[-1]
        if surname.canon == _SINGH and female:
            surname = token_of(_KAUR)
        lacks_surname = len(informative) <= 1 or _same(informative[-1], given)
        if lacks_surname and surname.canon not in _NOT_PASSED_ON and not _has(tokens, surname):
            out.append(_form([*tokens, surname], SURNAME))
            if not _has(tokens, given) and len(informative) <= 1:
                out.append(_form([*tokens, given, surname], SURNAME))
    first = given.first
    matching = [i for i in initials if tokens[i].first == first]
    if matching:
        # `K. Murugan` + Kandasamy: the initial is the father's name
        i = matching[0]
        out.append(_form([given, *tokens[:i], *tokens[i + 1 :]], INITIAL))
    elif not initials and len(informative) == 1 and len(tokens) == 1 and not _has(tokens, given):
        out.append(_form([*tokens, given], INITIAL))
    return out


@lru_cache(maxsize=50_000)
def inferred_from(name: str, relative: str, female: bool | None = None) -> tuple[NameForm, ...]:
    """`inferred_forms` for a written name (its primary form) and a written relative's name."""
    parsed = parse_name(name)
    rel = parse_name(relative).primary
    if parsed.primary is None or rel is None:
        return ()
    return tuple(inferred_forms(parsed.primary, rel, female))


def relative_of(parsed: ParsedName, relative_name: str | None) -> NameForm | None:
    """The relative's name: the one given beside the name, else the one written inside it
    (`RAMESH S/O SURESH PATIL`)."""
    if relative_name:
        return parse_name(relative_name).primary
    return parsed.relative


def is_female(gender: str | None, relation: str | None) -> bool | None:
    """Whether a person is a woman, from a gender or from the relation (`D/O`, `W/O`)."""
    if gender:
        g = gender.strip().upper()[:1]
        if g in ("F", "M"):
            return g == "F"
    if relation in ("D/O", "W/O"):
        return True
    if relation in ("S/O", "H/O"):
        return False
    return None

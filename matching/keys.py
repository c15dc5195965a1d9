"""Retrieval keys for one written name: what the index stores and the query asks for.

Retrieval asks for records sharing *any* key, so every key must be worth a lookup. Per name form
(primary and aliases), with `K(x)` the coarse phonetic key of token x (`phonetic.coarse`):

- `t:K(x)` per full token: finds one-word names, surname-only queries, reordered names.
  Filler tokens (`FILLERS`: kumar, singh, devi, kaur, mohammed…) get no `t:` key when the form has
  any other token: their postings would hold a large share of the country (`t:KMR` would match
  tens of millions of records) and never decide a match on their own. They still take part in
  the pair keys below, and a name made only of fillers keeps its `t:` keys.
- `t:K(xy)` for two adjacent tokens written as one (`Ram Kumar` ~ `Ramkumar`), in forms of two
  or three tokens.
- `b:K(x)|K(y)` per unordered pair of full tokens: two names in common survive a missing middle
  name, an extra surname, any order, and are far more selective than one token.
- `i:I|K(x)` per full token x and the initial letter I of every other token: credits
  `R. K. Sharma` against `Rajesh Kumar Sharma` and `K. Murugan` against `Murugan Kandasamy`.
  A filler gets these keys only in the surname position (`A. Singh`).
- `s:` the sorted keys of all full tokens (3+ tokens): the whole name in any order.

A three-token name yields about twelve keys. Retrieval engines should rank candidates by the
number (or IDF-weighted sum) of keys shared, as BM25 on a keyword field does; rescoring then
decides. The query computes its keys with the same function.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise
from typing import Final

from matching.parse import NameForm, ParsedName, Token, is_initials, parse_name
from matching.phonetic import coarse

_MAX_TOKENS = 5  # pair and initial keys are built on at most this many tokens of a form

# Which keys `name_keys` computes. An index stores the version its keys were written with, and
# `icjs index stats` says when it differs from this one: the index then misses records whose
# name the new keys spell differently, until `icjs index rebuild`. Bump it whenever a name's
# keys change (a rule, the variants table); `tests/unit/matching/test_keys_version.py` holds a
# digest of the keys of a list of names per version and fails until it is bumped. Indexes
# written before versions were recorded count as 1.
KEYS_VERSION: Final = 2


@lru_cache(maxsize=200_000)
def _compound_key(a: str, b: str) -> str:
    return "t:" + coarse(a + b)


def _form_keys(form: NameForm, out: list[str]) -> None:
    # string work only: the key parts are built once per token (`Token.t_key`, `tail`,
    # `i_head`, `b_head`), so each key is one concatenation
    tokens = form.tokens
    if len(tokens) == 2:
        _two_token_keys(tokens[0], tokens[1], out)
    else:
        _general_keys(tokens, out)


def _general_keys(tokens: tuple[Token, ...], out: list[str]) -> None:
    if len(tokens) > _MAX_TOKENS + 2:
        tokens = tokens[: _MAX_TOKENS + 2]
    full = [t for t in tokens if not t.initial]
    if not full:
        return
    if len(full) > _MAX_TOKENS:
        full = full[:_MAX_TOKENS]
    informative = [t.t_key for t in full if t.weight == 1.0]
    out += informative or [t.t_key for t in full]
    n = len(tokens)
    if n == 2 or n == 3:
        for a, b in pairwise(tokens):
            if not a.initial and not b.initial:
                out.append(_compound_key(a.canon, b.canon))
    m = len(full)
    if m == 2:
        a, b = full
        out.append(a.b_head + b.tail if a.key <= b.key else b.b_head + a.tail)
    elif m > 2:
        ordered = sorted(full, key=_by_key)
        out += [ordered[i].b_head + ordered[j].tail for i in range(m) for j in range(i + 1, m)]
        out.append("s:" + "|".join([t.key for t in ordered]))
    if n > 1:
        last = n - 1
        for i, t in enumerate(tokens):
            # a filler keys its initials only as a surname (`A. Singh`, `R. Das`), never as the
            # middle `Kumar` that half the country carries
            if t.initial or (i != last and t.weight != 1.0):
                continue
            tail = t.tail
            out += [o.i_head + tail for j, o in enumerate(tokens) if j != i]


def _two_token_keys(a: Token, b: Token, out: list[str]) -> None:
    """`_form_keys` for the most common form, two tokens, written out."""
    if a.initial:
        if not b.initial:
            out += (b.t_key, a.i_head + b.tail)
        return
    if b.initial:  # a full given name and an initial (`Ramesh K`); a filler first keys no initial
        out.append(a.t_key)
        if a.weight == 1.0:
            out.append(b.i_head + a.tail)
        return
    if a.weight == 1.0:
        out += (a.t_key, b.t_key) if b.weight == 1.0 else (a.t_key,)
    else:
        out += (b.t_key,) if b.weight == 1.0 else (a.t_key, b.t_key)
    out += (
        _compound_key(a.canon, b.canon),
        a.b_head + b.tail if a.key <= b.key else b.b_head + a.tail,
        a.i_head + b.tail,
    )
    if a.weight == 1.0:
        out.append(b.i_head + a.tail)


def _by_key(t: Token) -> str:
    return t.key


def parsed_keys(parsed: ParsedName) -> frozenset[str]:
    out: list[str] = []
    for form in parsed.forms:
        _form_keys(form, out)
    return frozenset(out)


@lru_cache(maxsize=50_000)  # ~1.4 KB an entry: docs/decisions.md, "Matcher cache sizes"
def name_keys(name: str) -> frozenset[str]:
    """Retrieval keys for one written name in any script (see the module docstring)."""
    return parsed_keys(parse_name(name))


@lru_cache(maxsize=50_000)
def name_text(name: str) -> str:
    """The name's canonical Latin tokens for fuzzy (trigram) retrieval, one written form after
    another (`@` between them; a form whose tokens were all seen already is left out):
    `Mohd. Irfan @ Pappu` → `mohamed irfan @ papu`; `राजेंद्र` → `rajendra`. Parsing the result
    again gives the same text."""
    seen: set[str] = set()
    parts: list[str] = []
    for form in parse_name(name).forms:
        # a canonical spelling that would read back as initials (`kaa` → `ka`) stays as written
        canons = [t.canon if t.initial or not is_initials(t.canon) else t.text for t in form.tokens]
        if parts and seen.issuperset(canons):
            continue
        seen.update(canons)
        parts.append(" ".join(canons))
    return " @ ".join(parts)
